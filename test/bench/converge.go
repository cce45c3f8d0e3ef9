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

package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// convergeResult is one converge run, its floor and its steady state.
type convergeResult struct {
	N                 int            `json:"n"`
	Foreign           int            `json:"foreignObjects"`
	Seconds           float64        `json:"seconds"`
	Requests          map[string]int `json:"requests"`
	RequestsPerConfig float64        `json:"requestsPerConfig"`
	MutatingPerConfig float64        `json:"mutatingPerConfig"`
	PeakHeapMiB       float64        `json:"peakHeapMiB"`
	PeakRSSMiB        float64        `json:"peakRSSMiB"`
	Floor             floorResult    `json:"floor"`
	Ratio             float64        `json:"convergeOverFloor"`
	Steady            steadyResult   `json:"steadyState"`
}

// steadyResult is a full resync: a restarted controller reconciles every config once.
type steadyResult struct {
	Seconds    float64        `json:"seconds"`
	Reconciles int            `json:"reconciles"`
	Requests   map[string]int `json:"requests"`
	Mutating   int            `json:"mutating"`
}

const mib = 1 << 20

// runConverge measures one converge of n configs on a fresh control plane, with foreign
// unrelated Secrets and as many ConfigMaps, then a full resync, then the floor.
func runConverge(ctx context.Context, o *options, n, foreign int) (*convergeResult, error) {
	label := fmt.Sprintf("converge-%d-foreign-%d", n, foreign)
	c, err := startCluster(o.out, label)
	if err != nil {
		return nil, err
	}
	defer c.stop()
	benchNS, floorNS := namespaceNames("bench"), namespaceNames("floor")
	if err := c.namespaces(ctx, append(benchNS, floorNS...)); err != nil {
		return nil, err
	}
	if foreign > 0 {
		o.logf("%s: creating %d unrelated Secrets and %d ConfigMaps", label, foreign, foreign)
		if err := c.foreignLoad(ctx, benchNS, foreign); err != nil {
			return nil, fmt.Errorf("foreign load: %w", err)
		}
	}
	res := &convergeResult{N: n, Foreign: foreign}
	if err := o.converge(ctx, c, label, res); err != nil {
		return nil, err
	}
	statuses, err := convergedStatuses(ctx, c.user)
	if err != nil {
		return nil, err
	}
	o.logf("%s: full resync", label)
	if res.Steady, err = o.resync(ctx, c, label, n); err != nil {
		return nil, err
	}
	o.logf("%s: floor", label)
	if res.Floor, err = o.floor(ctx, c, fixtures("floor", n), statuses); err != nil {
		return nil, err
	}
	res.Ratio = res.Seconds / res.Floor.Seconds
	return res, nil
}

// converge starts the controller, creates the configs as a user would and waits until
// every one is Succeeded, then until the controller is idle, and records what it cost.
func (o *options) converge(ctx context.Context, c *cluster, label string, res *convergeResult) error {
	p, err := o.startController(c, label)
	if err != nil {
		return err
	}
	defer p.stop()
	base, err := quiesce(ctx, p, 30*time.Second)
	if err != nil {
		return err
	}
	sampleCtx, stopSampling := context.WithCancel(ctx)
	peakHeap := make(chan float64, 1)
	go func() { peakHeap <- sampleHeap(sampleCtx, p) }()

	o.logf("%s: creating %d configs", label, res.N)
	fx := fixtures("bench", res.N)
	start := time.Now()
	if err := createInputs(ctx, c.user, fx, nil); err != nil {
		stopSampling()
		return err
	}
	err = waitSucceeded(ctx, c.user, "bench-", res.N)
	res.Seconds = time.Since(start).Seconds()
	if err != nil {
		stopSampling()
		return err
	}
	after, err := quiesce(ctx, p, 60*time.Second)
	stopSampling()
	if err != nil {
		return err
	}
	res.PeakHeapMiB = <-peakHeap / mib
	res.Requests = diff(after.requests(), base.requests())
	res.RequestsPerConfig = float64(total(res.Requests)) / float64(res.N)
	res.MutatingPerConfig = float64(mutating(res.Requests)) / float64(res.N)
	peak, _ := p.memory()
	res.PeakRSSMiB = float64(peak) / mib
	o.logf("%s: %.1fs, %.1f requests/config, peak RSS %.0f MiB", label, res.Seconds, res.RequestsPerConfig, res.PeakRSSMiB)
	return nil
}

// resync restarts the controller, which reconciles every config once from a cold cache:
// the strongest resync there is. Its requests are the cache's lists and watches plus
// whatever the reconciles send; the writes should be none.
func (o *options) resync(ctx context.Context, c *cluster, label string, n int) (steadyResult, error) {
	p, err := o.startController(c, label+"-resync")
	if err != nil {
		return steadyResult{}, err
	}
	defer p.stop()
	var res steadyResult
	deadline := time.Now().Add(5 * time.Minute)
	for {
		m, err := p.scrape()
		if err == nil && m.sum("controller_runtime_reconcile_total", `controller="fluxconfig"`) >= float64(n) &&
			m.sum("workqueue_depth", `name="fluxconfig"`) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return res, fmt.Errorf("the restarted controller did not reconcile %d configs within 5 minutes", n)
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	res.Seconds = time.Since(p.started).Seconds()
	m, err := quiesce(ctx, p, 60*time.Second)
	if err != nil {
		return res, err
	}
	res.Reconciles = int(m.sum("controller_runtime_reconcile_total", `controller="fluxconfig"`))
	res.Requests = m.requests()
	res.Mutating = mutating(res.Requests)
	return res, nil
}

func (o *options) startController(c *cluster, label string) (*process, error) {
	return startManager(filepath.Join(o.binDir, "fluxconfig-controller"), c.kubeconfig,
		filepath.Join(o.out, label+"-controller.log"),
		"--health-probe-bind-address=127.0.0.1:0",
		"--kube-api-qps="+strconv.FormatFloat(o.qps, 'f', -1, 64), "--kube-api-burst="+strconv.Itoa(o.burst),
		"--concurrent="+strconv.Itoa(o.concurrent))
}

// quiesce waits until the controller's queue is empty and it sent no request for two
// seconds, and returns its metrics then.
func quiesce(ctx context.Context, p *process, limit time.Duration) (metrics, error) {
	deadline := time.Now().Add(limit)
	last, stable := -1, time.Now()
	for {
		m, err := p.scrape()
		if err != nil {
			return nil, err
		}
		n := total(m.requests())
		if n != last || m.sum("workqueue_depth", `name="fluxconfig"`) > 0 {
			last, stable = n, time.Now()
		}
		if time.Since(stable) >= 2*time.Second || time.Now().After(deadline) {
			return m, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// sampleHeap returns the highest in-use heap the process reported until ctx ends.
func sampleHeap(ctx context.Context, p *process) float64 {
	peak := 0.0
	for {
		if m, err := p.scrape(); err == nil {
			peak = max(peak, m.sum("go_memstats_heap_inuse_bytes"))
		}
		select {
		case <-ctx.Done():
			return peak
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// createInputs creates each fixture's Secret and FluxConfig with eight workers, and
// announces each finished index on ready.
func createInputs(ctx context.Context, c client.Client, fx []fixture, ready chan<- int) error {
	return parallel(ctx, len(fx), 8, func(ctx context.Context, i int) error {
		if s := fx[i].secret; s != nil {
			if err := c.Create(ctx, s.DeepCopy()); err != nil {
				return fmt.Errorf("creating Secret %s: %w", s.Name, err)
			}
		}
		if err := c.Create(ctx, fx[i].config.DeepCopy()); err != nil {
			return fmt.Errorf("creating FluxConfig %s: %w", fx[i].config.Name, err)
		}
		if ready != nil {
			ready <- i
		}
		return nil
	})
}

// waitSucceeded polls until n configs in namespaces starting with prefix are Succeeded; a
// Failed one ends the wait with its message.
func waitSucceeded(ctx context.Context, c client.Client, prefix string, n int) error {
	done := 0
	return testutil.Poll(ctx, 500*time.Millisecond, 10*time.Minute, func() (bool, error) {
		list := &v1alpha1.FluxConfigList{}
		if err := c.List(ctx, list); err != nil {
			return false, err
		}
		done = 0
		for _, fc := range list.Items {
			if !strings.HasPrefix(fc.Namespace, prefix) || fc.Status.ObservedGeneration != fc.Generation {
				continue
			}
			switch fc.Status.ProvisioningState {
			case v1alpha1.ProvisioningSucceeded:
				done++
			case v1alpha1.ProvisioningFailed:
				return false, fmt.Errorf("FluxConfig %s/%s failed: %s", fc.Namespace, fc.Name, fc.Status.ErrorMessage)
			}
		}
		return done >= n, nil
	}, func() error { return fmt.Errorf("%d of %d configs Succeeded after 10 minutes", done, n) })
}

// convergedStatuses maps each config name to the status the controller gave it.
func convergedStatuses(ctx context.Context, c client.Client) (map[string]v1alpha1.FluxConfigStatus, error) {
	list := &v1alpha1.FluxConfigList{}
	if err := c.List(ctx, list); err != nil {
		return nil, err
	}
	out := map[string]v1alpha1.FluxConfigStatus{}
	for _, fc := range list.Items {
		out[fc.Name] = fc.Status
	}
	return out, nil
}
