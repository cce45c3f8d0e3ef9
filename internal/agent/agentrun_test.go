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
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/agent"
	"github.com/fluxconfig/fluxconfig/internal/agent/drift"
	"github.com/fluxconfig/fluxconfig/internal/agent/poller"
	"github.com/fluxconfig/fluxconfig/internal/agent/reporter"
	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// runningAgent is fluxconfig-agent wired as cmd/fluxconfig-agent wires it: one manager with
// the poller, the status reporter and drift repair, its writes counted, its metrics served
// on 127.0.0.1 and its events recorded in the API server.
type runningAgent struct {
	writes *testutil.WriteCounter
	// repairReads counts drift repair's reads of the live objects.
	repairReads *countingReader
	metricsURL  string
	// stop stops the agent and waits until it has; the test's end calls it too.
	stop func()
}

// startAgent runs the agent against endpoint until the test ends. The poller polls once at
// start, then every pollInterval.
func (f *fixture) startAgent(endpoint client.Agent, pollInterval time.Duration) *runningAgent {
	f.t.Helper()
	g := f.g
	a := &runningAgent{writes: &testutil.WriteCounter{}, repairReads: &countingReader{}}
	counted := rest.CopyConfig(cfg)
	counted.Wrap(a.writes.Wrap)
	addr, err := testutil.FreeAddr()
	g.Expect(err).NotTo(HaveOccurred())
	a.metricsURL = "http://" + addr + "/metrics"
	mgr, err := ctrl.NewManager(counted, ctrl.Options{
		Scheme:  scheme.New(),
		Metrics: metricsserver.Options{BindAddress: addr},
		// -count=N builds the same controllers again in one process.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
		Client:     ctrlclient.Options{Cache: &ctrlclient.CacheOptions{DisableFor: []ctrlclient.Object{&corev1.Secret{}}}},
	})
	g.Expect(err).NotTo(HaveOccurred())
	recorder := mgr.GetEventRecorder(agent.FieldOwner)
	desired := &drift.Desired{}
	// The fixture's identity, as main.go gives it: with none, every test's agent took the
	// FluxConfigs that earlier tests left in the shared API server for its own, and pruning
	// them crossed the prune limit.
	g.Expect(mgr.Add(&poller.Poller{Client: mgr.GetClient(), Config: endpoint, Interval: pollInterval, Now: time.Now,
		Log: logr.Discard(), Desired: desired, Recorder: recorder, Identity: f.poller.Identity})).To(Succeed())
	rep := &reporter.Reporter{Client: mgr.GetClient(), Config: endpoint, Interval: time.Second, Now: time.Now,
		Identity: f.poller.Identity}
	g.Expect(rep.SetupWithManager(mgr)).To(Succeed())
	a.repairReads.Reader = mgr.GetAPIReader()
	repairer := &drift.Repairer{Client: mgr.GetClient(), Reader: a.repairReads, Desired: desired, Recorder: recorder}
	g.Expect(repairer.SetupWithManager(mgr)).To(Succeed())

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	var once sync.Once
	a.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				f.t.Errorf("agent manager: %v", err)
			}
		})
	}
	f.t.Cleanup(a.stop)
	g.Eventually(func() error {
		resp, err := http.Get(a.metricsURL)
		if err == nil {
			_ = resp.Body.Close()
		}
		return err
	}, 30*time.Second, 50*time.Millisecond).Should(Succeed(), "the metrics endpoint serves")
	return a
}

// countingReader counts the reads it passes on.
type countingReader struct {
	ctrlclient.Reader
	gets atomic.Int64
}

func (r *countingReader) Get(ctx context.Context, key ctrlclient.ObjectKey, obj ctrlclient.Object, opts ...ctrlclient.GetOption) error {
	r.gets.Add(1)
	return r.Reader.Get(ctx, key, obj, opts...)
}

// scrape reads the agent's metrics endpoint: each series, e.g.
// `fluxconfig_agent_repairs_total{reason="Edited"}`, with its value.
func (a *runningAgent) scrape(g Gomega) map[string]float64 {
	resp, err := http.Get(a.metricsURL)
	g.Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	series := map[string]float64{}
	scanner := bufio.NewScanner(resp.Body)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		line := scanner.Text()
		i := strings.LastIndexByte(line, ' ')
		if strings.HasPrefix(line, "#") || i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		g.Expect(err).NotTo(HaveOccurred(), line)
		series[line[:i]] = v
	}
	g.Expect(scanner.Err()).NotTo(HaveOccurred())
	return series
}

// metric is one series of scrape, 0 when it is not there.
func (a *runningAgent) metric(g Gomega, series string) float64 { return a.scrape(g)[series] }

// events counts the events of reason the agent recorded about the named object, an event
// repeated as a series counting as often as it happened.
func (f *fixture) events(g Gomega, namespace, name, reason string) (count int, notes []string) {
	list := &eventsv1.EventList{}
	g.Expect(f.kube.List(context.Background(), list, ctrlclient.InNamespace(namespace))).To(Succeed())
	for _, e := range list.Items {
		if e.Regarding.Name != name || e.Reason != reason || e.ReportingController != agent.FieldOwner {
			continue
		}
		n := 1
		if e.Series != nil {
			n = int(e.Series.Count)
		}
		count += n
		notes = append(notes, e.Note)
	}
	return count, notes
}

// quiet asserts that the agent sends no write to the API server for a while.
func (a *runningAgent) quiet(t *testing.T, why string) {
	t.Helper()
	before := a.writes.Writes()
	NewWithT(t).Consistently(a.writes.Writes, 2*time.Second, 100*time.Millisecond).Should(Equal(before), why)
}
