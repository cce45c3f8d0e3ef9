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
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/scheme"
)

// applyGate holds each FluxConfig apply until `want` of them are in flight together, and
// records the most it saw at once. An agent that applies one at a time never gets there:
// the gate then opens on its fallback, so that agent fails the count instead of hanging.
type applyGate struct {
	next http.RoundTripper
	want int

	mu       sync.Mutex
	inFlight int
	max      int
	open     chan struct{}
	once     sync.Once
}

func (g *applyGate) release() { g.once.Do(func() { close(g.open) }) }

func (g *applyGate) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodPatch || !strings.Contains(r.URL.Path, "/fluxconfigs/") {
		return g.next.RoundTrip(r)
	}
	g.mu.Lock()
	g.inFlight++
	g.max = max(g.max, g.inFlight)
	if g.inFlight >= g.want {
		g.release()
	}
	g.mu.Unlock()
	defer func() { g.mu.Lock(); g.inFlight--; g.mu.Unlock() }()
	select {
	case <-g.open:
	case <-time.After(20 * time.Second):
		g.release()
	}
	return g.next.RoundTrip(r)
}

// Configurations are applied concurrently: one poll of a desired set has several FluxConfig
// applies in flight at once, rather than one round trip after the other.
func TestAgent_AppliesConfigurationsConcurrently(t *testing.T) {
	f := newFixture(t, "concurrent")
	g, ns := f.g, f.ns("agent-concurrent")
	const n = 4
	for i := range n {
		f.mustPut(fmt.Sprintf("c%d", i), gitBody(ns, nil))
	}
	gate := &applyGate{want: n, open: make(chan struct{})}
	c := rest.CopyConfig(cfg)
	c.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { gate.next = rt; return gate }
	kube, err := ctrlclient.New(c, ctrlclient.Options{Scheme: scheme.New()})
	g.Expect(err).NotTo(HaveOccurred())
	f.poller.Client = kube

	f.poll()
	g.Expect(gate.max).To(Equal(n), "FluxConfig applies in flight at once")
	list := &v1alpha1.FluxConfigList{}
	g.Expect(f.kube.List(t.Context(), list, ctrlclient.InNamespace(ns))).To(Succeed())
	g.Expect(list.Items).To(HaveLen(n))
}
