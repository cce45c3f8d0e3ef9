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
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/arm"
)

// correlationHeader carries the caller's correlation id into the operation.
const correlationHeader = "X-Correlation-Id"

// put creates or replaces a configuration.
func (s *Server) put(w http.ResponseWriter, r *http.Request, _ Role) {
	var body dpv1.FluxConfiguration
	if _, ok := readStrict(w, r, &body); !ok {
		return
	}
	existing, correlation, unlock, ok := s.openRecord(w, r)
	if !ok {
		return
	}
	defer unlock()
	if fleetOwned(w, existing) {
		return
	}
	s.save(w, r, existing, body.Properties, correlation)
}

// patch merges the body into a configuration as a JSON merge patch: a kustomization, or a
// source body, set to null is removed.
func (s *Server) patch(w http.ResponseWriter, r *http.Request, _ Role) {
	// Decode into the typed model first so unknown fields and wrong types are refused.
	var typed dpv1.FluxConfiguration
	data, ok := readStrict(w, r, &typed)
	if !ok {
		return
	}
	var raw struct {
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		writeFieldError(w, err)
		return
	}
	existing, correlation, unlock, ok := s.openRecord(w, r)
	if !ok {
		return
	}
	defer unlock()
	if existing == nil {
		writeError(w, http.StatusNotFound, "ResourceNotFound", "", "configuration "+r.PathValue("name")+" does not exist; create it with PUT")
		return
	}
	if fleetOwned(w, existing) {
		return
	}
	props, err := mergeProperties(existing.Properties, raw.Properties)
	if err != nil {
		writeFieldError(w, err)
		return
	}
	s.save(w, r, existing, props, correlation)
}

// openRecord begins a write to the configuration the path names: it takes the correlation
// id, then does what lockRecord does.
func (s *Server) openRecord(w http.ResponseWriter, r *http.Request) (existing *Record, correlation string, unlock func(), ok bool) {
	if correlation, ok = correlationID(w, r); !ok {
		return nil, "", nil, false
	}
	existing, unlock, ok = s.lockRecord(w, r)
	return existing, correlation, unlock, ok
}

// lockRecord takes the lock of the cluster the path names (the caller runs unlock) and reads
// the configuration, nil when there is none. ok is false once an answer has been written,
// and then nothing is held.
func (s *Server) lockRecord(w http.ResponseWriter, r *http.Request) (existing *Record, unlock func(), ok bool) {
	unlock, err := s.lock(r.Context(), r.PathValue("cluster"))
	if err != nil {
		s.writeInternal(w, r, err)
		return nil, nil, false
	}
	existing, err = s.Store.Get(r.Context(), r.PathValue("cluster"), r.PathValue("name"))
	if errors.Is(err, ErrNotFound) {
		return nil, unlock, true
	}
	if err != nil {
		unlock()
		s.writeInternal(w, r, err)
		return nil, nil, false
	}
	return existing, unlock, true
}

// mergeProperties applies patch to base as an RFC 7396 merge patch.
func mergeProperties(base dpv1.FluxConfigurationProperties, patch map[string]any) (dpv1.FluxConfigurationProperties, error) {
	arm.ClearStatus(&base)
	var out dpv1.FluxConfigurationProperties
	data, err := json.Marshal(base)
	if err != nil {
		return out, err
	}
	var target map[string]any
	if err := json.Unmarshal(data, &target); err != nil {
		return out, err
	}
	merged, err := json.Marshal(dpv1.MergePatch(target, patch))
	if err != nil {
		return out, err
	}
	// Decode before returning: the operands of a return are not evaluated in a set order,
	// so `return out, decodeStrict(merged, &out)` may return out as it was.
	err = decodeStrict(merged, &out)
	return out, err
}

// save validates props and stores them as a new operation on existing (nil: create),
// correlated with correlation.
func (s *Server) save(w http.ResponseWriter, r *http.Request, existing *Record, props dpv1.FluxConfigurationProperties, correlation string) {
	cluster, name := r.PathValue("cluster"), r.PathValue("name")
	if err := arm.Name(name); err != nil {
		writeFieldError(w, err)
		return
	}
	arm.ClearStatus(&props)
	setDefaults(&props)
	if err := checkSubstitute(&props); err != nil {
		writeFieldError(w, err)
		return
	}
	if err := arm.Properties(name, &props); err != nil {
		writeFieldError(w, err)
		return
	}
	if err := s.protected().Check(props.Namespace); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequestContent", "properties.namespace", "properties.namespace: "+err.Error())
		return
	}
	if existing != nil && !checkUpdate(w, existing, &props) {
		return
	}
	protected := maps.Clone(props.ConfigurationProtectedSettings)
	if protected == nil {
		protected = map[string]string{}
	}
	maps.Copy(protected, arm.BodySecrets(&props))
	arm.StripSecrets(&props)

	rec, state, code := existing, dpv1.ProvisioningUpdating, http.StatusOK
	if rec == nil {
		rec, state, code = &Record{Cluster: cluster, Name: name}, dpv1.ProvisioningCreating, http.StatusCreated
	}
	props.ObservedStatus, props.StatusUpdatedAt = rec.Properties.ObservedStatus, rec.Properties.StatusUpdatedAt
	rec.Properties = props
	now := s.Now().UTC()
	startOperation(rec, state, correlation, now)
	setProtected(rec, protected, now)
	if !s.checkSetSize(w, r, rec) {
		return
	}
	if err := s.putRecord(r.Context(), rec); err != nil {
		s.writeInternal(w, r, err)
		return
	}
	writeJSON(w, code, management(rec))
}

// checkUpdate refuses changes ARM refuses on an existing configuration.
func checkUpdate(w http.ResponseWriter, existing *Record, props *dpv1.FluxConfigurationProperties) bool {
	switch {
	case existing.Deleting:
		writeError(w, http.StatusConflict, "Conflict", "", "configuration "+existing.Name+" is being deleted; wait until it is gone")
	case props.Scope != existing.Properties.Scope:
		writeError(w, http.StatusBadRequest, "InvalidRequestContent", "properties.scope",
			"properties.scope: is create-only (currently "+existing.Properties.Scope+"); delete and recreate the configuration to change it")
	case props.Namespace != existing.Properties.Namespace:
		writeError(w, http.StatusBadRequest, "InvalidRequestContent", "properties.namespace",
			"properties.namespace: is create-only (currently "+existing.Properties.Namespace+"); delete and recreate the configuration to change it")
	default:
		return true
	}
	return false
}

// setDefaults fills what ARM defaults, so reads show the effective values.
func setDefaults(p *dpv1.FluxConfigurationProperties) {
	if p.Scope == "" {
		p.Scope = arm.DefaultScope
	}
	if p.Namespace == "" {
		p.Namespace = arm.DefaultNamespace
	}
	if p.SourceKind == "" {
		p.SourceKind = arm.DefaultSourceKind
	}
	for name, k := range p.Kustomizations {
		if k == nil {
			// A null in a PUT means absent, as in a PATCH.
			delete(p.Kustomizations, name)
			continue
		}
		k.Name = name
	}
}

// fleetOwned answers 409 when rec belongs to a fleet configuration: only that may change
// it. Once the fleet let it go (Deleting), it is the cluster's to finish deleting.
func fleetOwned(w http.ResponseWriter, rec *Record) bool {
	if rec == nil || rec.Fleet == "" || rec.Deleting {
		return false
	}
	writeError(w, http.StatusConflict, "Conflict", "", fmt.Sprintf("configuration %s of cluster %s belongs to fleet "+
		"configuration %s; change it with PUT /v1/fleetConfigurations/%s, or take the cluster out of its placement",
		rec.Name, rec.Cluster, rec.Fleet, rec.Fleet))
	return true
}
