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

package endpoint

import (
	"slices"
	"time"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// RolloutProgress is the persisted progress of a fleet configuration's rollout of one
// revision. stepRollout is the only thing that advances it.
type RolloutProgress struct {
	// Target is the revision being rolled out; From is the one clusters not reached yet
	// keep (0: none, they get nothing until reached).
	Target int64 `json:"target"`
	From   int64 `json:"from,omitempty"`
	// Wave is the index of the wave in progress; every wave before it is finished.
	Wave     int      `json:"wave"`
	Paused   bool     `json:"paused,omitempty"`
	Halted   bool     `json:"halted,omitempty"`
	Approved []string `json:"approved,omitempty"`
	// Clusters are the clusters given Target, by name.
	Clusters map[string]*ClusterProgress `json:"clusters,omitempty"`
	// Status is the summary the last step left, served as rolloutStatus.
	Status dpv1.FleetRolloutStatus `json:"status"`
}

// ClusterProgress is one cluster's part in a rollout.
type ClusterProgress struct {
	Wave           int        `json:"wave"`
	StartedAt      time.Time  `json:"startedAt"`
	CompliantSince *time.Time `json:"compliantSince,omitempty"`
	Done           bool       `json:"done,omitempty"`
	Failed         bool       `json:"failed,omitempty"`
	// Excused failures were resumed past and no longer count against maxFailures.
	Excused bool   `json:"excused,omitempty"`
	Message string `json:"message,omitempty"`
}

// rolloutObservation is what a selected cluster's record says about the Target revision.
type rolloutObservation struct {
	// Wave is the cluster's wave by the current placement.
	Wave int
	// Compliant and Failed are about the Target revision's latest operation.
	Compliant, Failed bool
	Message           string
	// Since is when the cluster reported the Compliant it is: its soak counts from then,
	// however late the step that sees it.
	Since time.Time
}

// active says whether a rollout still has work: not completed.
func (p *RolloutProgress) active() bool {
	return p != nil && p.Status.Phase != dpv1.RolloutCompleted
}

// stepRollout advances p by the observations of every selected cluster at now, and returns
// the next progress and the clusters that are to get the Target revision now. It is pure:
// p is not changed.
func stepRollout(spec *dpv1.FleetRollout, p *RolloutProgress, obs map[string]rolloutObservation, now time.Time) (*RolloutProgress, []string) {
	next := cloneProgress(p)
	names := make([]string, 0, len(obs))
	for name := range obs {
		names = append(names, name)
	}
	slices.SortFunc(names, compareRank)

	failures := 0
	for _, name := range names {
		cp, o := next.Clusters[name], obs[name]
		if cp == nil {
			continue
		}
		observe(spec, cp, o, now)
		if cp.Failed && !cp.Excused {
			failures++
		}
	}
	if failures > failureBudget(spec.MaxFailures, len(obs)) {
		next.Halted = true
	}
	var start []string
	begin := func(name string) {
		next.Clusters[name] = &ClusterProgress{Wave: obs[name].Wave, StartedAt: now}
		start = append(start, name)
	}
	if !next.Halted && !next.Paused {
		// A cluster newly selected into a finished wave gets the revision at once.
		for _, name := range names {
			if next.Clusters[name] == nil && obs[name].Wave < next.Wave {
				begin(name)
			}
		}
		for next.Wave < len(spec.Waves) {
			w := spec.Waves[next.Wave]
			if w.RequireApproval && !slices.Contains(next.Approved, w.Name) {
				break
			}
			running, finished, members := 0, 0, 0
			for _, name := range names {
				if obs[name].Wave != next.Wave {
					continue
				}
				members++
				if cp := next.Clusters[name]; cp != nil && (cp.Done || cp.Failed) {
					finished++
				} else if cp != nil {
					running++
				}
			}
			for _, name := range names {
				if spec.MaxConcurrent > 0 && running >= spec.MaxConcurrent {
					break
				}
				if obs[name].Wave == next.Wave && next.Clusters[name] == nil {
					begin(name)
					running++
				}
			}
			if finished < members {
				break
			}
			next.Wave++
		}
	}
	next.Status = summarise(spec, next, obs)
	return next, start
}

// observe updates a started cluster by its observation: a failure sticks; Compliant for
// the soak time makes it done; past the deadline without being done it fails.
func observe(spec *dpv1.FleetRollout, cp *ClusterProgress, o rolloutObservation, now time.Time) {
	if cp.Done || cp.Failed {
		return
	}
	switch {
	case o.Failed:
		cp.Failed, cp.Message, cp.CompliantSince = true, o.Message, nil
		return
	case o.Compliant:
		if cp.CompliantSince == nil {
			t := now
			if !o.Since.IsZero() && o.Since.Before(now) {
				t = o.Since
			}
			cp.CompliantSince = &t
		}
		if now.Sub(*cp.CompliantSince) >= time.Duration(spec.MinCompliantSeconds)*time.Second {
			cp.Done = true
			return
		}
	default:
		cp.CompliantSince = nil
	}
	if d := spec.ProgressDeadlineSeconds; d > 0 && now.Sub(cp.StartedAt) >= time.Duration(d)*time.Second {
		cp.Failed = true
		cp.Message = "not Compliant within progressDeadlineSeconds (" + time.Duration(d*int64(time.Second)).String() + ")"
		if o.Message != "" {
			cp.Message += ": " + o.Message
		}
	}
}

// nextDue is when p next needs a step with no report: the earliest end of a started
// cluster's soak or deadline; zero when there is none.
func nextDue(spec *dpv1.FleetRollout, p *RolloutProgress) time.Time {
	var due time.Time
	earlier := func(t time.Time) {
		if due.IsZero() || t.Before(due) {
			due = t
		}
	}
	if !p.active() {
		return due
	}
	for _, cp := range p.Clusters {
		if cp.Done || cp.Failed {
			continue
		}
		if cp.CompliantSince != nil {
			earlier(cp.CompliantSince.Add(time.Duration(spec.MinCompliantSeconds) * time.Second))
		}
		if d := spec.ProgressDeadlineSeconds; d > 0 {
			earlier(cp.StartedAt.Add(time.Duration(d) * time.Second))
		}
	}
	return due
}

// failureBudget is how many failures maxFailures allows over a placement of n clusters.
func failureBudget(m *dpv1.IntOrPercent, n int) int {
	switch {
	case m == nil:
		return 0
	case m.Percent:
		return m.Value * n / 100
	default:
		return m.Value
	}
}

// summarise is the read view of p.
func summarise(spec *dpv1.FleetRollout, p *RolloutProgress, obs map[string]rolloutObservation) dpv1.FleetRolloutStatus {
	st := dpv1.FleetRolloutStatus{Revision: p.Target, FromRevision: p.From, Waves: make([]dpv1.RolloutWaveStatus, len(spec.Waves))}
	for i, w := range spec.Waves {
		st.Waves[i].Name = w.Name
	}
	for _, o := range obs {
		st.Waves[o.Wave].Clusters++
	}
	for _, name := range sortedKeys(p.Clusters) {
		cp := p.Clusters[name]
		ws := &st.Waves[cp.Wave]
		ws.Updated++
		switch {
		case cp.Done:
			ws.Done++
		case cp.Failed:
			ws.Failed++
			st.FailedClusters = append(st.FailedClusters, dpv1.RolloutFailure{Cluster: name, Wave: ws.Name, Message: cp.Message})
		}
	}
	if p.Wave < len(spec.Waves) {
		st.CurrentWave = spec.Waves[p.Wave].Name
	}
	switch {
	case p.Halted:
		st.Phase = dpv1.RolloutHalted
	case p.Paused:
		st.Phase = dpv1.RolloutPaused
	case p.Wave >= len(spec.Waves):
		st.Phase = dpv1.RolloutCompleted
	case spec.Waves[p.Wave].RequireApproval && !slices.Contains(p.Approved, st.CurrentWave):
		st.Phase = dpv1.RolloutWaitingForApproval
	default:
		st.Phase = dpv1.RolloutProgressing
	}
	return st
}

func cloneProgress(p *RolloutProgress) *RolloutProgress {
	next := *p
	next.Approved = slices.Clone(p.Approved)
	next.Clusters = make(map[string]*ClusterProgress, len(p.Clusters))
	for name, cp := range p.Clusters {
		c := *cp
		next.Clusters[name] = &c
	}
	return &next
}
