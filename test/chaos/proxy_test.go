//go:build chaos

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

package chaos

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// TestProxy_Faults checks each proxy fault on a real HTTP server, so a fault the suite
// counts is one the agent really saw.
func TestProxy_Faults(t *testing.T) {
	body := strings.Repeat("x", 64<<10)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, body) }))
	defer upstream.Close()
	addr, err := testutil.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	p, err := startProxy(addr, strings.TrimPrefix(upstream.URL, "http://"), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	get := func() (int, int, error) {
		c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := c.Get("http://" + p.addr() + "/")
		if err != nil {
			return 0, 0, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, len(b), err
	}

	if code, n, err := get(); err != nil || code != http.StatusOK || n != len(body) {
		t.Fatalf("pass: %d, %d bytes, %v; want 200 with the whole body", code, n, err)
	}
	p.set(proxy5xx, 0)
	if code, _, err := get(); err != nil || code != http.StatusServiceUnavailable {
		t.Fatalf("5xx: %d, %v; want 503", code, err)
	}
	p.set(proxyReset, 0)
	if _, _, err := get(); err == nil {
		t.Fatal("reset: the request succeeded")
	}
	p.set(proxyTruncate, 0)
	if code, n, err := get(); err == nil && n == len(body) {
		t.Fatalf("truncate: %d with the whole body", code)
	}
	p.set(proxyLatency, 300*time.Millisecond)
	start := time.Now()
	if code, n, err := get(); err != nil || code != http.StatusOK || n != len(body) {
		t.Fatalf("latency: %d, %d bytes, %v; want 200 with the whole body", code, n, err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("latency: answered in %s, before the delay", d)
	}
	p.set(proxyPass, 0)
	if code, n, err := get(); err != nil || code != http.StatusOK || n != len(body) {
		t.Fatalf("pass again: %d, %d bytes, %v", code, n, err)
	}
	if p.faulted.Load() < 3 {
		t.Fatalf("faulted %d times, want at least 3", p.faulted.Load())
	}
}
