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
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// revisionPlan says which revision of a fleet configuration each cluster is to have while
// its current revision rolls out.
type revisionPlan struct {
	target, from *FleetRecord
	// waves are the selected clusters' waves; nil when there is no rollout in progress.
	waves map[string]int
}

// planRevisions resolves the revisions of f (nil: deleted) over the registered clusters.
func (s *Server) planRevisions(ctx context.Context, f *FleetRecord, clusters []*ClusterRecord) (*revisionPlan, error) {
	plan := &revisionPlan{target: f}
	if f == nil || !f.Progress.active() {
		return plan, nil
	}
	plan.waves = assignWaves(f.Rollout, selectedLabels(f, clusters))
	if f.Progress.From == 0 {
		return plan, nil
	}
	revs, err := s.Fleets.ListFleetRevisions(ctx, f.Name)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(revs, func(r *FleetRecord) bool { return r.Revision == f.Progress.From })
	if i < 0 {
		// Out of the history: nothing older to keep, so the target it is.
		plan.waves = nil
		return plan, nil
	}
	plan.from = revs[i]
	return plan, nil
}

// at is the revision cluster c is to have, nil for none: the target once the rollout
// reached c or c's wave, else the revision it rolls out from, if that one selects c.
func (p *revisionPlan) at(c *ClusterRecord, selected bool) *FleetRecord {
	if c == nil || !selected || p.target == nil {
		return nil
	}
	prog := p.target.Progress
	if p.waves == nil || prog.Clusters[c.Name] != nil || p.waves[c.Name] < prog.Wave {
		return p.target
	}
	if p.from != nil && p.from.selects(c.Labels) {
		return p.from
	}
	return nil
}

// selectedLabels are the labels of the clusters f selects, by name.
func selectedLabels(f *FleetRecord, clusters []*ClusterRecord) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, c := range clusters {
		if f.selects(c.Labels) {
			out[c.Name] = c.Labels
		}
	}
	return out
}

// withCluster is clusters with name registered as c (nil: not registered).
func withCluster(clusters []*ClusterRecord, name string, c *ClusterRecord) []*ClusterRecord {
	clusters = slices.DeleteFunc(clusters, func(x *ClusterRecord) bool { return x.Name == name })
	if c != nil {
		clusters = append(clusters, c)
	}
	return clusters
}

// observeRecord is what cluster's record rec says about revision target's operation.
func observeRecord(rec *Record, target int64, wave int) rolloutObservation {
	o := rolloutObservation{Wave: wave}
	if rec == nil || rec.Deleting || rec.FleetRevision != target || !rec.OperationDone {
		return o
	}
	p := rec.Properties
	fresh := p.StatusUpdatedAt != nil && !p.StatusUpdatedAt.Before(rec.OperationStartedAt)
	switch {
	case p.ProvisioningState == dpv1.ProvisioningFailed:
		o.Failed, o.Message = true, cmpOr(p.ErrorMessage, "provisioningState Failed")
	case !fresh:
	case p.ComplianceState == "Non-Compliant" || p.ComplianceState == "NonCompliant":
		o.Failed, o.Message = true, cmpOr(p.ErrorMessage, conditionMessages(p.Statuses), "Non-Compliant")
	case p.ProvisioningState == dpv1.ProvisioningSucceeded && p.ComplianceState == "Compliant":
		o.Compliant, o.Since = true, p.StatusUpdatedAt.UTC()
	}
	return o
}

func cmpOr(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// conditionMessages joins the messages the Flux objects report, for a failure's message.
func conditionMessages(statuses []dpv1.ObjectStatusDefinition) string {
	var msgs []string
	for _, st := range statuses {
		for _, c := range st.StatusConditions {
			if c.Message != "" && c.Status != "True" {
				msgs = append(msgs, st.Name+": "+c.Message)
			}
		}
	}
	return strings.Join(msgs, "; ")
}

// advanceRollout steps the rollout of fleet configuration name, after change (when set)
// alters its progress, and writes what changed: the clusters' records, then the fleet
// configuration. Callers hold the fleet lock.
func (s *Server) advanceRollout(ctx context.Context, name string, change func(*RolloutProgress) error) (*FleetRecord, error) {
	f, err := s.Fleets.GetFleet(ctx, name)
	if err != nil {
		return nil, err
	}
	if change != nil {
		if f.Progress == nil {
			return nil, &planError{code: 409, errCode: "Conflict", message: "fleet configuration " + name + " has no rollout"}
		}
		f.Progress = cloneProgress(f.Progress)
		if err := change(f.Progress); err != nil {
			return nil, err
		}
	} else if !f.Progress.active() {
		return f, nil
	}
	next, err := s.stepFleet(ctx, f)
	if err != nil {
		return nil, err
	}
	s.steps.schedule(name, nextDue(next.Rollout, next.Progress))
	before, _ := json.Marshal(f.Progress)
	after, _ := json.Marshal(next.Progress)
	if change == nil && string(before) == string(after) {
		return f, nil
	}
	return next, s.writeFleet(ctx, next, "")
}

// stepFleet returns f with its rollout stepped by its clusters' records at s.Now().
func (s *Server) stepFleet(ctx context.Context, f *FleetRecord) (*FleetRecord, error) {
	if f.Progress == nil {
		return f, nil
	}
	obs, err := s.observeRecords(ctx, f, assignWaves(f.Rollout, selectedLabels(f, s.Registry.all())))
	if err != nil {
		return nil, err
	}
	next := *f
	next.Progress, _ = stepRollout(f.Rollout, f.Progress, obs, s.Now().UTC())
	return &next, nil
}

// observeRecords reads what the records of the clusters of waves (name to wave) say of
// f's rollout.
func (s *Server) observeRecords(ctx context.Context, f *FleetRecord, waves map[string]int) (map[string]rolloutObservation, error) {
	obs := make(map[string]rolloutObservation, len(waves))
	for cluster, wave := range waves {
		rec, err := s.Store.Get(ctx, cluster, f.Name)
		if errors.Is(err, ErrNotFound) {
			rec, err = nil, nil
		}
		if err != nil {
			return nil, err
		}
		obs[cluster] = observeRecord(rec, f.Progress.Target, wave)
	}
	return obs, nil
}

// writeFleet writes the clusters' records of f, then f itself.
func (s *Server) writeFleet(ctx context.Context, f *FleetRecord, correlation string) error {
	recs, err := s.planFleet(ctx, f.Name, f, correlation)
	if err != nil {
		return err
	}
	// The records first: should the fleet write fail, a retry still finds work to do.
	return s.putRecordsThen(ctx, recs, func() error { return s.Fleets.PutFleet(ctx, f) })
}
