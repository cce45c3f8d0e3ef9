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
	"errors"
	"fmt"
	"net/http"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/arm"
)

// The fleet configurations' management API.

// FleetsPath is the collection of fleet configurations.
const FleetsPath = "/v1/fleetConfigurations"

// routeFleets adds the fleet configurations' routes when the registry and a FleetStore are
// on: a fleet configuration places itself by the registry's labels.
func (s *Server) routeFleets(mux *http.ServeMux) {
	if s.Registry == nil || s.Fleets == nil {
		return
	}
	const item = FleetsPath + "/{name}"
	mux.HandleFunc("GET "+FleetsPath, s.adminOnly(s.listFleets))
	mux.HandleFunc("PUT "+item, s.adminOnly(s.putFleet))
	mux.HandleFunc("GET "+item, s.adminOnly(s.getFleet))
	mux.HandleFunc("DELETE "+item, s.adminOnly(s.deleteFleet))
	mux.HandleFunc("GET "+item+"/revisions", s.adminOnly(s.listFleetRevisions))
	mux.HandleFunc("GET "+item+"/status", s.adminOnly(s.getFleetStatus))
	s.routeRollout(mux)
}

// putFleet creates or changes a fleet configuration and writes it into every selected
// cluster's list, taking it out of clusters no longer selected, all in one write. A body
// identical to the current revision writes nothing.
func (s *Server) putFleet(w http.ResponseWriter, r *http.Request, _ Role) {
	var body dpv1.FleetConfiguration
	if _, ok := readStrict(w, r, &body); !ok {
		return
	}
	name := r.PathValue("name")
	props := body.Properties
	if err := checkFleetSpec(name, &props, body.Placement); err != nil {
		writeFieldError(w, err)
		return
	}
	if err := checkRollout(body.Rollout); err != nil {
		writeFieldError(w, err)
		return
	}
	if err := s.protected().Check(props.Namespace); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequestContent", "properties.namespace", "properties.namespace: "+err.Error())
		return
	}
	correlation, unlock, ok := s.openFleetWrite(w, r)
	if !ok {
		return
	}
	defer unlock()
	if correlation == "" {
		// One id for every cluster's operation, so they can be told apart from others.
		correlation = newOperationID()
	}
	cur, err := s.Fleets.GetFleet(r.Context(), name)
	if errors.Is(err, ErrFleetNotFound) {
		cur, err = nil, nil
	}
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	next := &FleetRecord{Name: name, Revision: 1, Properties: props, Placement: body.Placement, Rollout: body.Rollout, CreatedAt: s.Now().UTC()}
	code := http.StatusCreated
	if cur != nil {
		if cur.Properties.Scope != props.Scope || cur.Properties.Namespace != props.Namespace {
			writeError(w, http.StatusBadRequest, "InvalidRequestContent", "properties.namespace", fmt.Sprintf(
				"properties.scope and properties.namespace are create-only (currently %s and %s); "+
					"delete and recreate the fleet configuration to change them", cur.Properties.Scope, cur.Properties.Namespace))
			return
		}
		if sameSpec(cur.Properties, props) && samePlacement(cur.Placement, body.Placement) && sameRollout(cur.Rollout, body.Rollout) {
			writeJSON(w, http.StatusOK, fleetView(cur))
			return
		}
		next.Revision, code = cur.Revision+1, http.StatusOK
	}
	// The records first: should the fleet write fail, a retry of the same PUT still
	// differs from the stored revision and writes both again.
	if next, err = s.putFleetRevision(r.Context(), cur, next, correlation); err != nil {
		s.writePlanError(w, r, err)
		return
	}
	writeJSON(w, code, fleetView(next))
}

func (s *Server) getFleet(w http.ResponseWriter, r *http.Request, _ Role) {
	f, err := s.fleetSummary(r.Context(), r.PathValue("name"))
	s.answerFleet(w, r, f, err)
}

// deleteFleet removes a fleet configuration at once, and starts removing it from every
// cluster as a per-cluster DELETE does: each record goes when its agent reports the
// FluxConfig gone.
func (s *Server) deleteFleet(w http.ResponseWriter, r *http.Request, _ Role) {
	name := r.PathValue("name")
	correlation, unlock, ok := s.openFleetWrite(w, r)
	if !ok {
		return
	}
	defer unlock()
	if _, err := s.Fleets.GetFleet(r.Context(), name); errors.Is(err, ErrFleetNotFound) {
		w.WriteHeader(http.StatusNoContent)
		return
	} else if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	recs, err := s.planFleet(r.Context(), name, nil, correlation)
	if err != nil {
		s.writePlanError(w, r, err)
		return
	}
	if err := s.putRecords(r.Context(), recs); err != nil {
		s.writeInternal(w, r, err)
		return
	}
	if err := s.Fleets.DeleteFleet(r.Context(), name); err != nil {
		s.writeInternal(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// listFleets serves the fleet configurations ordered by name in pages, as listClusters.
func (s *Server) listFleets(w http.ResponseWriter, r *http.Request, _ Role) {
	limit, after, ok := pageQuery(w, r, func(name string) bool { return arm.Name(name) == nil })
	if !ok {
		return
	}
	fleets, err := s.Fleets.ListFleets(r.Context())
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	out := dpv1.FleetConfigurationList{Value: []dpv1.FleetConfiguration{}}
	for _, f := range fleets {
		if f.Name <= after {
			continue
		}
		if len(out.Value) == limit {
			out.Continue = continueToken(out.Value[limit-1].Name)
			break
		}
		out.Value = append(out.Value, fleetView(f))
	}
	writeJSON(w, http.StatusOK, out)
}

// listFleetRevisions serves the kept revisions, newest first.
func (s *Server) listFleetRevisions(w http.ResponseWriter, r *http.Request, _ Role) {
	name := r.PathValue("name")
	revs, ok := s.fleetRevisions(w, r, name)
	if !ok {
		return
	}
	out := dpv1.FleetRevisionList{Value: []dpv1.FleetRevision{}}
	for _, f := range revs {
		out.Value = append(out.Value, dpv1.FleetRevision{Revision: f.Revision, CreatedAt: f.CreatedAt, Properties: f.Properties, Placement: f.Placement, Rollout: f.Rollout})
	}
	writeJSON(w, http.StatusOK, out)
}

// openFleetWrite begins a write to fleet configurations: it takes the correlation id, then
// lockFor (the caller runs unlock). ok is false once an answer has been written.
func (s *Server) openFleetWrite(w http.ResponseWriter, r *http.Request) (correlation string, unlock func(), ok bool) {
	if correlation, ok = correlationID(w, r); !ok {
		return "", nil, false
	}
	unlock, ok = s.lockFor(w, r)
	return correlation, unlock, ok
}

// answerFleet answers 200 with the view of f, the fleet configuration the path names, or
// with the error met instead.
func (s *Server) answerFleet(w http.ResponseWriter, r *http.Request, f *FleetRecord, err error) {
	if errors.Is(err, ErrFleetNotFound) {
		fleetNotFound(w, r.PathValue("name"))
		return
	}
	if err != nil {
		s.writePlanError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, fleetView(f))
}

// fleetRevisions reads the kept revisions of fleet configuration name, newest first; ok is
// false once an error or a 404 has been answered.
func (s *Server) fleetRevisions(w http.ResponseWriter, r *http.Request, name string) ([]*FleetRecord, bool) {
	revs, err := s.Fleets.ListFleetRevisions(r.Context(), name)
	if err != nil {
		s.writeInternal(w, r, err)
		return nil, false
	}
	if len(revs) == 0 {
		fleetNotFound(w, name)
		return nil, false
	}
	return revs, true
}

// fleetNotFound answers 404 for a fleet configuration name that does not exist.
func fleetNotFound(w http.ResponseWriter, name string) {
	writeError(w, http.StatusNotFound, "ResourceNotFound", "", "fleet configuration "+name+" does not exist")
}

// fleetView is the management view of f.
func fleetView(f *FleetRecord) dpv1.FleetConfiguration {
	at := f.CreatedAt
	v := dpv1.FleetConfiguration{ID: FleetsPath + "/" + f.Name, Name: f.Name, Properties: f.Properties,
		Placement: f.Placement, Rollout: f.Rollout, Revision: f.Revision, UpdatedAt: &at}
	if f.Progress != nil {
		st := f.Progress.Status
		v.RolloutStatus = &st
	}
	return v
}
