package main

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/imaginebot/imaginebot/internal/sdsim"
)

// sdServer is a simulated SD WebUI on a fixed loopback address that a test
// can crash and bring back, as a real WebUI restarts on the same port. A
// restart gets a fresh Sim (records, faults and the loaded model start over).
type sdServer struct {
	t    *testing.T
	opts sdsim.Options
	addr string // host:port, fixed for the server's life

	mu  sync.Mutex // guards sim and ts
	sim *sdsim.Sim
	ts  *httptest.Server // nil while down
}

// newSDServer picks a loopback address and, if up, serves a Sim there.
// Cleanup crashes it.
func newSDServer(t *testing.T, opts sdsim.Options, up bool) *sdServer {
	t.Helper()
	s := &sdServer{t: t, opts: opts, addr: stableAddr(t)}
	if up {
		s.start()
	}
	t.Cleanup(s.crash)
	return s
}

// stableAddr returns a free loopback address that nobody else is handed
// while the server is down: its port lies below the kernel's ephemeral
// range, from which listeners on port 0 (every other fake) and outgoing
// connections take theirs. So a down server refuses connections, as a
// stopped WebUI does, and can come back on the same address.
func stableAddr(t *testing.T) string {
	t.Helper()
	low := 32768 // Linux's default start of the ephemeral range
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				low = n
			}
		}
	}
	const first = 10000
	for range 100 {
		if low <= first+100 {
			break
		}
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", first+rand.IntN(low-first)))
		if err == nil {
			addr := ln.Addr().String()
			ln.Close()
			return addr
		}
	}
	t.Fatalf("no free loopback port below the ephemeral range (from %d)", low)
	return ""
}

// URL is the server's base URL, the same across restarts.
func (s *sdServer) URL() string { return "http://" + s.addr }

// start brings a fresh Sim up on the server's address.
func (s *sdServer) start() {
	s.t.Helper()
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		s.t.Fatalf("sd restart on %s: %v", s.addr, err)
	}
	s.serve(ln)
}

func (s *sdServer) serve(ln net.Listener) {
	sim := sdsim.New(s.opts)
	ts := &httptest.Server{Listener: ln, Config: &http.Server{Handler: sim}}
	ts.Start()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sim, s.ts = sim, ts
}

// crash stops the server like a killed process: running jobs and hanging
// requests lose their connections and the port refuses new ones.
func (s *sdServer) crash() {
	s.mu.Lock()
	sim, ts := s.sim, s.ts
	s.ts = nil
	s.mu.Unlock()
	if ts == nil {
		return
	}
	sim.Close() // first, so that running jobs and hanging handlers return
	ts.Close()
}

// Sim returns the Sim serving now (or last).
func (s *sdServer) Sim() *sdsim.Sim {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sim
}
