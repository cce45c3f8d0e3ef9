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

package agent_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
)

// startPolling runs the poller's loop until the test ends, and waits for its first poll.
func (f *fixture) startPolling() {
	f.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { defer close(stopped); _ = f.poller.Start(ctx) }()
	f.t.Cleanup(func() { cancel(); <-stopped })
	f.g.Eventually(func() error { return ready(f.poller) }, 30*time.Second, 20*time.Millisecond).Should(Succeed())
}

// applied reports whether the agent wrote the FluxConfig name in namespace.
func (f *fixture) applied(namespace, name string) func() bool {
	return func() bool {
		return f.kube.Get(context.Background(), key(namespace, name), &v1alpha1.FluxConfig{}) == nil
	}
}

// A change reaches the cluster long before the poll interval: the agent's poll is held
// by the endpoint and answered by the PUT.
func TestAgent_LongPollDeliversAChangeAtOnce(t *testing.T) {
	f := newFixture(t, "longpoll")
	ns := f.ns("agent-longpoll")
	f.poller.Interval, f.poller.LongPollWait = 30*time.Second, 30*time.Second
	f.startPolling()
	// Let the agent settle into its held poll: the first poll's answer makes the next
	// follow within a second. (Were it not held yet, that poll would still see the change.)
	time.Sleep(2 * time.Second)

	f.mustPut("app", gitBody(ns, nil))
	f.g.Eventually(f.applied(ns, "app"), 10*time.Second, 20*time.Millisecond).Should(BeTrue(),
		"the change did not arrive well before the 30s poll interval")
}

// stripWait makes the endpoint ignore long-poll, like one that predates it, and counts the
// agent's polls.
func stripWait(polls *atomic.Int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.Header.Get("Authorization") != "Bearer "+adminToken {
			polls.Add(1)
			q := r.URL.Query()
			q.Del(endpoint.WaitParam)
			r.URL.RawQuery = q.Encode()
		}
		next.ServeHTTP(w, r)
	})
}

// Against an endpoint that answers long-polls at once, the agent polls at its interval:
// no busy loop, and changes still arrive.
func TestAgent_LongPollFallsBackToTheInterval(t *testing.T) {
	f := newFixture(t, "longpoll-off")
	ns := f.ns("agent-longpoll-off")
	var polls atomic.Int64
	countReports := f.wrap
	f.wrap = func(next http.Handler) http.Handler { return stripWait(&polls, countReports(next)) }
	f.restartEndpoint(false)
	const interval = 10 * time.Second
	f.poller.Interval, f.poller.LongPollWait = interval, 30*time.Second
	f.startPolling()

	// The first poll (200) is followed at once by a long-poll that comes back at once
	// (304); then the agent waits its interval.
	time.Sleep(5 * time.Second)
	f.g.Expect(polls.Load()).To(BeNumerically("<=", 3), "the agent polls in a loop")
	f.g.Expect(f.endpoint.Server.HeldPolls()).To(BeZero())

	f.mustPut("app", gitBody(ns, nil))
	f.g.Eventually(f.applied(ns, "app"), 2*interval, 100*time.Millisecond).Should(BeTrue())
}
