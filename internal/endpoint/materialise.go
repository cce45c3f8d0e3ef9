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
	"time"

	"k8s.io/apimachinery/pkg/labels"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/arm"
)

// planError is a refusal found while planning the records of a fleet configuration.
type planError struct {
	code            int
	errCode, target string
	message         string
}

func (e *planError) Error() string { return e.message }

// writePlanError answers a planError as such, and anything else as a 500.
func (s *Server) writePlanError(w http.ResponseWriter, r *http.Request, err error) {
	var pe *planError
	if errors.As(err, &pe) {
		writeError(w, pe.code, pe.errCode, pe.target, pe.message)
		return
	}
	s.writeInternal(w, r, err)
}

// fleetRecord returns the write that brings rec, cluster c's record named after fleet
// configuration name, in line with f: nil when none is needed. f nil (deleted) or c nil
// (unregistered) or !selected means the cluster is not to have it. rec may be changed.
func fleetRecord(name string, f *FleetRecord, c *ClusterRecord, selected bool, rec *Record, correlation string, now time.Time) (*Record, error) {
	if f == nil || c == nil || !selected {
		if rec == nil || rec.Fleet != name || rec.Deleting {
			return nil, nil
		}
		// Removed as a per-cluster DELETE does: the agent deletes the FluxConfig and the
		// record goes when it reports it gone.
		rec.Deleting = true
		purgeProtected(rec)
		startOperation(rec, dpv1.ProvisioningDeleting, correlation, now)
		return rec, nil
	}
	if err := clashes(name, c, rec, true); err != nil {
		return nil, err
	}
	props, err := materialise(f, c)
	if err != nil {
		var fe *arm.FieldError
		if errors.As(err, &fe) {
			return nil, &planError{code: http.StatusBadRequest, errCode: "InvalidRequestContent", target: fe.Field,
				message: fmt.Sprintf("for cluster %s: %s", c.Name, fe.Error())}
		}
		return nil, err
	}
	state := dpv1.ProvisioningUpdating
	switch {
	case rec == nil:
		rec, state = &Record{Cluster: c.Name, Name: name}, dpv1.ProvisioningCreating
	case rec.Deleting:
		// The agent may be deleting the FluxConfig still; it recreates it from the new
		// operation, unless the create-only fields differ.
		if rec.Properties.Scope != props.Scope || rec.Properties.Namespace != props.Namespace {
			return nil, &planError{code: http.StatusConflict, errCode: "Conflict", message: fmt.Sprintf(
				"configuration %s of cluster %s is still being deleted with a different scope or namespace; "+
					"wait until it is gone", name, c.Name)}
		}
		state = dpv1.ProvisioningCreating
	case sameSpec(rec.Properties, props):
		// Nothing for the agent to do: no new operation, only the revision it came from.
		if rec.FleetRevision == f.Revision {
			return nil, nil
		}
		rec.FleetRevision = f.Revision
		return rec, nil
	}
	props.ObservedStatus, props.StatusUpdatedAt = rec.Properties.ObservedStatus, rec.Properties.StatusUpdatedAt
	rec.Properties, rec.Fleet, rec.FleetRevision, rec.Deleting = props, name, f.Revision, false
	startOperation(rec, state, correlation, now)
	return rec, nil
}

// clashes refuses a fleet configuration name selecting cluster c, which has its own
// configuration rec of that name: even before a rollout reaches c.
func clashes(name string, c *ClusterRecord, rec *Record, selected bool) error {
	if !selected || rec == nil || rec.Fleet == name {
		return nil
	}
	return &planError{code: http.StatusConflict, errCode: "Conflict", message: fmt.Sprintf(
		"cluster %s has its own configuration %s, which fleet configuration %s would replace; "+
			"delete the cluster's configuration, rename the fleet configuration, or change its placement", c.Name, name, name)}
}

// planFleet returns the writes that bring every registered cluster in line with fleet
// configuration name at f (nil: deleted). Callers hold the fleet lock.
func (s *Server) planFleet(ctx context.Context, name string, f *FleetRecord, correlation string) ([]*Record, error) {
	sel := labels.Nothing()
	if f != nil {
		var err error
		if sel, err = clusterSelector(f.Placement); err != nil {
			return nil, err
		}
	}
	now := s.Now().UTC()
	clusters := s.Registry.all()
	plan, err := s.planRevisions(ctx, f, clusters)
	if err != nil {
		return nil, err
	}
	var out []*Record
	for _, c := range clusters {
		rec, err := s.Store.Get(ctx, c.Name, name)
		if errors.Is(err, ErrNotFound) {
			rec, err = nil, nil
		}
		if err != nil {
			return nil, err
		}
		selected := sel.Matches(labels.Set(c.Labels))
		at := plan.at(c, selected)
		if err := clashes(name, c, rec, selected); err != nil {
			return nil, err
		}
		next, err := fleetRecord(name, at, c, at != nil, rec, correlation, now)
		if err != nil {
			return nil, err
		}
		if next != nil {
			out = append(out, next)
		}
	}
	return out, s.checkSizes(ctx, out)
}

// planCluster returns the writes that bring cluster name, registered as c (nil: not
// registered), in line with every fleet configuration. Callers hold the fleet lock.
func (s *Server) planCluster(ctx context.Context, name string, c *ClusterRecord) ([]*Record, error) {
	if s.Fleets == nil {
		return nil, nil
	}
	fleets, err := s.Fleets.ListFleets(ctx)
	if err != nil {
		return nil, err
	}
	recs, err := s.Store.List(ctx, name)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]*Record, len(recs))
	for _, rec := range recs {
		byName[rec.Name] = rec
	}
	now := s.Now().UTC()
	var out []*Record
	for _, f := range fleets {
		selected := c != nil && f.selects(c.Labels)
		plan, err := s.planRevisions(ctx, f, withCluster(s.Registry.all(), name, c))
		if err != nil {
			return nil, err
		}
		at := plan.at(c, selected)
		if err := clashes(f.Name, c, byName[f.Name], selected); err != nil {
			return nil, err
		}
		next, err := fleetRecord(f.Name, at, c, at != nil, byName[f.Name], "", now)
		if err != nil {
			return nil, err
		}
		if next != nil {
			out = append(out, next)
		}
	}
	// A fleet configuration deleted meanwhile left its records Deleting already.
	return out, s.checkSizes(ctx, out)
}

// placeCluster plans the fleet configurations' records of cluster name registered as c (nil:
// unregistered), runs commit, the registry change, and then writes the records. A refusal
// (a clash with the cluster's own configuration, a set too large) changes nothing. Callers
// hold reg.write and the fleet lock.
func (s *Server) placeCluster(w http.ResponseWriter, r *http.Request, name string, c *ClusterRecord, commit func() error) bool {
	recs, err := s.planCluster(r.Context(), name, c)
	if err != nil {
		s.writePlanError(w, r, err)
		return false
	}
	if err := commit(); err != nil {
		s.writeInternal(w, r, err)
		return false
	}
	// Should this write fail, ReconcileFleets puts the records in line at the next start.
	if err := s.putRecords(r.Context(), recs); err != nil {
		s.writeInternal(w, r, err)
		return false
	}
	return true
}

// ReconcileFleets brings every registered cluster in line with every fleet configuration.
// A fleet change writes the clusters' records before the fleet configuration itself, so
// a crash between the two leaves records a revision ahead; run this at start-up to put
// them back in line. A fleet configuration that cannot be placed is logged and skipped.
func (s *Server) ReconcileFleets(ctx context.Context) error {
	return s.eachFleet(ctx, "Fleet configuration left as it is", func(f *FleetRecord) error {
		recs, err := s.planFleet(ctx, f.Name, f, "")
		if err != nil {
			return err
		}
		return s.putRecords(ctx, recs)
	})
}

// eachFleet runs step on every fleet configuration under the registry lock; without a
// registry and a FleetStore there is nothing to run. A planError leaves that fleet
// configuration as it is, logged with skipped; any other error stops the walk.
func (s *Server) eachFleet(ctx context.Context, skipped string, step func(*FleetRecord) error) error {
	if s.Fleets == nil || s.Registry == nil {
		return nil
	}
	unlock, err := s.lockRegistry(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	fleets, err := s.Fleets.ListFleets(ctx)
	if err != nil {
		return err
	}
	for _, f := range fleets {
		err := step(f)
		var pe *planError
		if errors.As(err, &pe) {
			s.Log.Info(skipped, "fleetConfiguration", f.Name, "reason", pe.message)
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}
