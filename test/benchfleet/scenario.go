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
	"sync"
	"sync/atomic"
	"time"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

const fleetName = "bench"

var regions = []string{"eu", "us", "ap"}

func clusterName(i int) string { return fmt.Sprintf("cluster-%05d", i) }

// register registers the clusters with labels, concurrently, and returns their agent tokens.
func register(ctx context.Context, admin *client.Client, n, concurrency int) ([]string, error) {
	tokens := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, concurrency)
	for range concurrency {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				labels := map[string]string{"bench": "fleet", "region": regions[i%len(regions)]}
				if i == 0 {
					labels["canary"] = "true"
				}
				c, created, err := admin.RegisterCluster(ctx, clusterName(i), labels)
				if err == nil && !created {
					err = fmt.Errorf("%s was registered already: its token is unknown", clusterName(i))
				}
				if err != nil {
					errs <- err
					return
				}
				tokens[i] = c.Token
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return tokens, ctx.Err()
}

// fleetSpec selects every benchmark cluster; the commit is what the agents report back.
func fleetSpec(commit string, rollout *dpv1.FleetRollout) *dpv1.FleetConfiguration {
	return &dpv1.FleetConfiguration{
		Properties: dpv1.FluxConfigurationProperties{
			Scope: "cluster", Namespace: "bench", SourceKind: "GitRepository",
			GitRepository: &dpv1.GitRepositoryDefinition{URL: "https://git.example.com/org/fleet",
				RepositoryRef: &dpv1.RepositoryRefDefinition{Commit: commit}, LocalAuthRef: "git-auth"},
			Kustomizations: map[string]*dpv1.KustomizationDefinition{"apps": {Path: "./apps"}},
		},
		Placement: dpv1.FleetPlacement{ClusterSelector: &dpv1.LabelSelector{MatchLabels: map[string]string{"bench": "fleet"}}},
		Rollout:   rollout,
	}
}

// fourWaves is the rollout: the canary cluster, then 10 %, 50 % and 100 %.
func fourWaves(soak time.Duration) *dpv1.FleetRollout {
	pct := func(n int) *int { return &n }
	return &dpv1.FleetRollout{MinCompliantSeconds: int64(soak / time.Second), Waves: []dpv1.RolloutWave{
		{Name: "canary", ClusterSelector: &dpv1.LabelSelector{MatchLabels: map[string]string{"canary": "true"}}},
		{Name: "ten", Percent: pct(10)}, {Name: "half", Percent: pct(50)}, {Name: "all", Percent: pct(100)},
	}}
}

// waveWatch polls GET fleetConfigurations/{name} and notes, per wave, the start of the
// last request that saw it not yet open. The wave opened after that instant, so a
// delivery latency measured from it is an upper bound, by at most one watch interval.
type waveWatch struct {
	mu        sync.Mutex
	notOpen   []time.Time
	completed time.Time
	errs      int
	last      *dpv1.FleetRolloutStatus
}

func watchWaves(ctx context.Context, admin *client.Client, revision int64, waves int, putStart time.Time) *waveWatch {
	w := &waveWatch{notOpen: make([]time.Time, waves)}
	for k := range w.notOpen {
		w.notOpen[k] = putStart
	}
	go func() {
		for ctx.Err() == nil {
			start := time.Now()
			f, err := admin.GetFleet(ctx, fleetName)
			w.mu.Lock()
			if err != nil || f.RolloutStatus == nil || f.RolloutStatus.Revision != revision {
				w.errs += btoi(err != nil && ctx.Err() == nil)
			} else {
				rs := f.RolloutStatus
				w.last = rs
				current := len(rs.Waves)
				if rs.Phase != dpv1.RolloutCompleted {
					for k, ws := range rs.Waves {
						if ws.Name == rs.CurrentWave {
							current = k
						}
					}
				} else if w.completed.IsZero() {
					w.completed = time.Now()
				}
				for k := current + 1; k < waves; k++ {
					w.notOpen[k] = start
				}
			}
			done := !w.completed.IsZero()
			w.mu.Unlock()
			if done || !sleep(ctx, 100*time.Millisecond) {
				return
			}
		}
	}()
	return w
}

// latencies assigns each receipt to the last wave opened before it and measures from there.
func (w *waveWatch) latencies(received []time.Time) []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]time.Duration, 0, len(received))
	for _, t := range received {
		k := 0
		for j := range w.notOpen {
			if !w.notOpen[j].After(t) {
				k = j
			}
		}
		out = append(out, t.Sub(w.notOpen[k]))
	}
	return out
}

// progress describes the rollout as last seen, for the log.
func (w *waveWatch) progress() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.last == nil {
		return ""
	}
	out := fmt.Sprintf("; rollout %s at %s", w.last.Phase, w.last.CurrentWave)
	for _, ws := range w.last.Waves {
		out += fmt.Sprintf(" [%s: %d clusters, %d updated, %d done, %d failed]", ws.Name, ws.Clusters, ws.Updated, ws.Done, ws.Failed)
	}
	return out
}

func (w *waveWatch) completedAt() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.completed
}

// statusSampler times GET fleetConfigurations/{name}/status (one default page) twice a
// second, as a dashboard would while a rollout runs, and keeps the last counts.
type statusSampler struct {
	mu        sync.Mutex
	latencies []time.Duration
	errs      int
	last      *dpv1.FleetStatus
}

func sampleStatus(ctx context.Context, admin *client.Client, every time.Duration) *statusSampler {
	s := &statusSampler{}
	go func() {
		for sleep(ctx, every) {
			st, took, failed := queryStatus(ctx, admin)
			s.mu.Lock()
			if st != nil {
				s.latencies, s.last = append(s.latencies, took), st
			} else {
				s.errs += btoi(failed)
			}
			s.mu.Unlock()
		}
	}()
	return s
}

// allOn reports whether the last status had every cluster Compliant on commit.
func (s *statusSampler) allOn(commit string, n int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last != nil && s.last.Counts.Compliant == n && s.last.Commits[commit] == n
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
