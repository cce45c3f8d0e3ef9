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
	"errors"
	"fmt"
	"net/http"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// Staged rollout of fleet configurations: the operations, the tick and the hooks that step
// a rollout (rollout_step.go) and write what it decides (rollout_place.go).

// routeRollout adds the rollout operations of fleet configurations.
func (s *Server) routeRollout(mux *http.ServeMux) {
	const item = FleetsPath + "/{name}"
	mux.HandleFunc("POST "+item+"/pause", s.adminOnly(s.rolloutOp(func(p *RolloutProgress) error {
		p.Paused = true
		return nil
	})))
	mux.HandleFunc("POST "+item+"/resume", s.adminOnly(s.rolloutOp(func(p *RolloutProgress) error {
		// Resuming a halted rollout excuses the failures so far: they no longer count.
		for _, cp := range p.Clusters {
			cp.Excused = cp.Excused || cp.Failed
		}
		p.Paused, p.Halted = false, false
		return nil
	})))
	mux.HandleFunc("POST "+item+"/approve", s.adminOnly(s.rolloutOp(func(p *RolloutProgress) error {
		if p.Status.Phase != dpv1.RolloutWaitingForApproval {
			return &planError{code: http.StatusConflict, errCode: "Conflict", message: fmt.Sprintf(
				"no wave is waiting for approval: the rollout is %s", p.Status.Phase)}
		}
		p.Approved = append(p.Approved, p.Status.CurrentWave)
		return nil
	})))
	mux.HandleFunc("POST "+item+"/rollback", s.adminOnly(s.rollbackFleet))
}

// rolloutOp serves an operation that changes a rollout's progress, then steps it.
func (s *Server) rolloutOp(change func(*RolloutProgress) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ Role) {
		unlock, ok := s.lockFor(w, r)
		if !ok {
			return
		}
		defer unlock()
		f, err := s.advanceRollout(r.Context(), r.PathValue("name"), change)
		s.answerFleet(w, r, f, err)
	}
}

// rollbackFleet makes the previous revision's properties and placement the next revision,
// rolled out by the current strategy; ?immediate=true gives it to every cluster at once.
func (s *Server) rollbackFleet(w http.ResponseWriter, r *http.Request, _ Role) {
	name := r.PathValue("name")
	immediate := r.URL.Query().Get("immediate")
	if immediate != "" && immediate != "true" && immediate != "false" {
		writeError(w, http.StatusBadRequest, "InvalidRequestContent", "immediate", "immediate: must be true or false")
		return
	}
	correlation, unlock, ok := s.openFleetWrite(w, r)
	if !ok {
		return
	}
	defer unlock()
	revs, ok := s.fleetRevisions(w, r, name)
	if !ok {
		return
	}
	if len(revs) < 2 {
		writeError(w, http.StatusConflict, "Conflict", "", fmt.Sprintf("fleet configuration %s has no revision before %d", name, revs[0].Revision))
		return
	}
	cur, prev := revs[0], revs[1]
	next := &FleetRecord{Name: name, Revision: cur.Revision + 1, Properties: prev.Properties, Placement: prev.Placement,
		Rollout: cur.Rollout, CreatedAt: s.Now().UTC()}
	if immediate == "true" {
		next.Rollout = nil
	}
	next, err := s.putFleetRevision(r.Context(), cur, next, cmpOr(correlation, newOperationID()))
	if err != nil {
		s.writePlanError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, fleetView(next))
}

// putFleetRevision starts next's rollout, from what cur's clusters have, and writes it.
// A revision without a rollout goes to every cluster at once. Callers hold the fleet lock.
func (s *Server) putFleetRevision(ctx context.Context, cur, next *FleetRecord, correlation string) (*FleetRecord, error) {
	next.Progress = nil
	if next.Rollout != nil {
		p := &RolloutProgress{Target: next.Revision, Clusters: map[string]*ClusterProgress{}}
		if cur != nil {
			// Clusters not reached by an unfinished rollout still have its From.
			p.From = cur.Revision
			if cur.Progress.active() {
				p.From = cur.Progress.From
			}
		}
		next.Progress = p
		var err error
		if next, err = s.stepFleet(ctx, next); err != nil {
			return nil, err
		}
	}
	if err := s.writeFleet(ctx, next, correlation); err != nil {
		return nil, err
	}
	if next.Progress != nil {
		s.steps.schedule(next.Name, nextDue(next.Rollout, next.Progress))
	}
	return next, nil
}

// TickRollouts steps every rollout in progress from the records, under the registry lock:
// what the stepper's aggregate may have missed is caught up. Server.Run calls it after
// each sweep.
func (s *Server) TickRollouts(ctx context.Context) error {
	return s.eachFleet(ctx, "Rollout left as it is", func(f *FleetRecord) error {
		if !f.Progress.active() {
			return nil
		}
		if err := s.stepQuickly(ctx, f.Name, true); !errors.Is(err, ErrFleetNotFound) {
			return err
		}
		return nil
	})
}
