package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"syscall"
	"time"
)

var (
	remoteMu    sync.Mutex
	remoteFirst string
)

// remoteAttempt is the first URL a library tried to fetch ("" if none).
func remoteAttempt() string {
	remoteMu.Lock()
	defer remoteMu.Unlock()
	return remoteFirst
}

func recordRemote(target string) {
	remoteMu.Lock()
	defer remoteMu.Unlock()
	if remoteFirst == "" {
		remoteFirst = target
	}
}

var errNoNetwork = errors.New("renders reach no network: remote bases are not allowed")

type refusingTransport struct{}

func (refusingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	recordRemote(req.URL.String())
	return nil, fmt.Errorf("%s: %w", req.URL.Redacted(), errNoNetwork)
}

// disableNetwork makes every HTTP request and every dial through the default dialer and resolver fail
// before a packet leaves the process.
func disableNetwork() {
	http.DefaultTransport = refusingTransport{}
	http.DefaultClient = &http.Client{Transport: refusingTransport{}}
	net.DefaultResolver = &net.Resolver{PreferGo: true, Dial: func(_ context.Context, _, address string) (net.Conn, error) {
		recordRemote(address)
		return nil, errNoNetwork
	}}
}

// applyMemoryLimit caps the helper's memory: the Go runtime's soft limit keeps the heap small, a
// watchdog exits with a clear error once the heap passes the limit, and RLIMIT_AS stops a burst the
// watchdog is too slow to see (the runtime then dies, and the caller reports the limit).
func applyMemoryLimit(limit int64) {
	if limit <= 0 {
		return
	}
	debug.SetMemoryLimit(limit)
	// RLIMIT_DATA counts the writable memory the runtime maps, not its address-space reservations
	// (RLIMIT_AS would count those and fail a render long before the heap is large).
	hard := uint64(limit)*2 + 256<<20
	_ = syscall.Setrlimit(syscall.RLIMIT_DATA, &syscall.Rlimit{Cur: hard, Max: hard})
	go watchMemory(limit)
}

func watchMemory(limit int64) {
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	for {
		metrics.Read(samples)
		if samples[0].Value.Kind() == metrics.KindUint64 && int64(samples[0].Value.Uint64()) > limit {
			fail(&renderError{Code: "RENDER_FAILED",
				Message: fmt.Sprintf("the render used more than the memory limit of %d MiB", limit>>20),
				Hint:    "look for a runaway recursion or a huge generated value in the app, or raise limits.maxMemoryBytes"})
		}
		time.Sleep(20 * time.Millisecond)
	}
}
