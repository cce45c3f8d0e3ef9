// Copyright 2026 The fluxconfig Authors.
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

// Package testutil holds the helpers the tests, the bench and devenv share: a settable
// clock, a free port, a child-process runner, a write-counting transport, the endpoint's
// token directory and a real endpoint served on 127.0.0.1.
package testutil

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fluxconfig/fluxconfig/internal/testutil/relay"
)

// Clock is a settable clock, safe for concurrent use; pass Now where a func() time.Time
// is wanted.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock that reads start until advanced.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// FreeAddr returns a 127.0.0.1 address whose port was free a moment ago.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// RoundTripperFunc is a function as an http.RoundTripper.
type RoundTripperFunc func(*http.Request) (*http.Response, error)

// RoundTrip calls f.
func (f RoundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// WriteCounter counts the requests that may change something (every method but GET, HEAD
// and OPTIONS), to prove a steady state sends no writes.
type WriteCounter struct{ n atomic.Int64 }

// Wrap returns rt counting into w; it fits rest.Config.Wrap.
func (w *WriteCounter) Wrap(rt http.RoundTripper) http.RoundTripper {
	return RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			w.n.Add(1)
		}
		return rt.RoundTrip(r)
	})
}

// Writes is the number of writes counted so far.
func (w *WriteCounter) Writes() int64 { return w.n.Load() }

// Forward sends r on to upstream (a base URL) and copies the answer back; a fault-injecting
// handler calls it for the requests it lets through.
func Forward(w http.ResponseWriter, r *http.Request, upstream string) {
	req, _ := http.NewRequestWithContext(r.Context(), r.Method, upstream+r.URL.RequestURI(), r.Body)
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	relay.Response(w, resp)
}
