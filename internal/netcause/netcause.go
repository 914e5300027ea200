// Package netcause names why a request to a server failed in a few words,
// for the messages of the SD clients (internal/sd, internal/comfyui):
// "connection refused", "host gpu0 not found", "connection timed out".
package netcause

import (
	"errors"
	"io"
	"net"
	"syscall"
)

// Of names a transport failure (a refused or dropped connection, a DNS
// failure, a timeout) in a few words; for any other error it returns the
// innermost error's text.
func Of(err error) string {
	var errno syscall.Errno
	var dns *net.DNSError
	var nerr net.Error
	switch {
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return "host " + dns.Name + " not found"
		}
		return "DNS lookup of " + dns.Name + " failed"
	case errors.As(err, &errno):
		return errno.Error()
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed without a complete answer"
	case errors.As(err, &nerr) && nerr.Timeout():
		return "connection timed out"
	}
	for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
		err = u
	}
	return err.Error()
}
