package netcause

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

func TestOf(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, refused := http.Get("http://" + addr)

	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr, nil)
	_, timeout := http.DefaultClient.Do(req)

	tests := []struct {
		err  error
		want string
	}{
		{refused, "connection refused"},
		{&net.DNSError{Name: "gpu0", IsNotFound: true}, "host gpu0 not found"},
		{&net.DNSError{Name: "gpu0"}, "DNS lookup of gpu0 failed"},
		{fmt.Errorf("post: %w", io.ErrUnexpectedEOF), "connection closed without a complete answer"},
		{fmt.Errorf("a: %w", errors.New("something else")), "something else"},
	}
	for _, tt := range tests {
		if got := Of(tt.err); got != tt.want {
			t.Errorf("Of(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
	if got := Of(timeout); got != "connection timed out" && got != "context deadline exceeded" {
		t.Errorf("Of(timeout) = %q", got)
	}
}
