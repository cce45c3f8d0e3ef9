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
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"

	"k8s.io/apimachinery/pkg/labels"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/arm"
)

// rank is a stable hash of a cluster name: percent waves take clusters in its order, so
// the canaries stay the same clusters from one revision to the next.
func rank(name string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return h.Sum64()
}

func compareRank(a, b string) int {
	return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// assignWaves places each selected cluster (name to labels) in its wave: the first wave
// that claims it, selectors by labels and percents cumulatively over the placement in rank
// order; a cluster no wave claims goes to the last. The rollout was checked on accept.
func assignWaves(spec *dpv1.FleetRollout, selected map[string]map[string]string) map[string]int {
	names := sortedKeys(selected)
	slices.SortFunc(names, compareRank)
	sels := make([]labels.Selector, len(spec.Waves))
	for i, w := range spec.Waves {
		if w.ClusterSelector != nil {
			sels[i], _ = clusterSelector(dpv1.FleetPlacement{ClusterSelector: w.ClusterSelector})
		}
	}
	out := make(map[string]int, len(names))
	for r, name := range names {
		out[name] = len(spec.Waves) - 1
		for i, w := range spec.Waves {
			claims := false
			if sels[i] != nil {
				claims = sels[i].Matches(labels.Set(selected[name]))
			} else if w.Percent != nil {
				claims = r < (*w.Percent*len(names)+99)/100
			}
			if claims {
				out[name] = i
				break
			}
		}
	}
	return out
}

// checkRollout validates a rollout strategy, naming the offending field.
func checkRollout(r *dpv1.FleetRollout) error {
	if r == nil {
		return nil
	}
	if len(r.Waves) == 0 {
		return &arm.FieldError{Field: "rollout.waves", Message: "must have at least one wave; omit rollout to update every cluster at once"}
	}
	seen := map[string]bool{}
	last := 0
	for i, w := range r.Waves {
		f := fmt.Sprintf("rollout.waves[%d]", i)
		if w.Name == "" || arm.Name(w.Name) != nil {
			return &arm.FieldError{Field: f + ".name", Message: fmt.Sprintf("%q is not a valid wave name (lower-case letters, digits, '-', '.')", w.Name)}
		}
		if seen[w.Name] {
			return &arm.FieldError{Field: f + ".name", Message: fmt.Sprintf("%q names an earlier wave too", w.Name)}
		}
		seen[w.Name] = true
		if (w.ClusterSelector == nil) == (w.Percent == nil) {
			return &arm.FieldError{Field: f, Message: "needs exactly one of clusterSelector and percent"}
		}
		if w.ClusterSelector != nil {
			if _, err := clusterSelector(dpv1.FleetPlacement{ClusterSelector: w.ClusterSelector}); err != nil {
				var fe *arm.FieldError
				if errors.As(err, &fe) {
					return &arm.FieldError{Field: f + ".clusterSelector" + fe.Field[len("placement.clusterSelector"):], Message: fe.Message}
				}
				return err
			}
			continue
		}
		p := *w.Percent
		if p < 1 || p > 100 {
			return &arm.FieldError{Field: f + ".percent", Message: fmt.Sprintf("%d is not from 1 to 100", p)}
		}
		if p < last {
			return &arm.FieldError{Field: f + ".percent", Message: fmt.Sprintf("%d is below an earlier wave's %d: percents are cumulative", p, last)}
		}
		last = p
	}
	switch {
	case r.MaxConcurrent < 0:
		return &arm.FieldError{Field: "rollout.maxConcurrent", Message: "must not be negative; 0 means no bound"}
	case r.MinCompliantSeconds < 0:
		return &arm.FieldError{Field: "rollout.minCompliantSeconds", Message: "must not be negative"}
	case r.ProgressDeadlineSeconds < 0:
		return &arm.FieldError{Field: "rollout.progressDeadlineSeconds", Message: "must not be negative; 0 means no deadline"}
	case r.MaxFailures != nil && r.MaxFailures.Percent && r.MaxFailures.Value > 100:
		return &arm.FieldError{Field: "rollout.maxFailures", Message: r.MaxFailures.String() + " is over 100%"}
	}
	return nil
}

// sameRollout says whether two rollout strategies are alike.
func sameRollout(a, b *dpv1.FleetRollout) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(x) == string(y)
}
