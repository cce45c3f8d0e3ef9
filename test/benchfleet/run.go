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
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

// run registers the fleet, starts the agents and plays the scenario: a first revision to
// every cluster at once, a second in four waves, then a quiet spell of polls only.
func run(ctx context.Context, o *options) (*result, error) {
	var err error
	if o.fileLimit, err = raiseFileLimit(2*o.clusters + 2000); err != nil {
		return nil, err
	}
	if o.maxConnections() < o.clusters+500 {
		return nil, fmt.Errorf("--max-connections %d leaves no room beside %d held polls", o.maxConnections(), o.clusters)
	}
	dir, err := os.MkdirTemp("", "fluxconfig-bench-fleet-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ep, err := startEndpoints(ctx, o, dir)
	if err != nil {
		return nil, err
	}
	defer ep.stop()
	transport := newTransport(o.clusters)
	admin, err := client.New(client.Options{Endpoint: ep.base(0), Token: adminToken, Transport: transport, Timeout: time.Minute})
	if err != nil {
		return nil, err
	}
	res := &result{Clusters: o.clusters, Interval: o.interval, LongPoll: o.longPoll, Soak: o.soak, Store: o.store, Replicas: o.replicas}

	o.logf("registering %d clusters", o.clusters)
	m := startPhase(ep, nil)
	tokens, err := register(ctx, admin, o.clusters, o.registerConcurrency)
	if err != nil {
		return nil, fmt.Errorf("registering: %w", err)
	}
	res.Register = m.end()

	sim := newFleetSim(o.interval, o.longPoll)
	agentCtx, stopAgents := context.WithCancel(ctx)
	var agents sync.WaitGroup
	defer func() { stopAgents(); agents.Wait() }()
	clusters := make([]*client.Cluster, o.clusters)
	for i, token := range tokens {
		c, err := client.New(client.Options{Endpoint: ep.base(i), Token: token, Transport: transport, UserAgent: "fluxconfig-agent/bench"})
		if err != nil {
			return nil, err
		}
		clusters[i] = c.Cluster(clusterName(i))
		agents.Go(func() { sim.run(agentCtx, clusters[i], o.startSpread) })
	}
	o.logf("starting %d agents over %s", o.clusters, o.startSpread)
	for sim.ready.Load() < int64(o.clusters) {
		if !sleep(ctx, 100*time.Millisecond) {
			return nil, ctx.Err()
		}
	}
	sleep(ctx, 2*time.Second) // every agent in its held or periodic poll
	status := sampleStatus(agentCtx, admin, o.statusEvery)
	ownStatus, err := startStatusProbe(ep.base(0), o.statusEvery)
	if err != nil {
		return nil, err
	}
	defer func() {
		if ownStatus != nil {
			_, _, _ = ownStatus.stop()
		}
	}()

	o.logf("revision 1 to every cluster at once")
	if res.First, err = change(ctx, o, ep, sim, status, admin, "1111111111111111111111111111111111111111", false); err != nil {
		return nil, err
	}
	o.logf("revision 2 in four waves, %s soak", o.soak)
	if res.Rollout, err = change(ctx, o, ep, sim, status, admin, "2222222222222222222222222222222222222222", true); err != nil {
		return nil, err
	}

	o.logf("steady state for %s", o.steady)
	m = startPhase(ep, sim)
	sleep(ctx, o.steady)
	res.Steady = m.end()
	_, res.SteadyRSS = ep.memory()

	o.logf("changed-poll probe: %d ETag-less polls", min(o.probe, o.clusters))
	res.Probe, res.ProbeErrors = probe(ctx, clusters[:min(o.probe, o.clusters)], 32)
	res.PeakRSS, _ = ep.memory()
	res.Plain200 = summarize(sim.plainPolls())
	status.mu.Lock()
	res.Status, res.StatusErrors = summarize(status.latencies), status.errs
	status.mu.Unlock()
	res.StatusOwnProcess, res.StatusOwnProcessErrors, err = ownStatus.stop()
	if ownStatus = nil; err != nil {
		return nil, fmt.Errorf("status probe: %w", err)
	}
	res.AgentErrors = int(sim.errs.Load())
	return res, ctx.Err()
}

// change PUTs a revision with the commit and waits until every agent reported it
// Compliant, the fleet status says so and, for a rollout, the rollout completed.
func change(ctx context.Context, o *options, ep *endpoints, sim *fleetSim, status *statusSampler,
	admin *client.Client, commit string, waves bool) (*changeResult, error) {
	spec := fleetSpec(commit, nil)
	if waves {
		spec.Rollout = fourWaves(o.soak)
	}
	m := startPhase(ep, sim)
	sim.takeReports()
	start := time.Now()
	put, err := admin.PutFleet(ctx, fleetName, spec)
	if err != nil {
		return nil, fmt.Errorf("PUT revision with commit %s: %w", commit[:7], err)
	}
	r := &changeResult{PutSeconds: time.Since(start).Seconds()}
	var watch *waveWatch
	if waves {
		watch = watchWaves(ctx, admin, put.Revision, len(spec.Rollout.Waves), start)
	} else {
		watch = &waveWatch{notOpen: []time.Time{start}}
	}
	deadline := time.Now().Add(o.timeout)
	var statusAll time.Time
	for tick := 1; ; tick++ {
		received, reported, _ := sim.times(commit)
		if tick%100 == 0 {
			o.logf("  %d received, %d reported Compliant%s", len(received), len(reported), watch.progress())
			for _, e := range sim.takeErrSamples() {
				o.logf("  agent error: %s", e)
			}
		}
		if statusAll.IsZero() && status.allOn(commit, o.clusters) {
			statusAll = time.Now()
		}
		if len(reported) >= o.clusters && !statusAll.IsZero() && (!waves || !watch.completedAt().IsZero()) {
			break
		}
		if time.Now().After(deadline) {
			// Print what was reached rather than nothing: a slow rollout is a result too.
			r.Unfinished = fmt.Sprintf("not finished within %s: %d of %d clusters received it, %d reports acknowledged%s",
				o.timeout, len(received), o.clusters, len(reported), watch.progress())
			o.logf("  %s", r.Unfinished)
			break
		}
		if !sleep(ctx, 100*time.Millisecond) {
			return nil, ctx.Err()
		}
	}
	received, reported, again := sim.times(commit)
	r.Phase, r.Redelivered = m.end(), again
	if len(reported) >= o.clusters {
		r.AllReportedSeconds = slices.MaxFunc(reported, time.Time.Compare).Sub(start).Seconds()
	}
	if !statusAll.IsZero() {
		r.StatusAllSeconds = statusAll.Sub(start).Seconds()
	}
	if waves && !watch.completedAt().IsZero() {
		r.CompletedSeconds = watch.completedAt().Sub(start).Seconds()
	}
	r.WatchErrors = watch.errs
	r.Delivery = summarize(watch.latencies(received))
	r.Reports = summarize(sim.takeReports())
	return r, nil
}

// probe times full (200) answers: polls without an ETag, as an agent's first, while the
// other agents keep polling.
func probe(ctx context.Context, clusters []*client.Cluster, concurrency int) (dist, int) {
	var next, errs atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(clusters) {
					return
				}
				start := time.Now()
				if _, err := clusters[i].ListDesired(ctx, ""); err != nil {
					errs.Add(1)
					continue
				}
				mu.Lock()
				lat = append(lat, time.Since(start))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return summarize(lat), int(errs.Load())
}

// meter measures a phase: wall time, the endpoint's CPU time and the polls answered.
type meter struct {
	ep    *endpoints
	sim   *fleetSim
	start time.Time
	cpu   time.Duration
	polls int64
}

func startPhase(ep *endpoints, sim *fleetSim) *meter {
	m := &meter{ep: ep, sim: sim, start: time.Now(), cpu: ep.cpu()}
	if sim != nil {
		m.polls = sim.polls.Load()
	}
	return m
}

func (m *meter) end() phase {
	wall := time.Since(m.start)
	p := phase{Seconds: wall.Seconds(), CPUSecondsPerMinute: (m.ep.cpu() - m.cpu).Seconds() / wall.Minutes()}
	if m.sim != nil {
		p.PollsPerSecond = float64(m.sim.polls.Load()-m.polls) / wall.Seconds()
	}
	return p
}
