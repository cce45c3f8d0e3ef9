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
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// records returns the cluster's records with the 48-hour rules applied, persisting any
// change so a read never serves a secret past its limit. Reads take no lock unless a record
// has expired: bbolt reads see a consistent snapshot, and every write holds its cluster's
// write lock.
func (s *Server) records(r *http.Request, cluster string) ([]*Record, error) {
	recs, err := s.Store.List(r.Context(), cluster)
	if err != nil || !slices.ContainsFunc(recs, func(rec *Record) bool { return expired(rec, s.Now()) }) {
		return recs, err
	}
	unlock, err := s.lock(r.Context(), cluster)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if recs, err = s.Store.List(r.Context(), cluster); err != nil {
		return nil, err
	}
	var changed []*Record
	for _, rec := range recs {
		if expire(rec, s.Now()) {
			changed = append(changed, rec)
		}
	}
	return recs, s.putRecords(r.Context(), changed)
}

// list serves the agent its desired set with an ETag, and the admin the management view.
// An agent's poll may wait for a change (see agentList); the admin's is answered at once.
func (s *Server) list(w http.ResponseWriter, r *http.Request, role Role) {
	cluster := r.PathValue("cluster")
	wait, err := parseWait(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidQueryParameter", WaitParam, err.Error())
		return
	}
	if role != RoleAdmin {
		s.agentList(w, r, cluster, wait)
		return
	}
	recs, err := s.records(r, cluster)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	// The admin gets the management view: it never carries a secret value.
	out := dpv1.FluxConfigurationList{Value: []dpv1.FluxConfiguration{}}
	for _, rec := range recs {
		out.Value = append(out.Value, management(rec))
	}
	writeJSON(w, http.StatusOK, out)
}

// desiredSet returns the cluster's desired set and its ETag; body is nil when the
// request's If-None-Match matches the ETag.
func (s *Server) desiredSet(r *http.Request, cluster string) (etag string, body []byte, err error) {
	if etag, ok := s.etags.lookup(cluster, s.Now()); ok && slices.Contains(r.Header.Values("If-None-Match"), etag) {
		return etag, nil, nil
	}
	version := s.etags.version(cluster)
	recs, err := s.records(r, cluster)
	if err != nil {
		return "", nil, err
	}
	out := dpv1.DesiredConfigurationList{Value: []dpv1.DesiredConfiguration{}, Authoritative: s.Authoritative}
	for _, rec := range recs {
		out.Value = append(out.Value, desired(rec))
	}
	if body, err = json.Marshal(out); err != nil {
		return "", nil, err
	}
	sum := sha256.Sum256(body)
	etag = `"` + hex.EncodeToString(sum[:16]) + `"`
	s.etags.store(cluster, version, etag, nextExpiry(recs))
	if slices.Contains(r.Header.Values("If-None-Match"), etag) {
		return etag, nil, nil
	}
	return etag, body, nil
}

func notModified(w http.ResponseWriter, etag string) {
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNotModified)
}

// get serves one configuration's management view.
func (s *Server) get(w http.ResponseWriter, r *http.Request, _ Role) {
	recs, err := s.records(r, r.PathValue("cluster"))
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	for _, rec := range recs {
		if rec.Name == r.PathValue("name") {
			writeJSON(w, http.StatusOK, management(rec))
			return
		}
	}
	writeError(w, http.StatusNotFound, "ResourceNotFound", "", "configuration "+r.PathValue("name")+" does not exist")
}

// delete starts removing a configuration from the cluster, or with forceDelete=true
// removes it from the endpoint at once.
func (s *Server) delete(w http.ResponseWriter, r *http.Request, _ Role) {
	cluster, name := r.PathValue("cluster"), r.PathValue("name")
	rec, correlation, unlock, ok := s.openRecord(w, r)
	if !ok {
		return
	}
	defer unlock()
	if rec == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if fleetOwned(w, rec) {
		return
	}
	if r.URL.Query().Get("forceDelete") == "true" {
		if err := s.deleteRecord(r.Context(), cluster, name); err != nil {
			s.writeInternal(w, r, err)
			return
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	if !rec.Deleting {
		rec.Deleting = true
		purgeProtected(rec)
		startOperation(rec, dpv1.ProvisioningDeleting, correlation, s.Now())
		if err := s.putRecord(r.Context(), rec); err != nil {
			s.writeInternal(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusAccepted, management(rec))
}

// putStatus records an agent's report on one configuration.
func (s *Server) putStatus(w http.ResponseWriter, r *http.Request, _ Role) {
	var rep dpv1.StatusReport
	if _, ok := readStrict(w, r, &rep); !ok {
		return
	}
	switch rep.ProvisioningState {
	case dpv1.ProvisioningSucceeded, dpv1.ProvisioningFailed, dpv1.ProvisioningCreating, dpv1.ProvisioningUpdating:
	default:
		writeError(w, http.StatusBadRequest, "InvalidRequestContent", "provisioningState",
			"provisioningState must be Succeeded, Failed, Creating or Updating")
		return
	}
	cluster, name := r.PathValue("cluster"), r.PathValue("name")
	rec, unlock, ok := s.lockRecord(w, r)
	if !ok {
		return
	}
	defer unlock()
	if rec == nil {
		writeError(w, http.StatusNotFound, "ResourceNotFound", "", "configuration "+name+" does not exist")
		return
	}
	seen, _ := entryJSON(rec) // nil if it cannot be encoded: then the write wakes the polls
	// Apply the 48-hour rules first: a report never revives an operation that timed out.
	expire(rec, s.Now())
	var err error
	if applyReport(rec, &rep, s.Now().UTC()) {
		err = s.deleteRecord(r.Context(), cluster, name)
	} else {
		err = s.storeRecord(r.Context(), rec, seen)
	}
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	// Written: a fleet configuration's rollout is stepped by the stepper, not here.
	s.reported(rec.Fleet)
	w.WriteHeader(http.StatusNoContent)
}
