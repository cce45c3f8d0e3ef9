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
	"strings"
	"testing"
	"time"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

func pct(n int) *int { return &n }

func TestStepRollout(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	spec := &dpv1.FleetRollout{
		Waves: []dpv1.RolloutWave{
			{Name: "canary", Percent: pct(25)},
			{Name: "rest", Percent: pct(100), RequireApproval: true},
		},
		MaxConcurrent: 2, MinCompliantSeconds: 60, ProgressDeadlineSeconds: 600,
		MaxFailures: &dpv1.IntOrPercent{Value: 1},
	}
	// a is the canary; b, c, d, e the rest.
	waves := map[string]int{"a": 0, "b": 1, "c": 1, "d": 1, "e": 1}
	obs := func(o map[string]rolloutObservation) map[string]rolloutObservation {
		out := map[string]rolloutObservation{}
		for name, w := range waves {
			v := o[name]
			v.Wave = w
			out[name] = v
		}
		return out
	}
	started := func(at time.Time, names ...string) map[string]*ClusterProgress {
		m := map[string]*ClusterProgress{}
		for _, n := range names {
			m[n] = &ClusterProgress{Wave: waves[n], StartedAt: at}
		}
		return m
	}
	compliant := rolloutObservation{Compliant: true}
	tests := []struct {
		name      string
		p         *RolloutProgress
		obs       map[string]rolloutObservation
		now       time.Time
		wantStart []string
		wantPhase string
		wantWave  int
		check     func(t *testing.T, p *RolloutProgress)
	}{{
		name: "a new rollout starts the canary only", p: &RolloutProgress{Target: 2, From: 1},
		obs: obs(nil), now: t0, wantStart: []string{"a"}, wantPhase: dpv1.RolloutProgressing,
	}, {
		name: "compliant but not soaked yet stays in the wave", p: &RolloutProgress{Target: 2, Clusters: started(t0, "a")},
		obs: obs(map[string]rolloutObservation{"a": compliant}), now: t0.Add(time.Minute), wantPhase: dpv1.RolloutProgressing,
		check: func(t *testing.T, p *RolloutProgress) {
			if p.Clusters["a"].CompliantSince == nil || p.Clusters["a"].Done {
				t.Errorf("a: %+v, want compliant since now, not done", p.Clusters["a"])
			}
		},
	}, {
		name: "soaked canary opens a wave that waits for approval",
		p:    &RolloutProgress{Target: 2, Clusters: map[string]*ClusterProgress{"a": {StartedAt: t0, CompliantSince: &t0}}},
		obs:  obs(map[string]rolloutObservation{"a": compliant}), now: t0.Add(time.Minute),
		wantPhase: dpv1.RolloutWaitingForApproval, wantWave: 1,
	}, {
		name: "an approved wave starts maxConcurrent clusters",
		p:    &RolloutProgress{Target: 2, Wave: 1, Approved: []string{"rest"}, Clusters: map[string]*ClusterProgress{"a": {Done: true}}},
		obs:  obs(nil), now: t0, wantPhase: dpv1.RolloutProgressing, wantWave: 1,
		check: func(t *testing.T, p *RolloutProgress) {
			if len(p.Clusters) != 3 {
				t.Errorf("started %d clusters, want the canary and 2 more", len(p.Clusters))
			}
		},
	}, {
		name: "a done cluster frees a slot", wantWave: 1, wantPhase: dpv1.RolloutProgressing,
		p: &RolloutProgress{Target: 2, Wave: 1, Approved: []string{"rest"}, Clusters: func() map[string]*ClusterProgress {
			m := started(t0, "a", "b", "c")
			m["a"].Done, m["b"].CompliantSince = true, &t0
			return m
		}()},
		obs: obs(map[string]rolloutObservation{"b": compliant}), now: t0.Add(time.Minute),
		check: func(t *testing.T, p *RolloutProgress) {
			if len(p.Clusters) != 4 || !p.Clusters["b"].Done {
				t.Errorf("clusters %v: want b done and one more started", sortedKeys(p.Clusters))
			}
		},
	}, {
		name: "failures past maxFailures halt with the messages", wantWave: 1, wantPhase: dpv1.RolloutHalted,
		p:   &RolloutProgress{Target: 2, Wave: 1, Approved: []string{"rest"}, Clusters: started(t0, "b", "c")},
		obs: obs(map[string]rolloutObservation{"b": {Failed: true, Message: "kustomization apps: boom"}}),
		now: t0.Add(11 * time.Minute),
		check: func(t *testing.T, p *RolloutProgress) {
			f := p.Status.FailedClusters
			if len(f) != 2 || f[0].Message != "kustomization apps: boom" || f[1].Cluster != "c" {
				t.Errorf("failed clusters %+v: want b with its message and c past its deadline", f)
			}
		},
	}, {
		name: "a paused rollout starts nothing", p: &RolloutProgress{Target: 2, Paused: true},
		obs: obs(nil), now: t0, wantPhase: dpv1.RolloutPaused,
	}, {
		name: "excused failures do not count", wantWave: 1, wantPhase: dpv1.RolloutProgressing,
		p: &RolloutProgress{Target: 2, Wave: 1, Approved: []string{"rest"}, Clusters: map[string]*ClusterProgress{
			"b": {Wave: 1, Failed: true, Excused: true}, "c": {Wave: 1, Failed: true, Excused: true}}},
		obs: obs(nil), now: t0, wantStart: []string{"a", "d", "e"},
	}, {
		name: "every wave finished completes", wantWave: 2, wantPhase: dpv1.RolloutCompleted,
		p: &RolloutProgress{Target: 2, Wave: 1, Approved: []string{"rest"}, Clusters: map[string]*ClusterProgress{
			"a": {Done: true}, "b": {Wave: 1, Done: true}, "c": {Wave: 1, Done: true}, "d": {Wave: 1, Done: true},
			"e": {Wave: 1, Failed: true, Excused: true}}},
		obs: obs(nil), now: t0,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := cloneProgress(tt.p)
			got, start := stepRollout(spec, tt.p, tt.obs, tt.now)
			slices.Sort(start)
			if tt.wantStart != nil && !slices.Equal(start, tt.wantStart) {
				t.Errorf("started %v, want %v", start, tt.wantStart)
			}
			if got.Status.Phase != tt.wantPhase || got.Wave != tt.wantWave {
				t.Errorf("phase %s wave %d, want %s %d", got.Status.Phase, got.Wave, tt.wantPhase, tt.wantWave)
			}
			if tt.check != nil {
				tt.check(t, got)
			}
			if len(tt.p.Clusters) != len(before.Clusters) {
				t.Error("stepRollout changed its input")
			}
		})
	}
}

func TestAssignWavesIsStableAndCumulative(t *testing.T) {
	spec := &dpv1.FleetRollout{Waves: []dpv1.RolloutWave{
		{Name: "canary", ClusterSelector: &dpv1.LabelSelector{MatchLabels: map[string]string{"canary": "true"}}},
		{Name: "ten", Percent: pct(10)}, {Name: "half", Percent: pct(50)}, {Name: "all", Percent: pct(100)},
	}}
	sel := map[string]map[string]string{}
	for i := range 20 {
		sel[string(rune('a'+i))+"-cluster"] = map[string]string{}
	}
	sel["c-cluster"] = map[string]string{"canary": "true"}
	got := assignWaves(spec, sel)
	count := make([]int, 4)
	for _, w := range got {
		count[w]++
	}
	// 10% of 20 is 2 by rank, 50% is 10 by rank; the canary may hold one of those ranks.
	if got["c-cluster"] != 0 || count[0] != 1 || count[1]+count[2] < 9 || count[1]+count[2] > 10 || count[3] != 20-count[0]-count[1]-count[2] {
		t.Errorf("waves %v, counts %v", got, count)
	}
	// The assignment hangs on the names' hash, not on map order: the same placement gives
	// the same waves, revision after revision.
	again := assignWaves(spec, sel)
	for name, w := range got {
		if again[name] != w {
			t.Errorf("%s moved from wave %d to %d", name, w, again[name])
		}
	}
}

func TestCheckRolloutNamesTheField(t *testing.T) {
	for want, r := range map[string]*dpv1.FleetRollout{
		"rollout.waves":            {},
		"rollout.waves[0]":         {Waves: []dpv1.RolloutWave{{Name: "a"}}},
		"rollout.waves[1].name":    {Waves: []dpv1.RolloutWave{{Name: "a", Percent: pct(5)}, {Name: "a", Percent: pct(9)}}},
		"rollout.waves[1].percent": {Waves: []dpv1.RolloutWave{{Name: "a", Percent: pct(50)}, {Name: "b", Percent: pct(10)}}},
		"rollout.waves[0].percent": {Waves: []dpv1.RolloutWave{{Name: "a", Percent: pct(0)}}},
		"rollout.maxConcurrent":    {Waves: []dpv1.RolloutWave{{Name: "a", Percent: pct(5)}}, MaxConcurrent: -1},
		"rollout.maxFailures":      {Waves: []dpv1.RolloutWave{{Name: "a", Percent: pct(5)}}, MaxFailures: &dpv1.IntOrPercent{Value: 101, Percent: true}},
		"rollout.waves[0].clusterSelector.matchExpressions[0].operator": {Waves: []dpv1.RolloutWave{{Name: "a",
			ClusterSelector: &dpv1.LabelSelector{MatchExpressions: []dpv1.LabelSelectorRequirement{{Key: "k", Operator: "Is"}}}}}},
	} {
		err := checkRollout(r)
		if err == nil || !strings.HasPrefix(err.Error(), want+":") {
			t.Errorf("%s: got %v", want, err)
		}
	}
}
