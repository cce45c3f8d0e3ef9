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
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

// fleetSim runs the simulated agents: one goroutine per cluster, each polling the endpoint
// with the typed client as fluxconfig-agent does (If-None-Match, held polls when long-poll
// is on) and reporting Compliant a random 1-5 s after it receives a new operation.
type fleetSim struct {
	interval time.Duration
	longPoll bool

	polls, errs, ready atomic.Int64

	mu sync.Mutex
	// received and reported are, per commit and cluster, when its agent first received a
	// new operation at that commit and when the endpoint first acknowledged its report.
	received, reported map[string]map[string]time.Time
	// again counts new operations at a commit the agent had received already.
	again    map[string]int
	plain200 []time.Duration // latency of polls answered 200 without being held
	// errSamples are the first errors of the agents' requests, for the log.
	errSamples []string
	reports    []time.Duration // latency of the status reports
}

func newFleetSim(interval time.Duration, longPoll bool) *fleetSim {
	return &fleetSim{interval: interval, longPoll: longPoll,
		received: map[string]map[string]time.Time{}, reported: map[string]map[string]time.Time{}, again: map[string]int{}}
}

// newTransport is shared by every agent: one idle connection kept per agent, so held and
// periodic polls reuse their connection instead of dialling each time.
func newTransport(clusters int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = clusters + 1000
	t.MaxIdleConnsPerHost = clusters + 1000
	t.IdleConnTimeout = 5 * time.Minute
	return t
}

// run is one agent, until ctx ends. Agents start spread over spread, as a fleet's would.
func (s *fleetSim) run(ctx context.Context, cl *client.Cluster, spread time.Duration) {
	if !sleep(ctx, time.Duration(rand.Int64N(int64(spread)+1))) {
		return
	}
	etag := ""
	seen := map[string]string{} // configuration → operation already received
	for ctx.Err() == nil {
		wait := min(jitter(s.interval), dpv1.MaxLongPollWait)
		held := s.longPoll && etag != ""
		var opts []client.ListOption
		if held {
			opts = append(opts, client.WithWait(wait))
		}
		start := time.Now()
		res, err := cl.ListDesired(ctx, etag, opts...)
		now := time.Now()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.failed("poll", err)
			sleep(ctx, time.Second+time.Duration(rand.Int64N(int64(time.Second))))
			continue
		}
		s.polls.Add(1)
		again := held && now.Sub(start) >= wait*9/10
		if !res.NotModified {
			if etag == "" {
				s.ready.Add(1)
			}
			etag, again = res.ETag, s.longPoll
			s.receive(ctx, cl, res.Items, seen, now, !held, now.Sub(start))
		}
		pause := jitter(s.interval)
		if again {
			// As the agent: the next poll starts at once, but at most one a second.
			pause = max(0, time.Second-now.Sub(start))
		}
		if !sleep(ctx, pause) {
			return
		}
	}
}

// maxErrSamples bounds the agents' errors kept to be logged.
const maxErrSamples = 5

// failed counts an agent's failed request and keeps the first few errors.
func (s *fleetSim) failed(what string, err error) {
	if s.errs.Add(1) > maxErrSamples {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errSamples = append(s.errSamples, what+": "+err.Error())
}

// takeErrSamples returns the errors kept since the last call.
func (s *fleetSim) takeErrSamples() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.errSamples
	s.errSamples = nil
	return out
}

// receive notes the new operations of a changed set and schedules their reports.
func (s *fleetSim) receive(ctx context.Context, cl *client.Cluster, items []dpv1.DesiredConfiguration,
	seen map[string]string, now time.Time, plain bool, took time.Duration) {
	s.mu.Lock()
	if plain {
		s.plain200 = append(s.plain200, took)
	}
	var fresh []dpv1.DesiredConfiguration
	for _, d := range items {
		if d.Deleting || seen[d.Name] == d.OperationID {
			continue
		}
		seen[d.Name] = d.OperationID
		if !first(s.received, commitOf(d), cl.Name(), now) {
			s.again[commitOf(d)]++
		}
		fresh = append(fresh, d)
	}
	s.mu.Unlock()
	for _, d := range fresh {
		delay := time.Second + time.Duration(rand.Int64N(int64(4*time.Second)))
		time.AfterFunc(delay, func() { s.report(ctx, cl, d) })
	}
}

// report sends Compliant on the operation, with the commit as the synced source revision,
// retrying a failed request a few times as the agent's status push would.
func (s *fleetSim) report(ctx context.Context, cl *client.Cluster, d dpv1.DesiredConfiguration) {
	rep := &dpv1.StatusReport{OperationID: d.OperationID, ProvisioningState: dpv1.ProvisioningSucceeded}
	rep.ComplianceState = dpv1.ComplianceCompliant
	rep.SourceSyncedCommitID = commitOf(d)
	for try := 0; try < 5 && ctx.Err() == nil; try++ {
		start := time.Now()
		if err := cl.ReportStatus(ctx, d.Name, rep); err != nil {
			s.failed("report", err)
			sleep(ctx, time.Second)
			continue
		}
		s.mu.Lock()
		first(s.reported, rep.SourceSyncedCommitID, cl.Name(), time.Now())
		s.reports = append(s.reports, time.Since(start))
		s.mu.Unlock()
		return
	}
}

// first notes t for the cluster at commit unless it has a time already, and says whether
// this was the first.
func first(m map[string]map[string]time.Time, commit, cluster string, t time.Time) bool {
	if m[commit] == nil {
		m[commit] = map[string]time.Time{}
	}
	if _, ok := m[commit][cluster]; ok {
		return false
	}
	m[commit][cluster] = t
	return true
}

// times returns, one per cluster, when commit was first received and reported, and how
// many operations at commit came again to a cluster that had it.
func (s *fleetSim) times(commit string) (received, reported []time.Time, again int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Collect(maps.Values(s.received[commit])), slices.Collect(maps.Values(s.reported[commit])), s.again[commit]
}

func (s *fleetSim) plainPolls() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.plain200)
}

// takeReports returns the report latencies since the last call.
func (s *fleetSim) takeReports() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.reports
	s.reports = nil
	return out
}

func commitOf(d dpv1.DesiredConfiguration) string {
	if g := d.Properties.GitRepository; g != nil && g.RepositoryRef != nil {
		return g.RepositoryRef.Commit
	}
	return ""
}

// jitter spreads d by ±10 %, as the agent does, so a fleet does not poll in step.
func jitter(d time.Duration) time.Duration {
	delta := float64(d) * 0.1
	return time.Duration(float64(d) - delta + rand.Float64()*2*delta)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
