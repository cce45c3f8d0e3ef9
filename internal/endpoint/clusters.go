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
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/arm"
)

// The cluster registry's management API.

const (
	// DefaultRotationGrace is how long a rotated-out agent token stays valid by default.
	DefaultRotationGrace = time.Hour
	// MaxRotationGrace bounds ?grace=: a leaked old token must not live on for long.
	MaxRotationGrace = 7 * 24 * time.Hour
	// DefaultClusterPage and MaxClusterPage are the default and largest ?limit= of a list.
	DefaultClusterPage = 100
	MaxClusterPage     = 1000
)

// routeClusters adds the registry's routes to mux when the registry is on.
func (s *Server) routeClusters(mux *http.ServeMux) {
	if s.Registry == nil {
		return
	}
	const item = "/v1/clusters/{cluster}"
	mux.HandleFunc("GET /v1/clusters", s.adminOnly(s.listClusters))
	mux.HandleFunc("PUT "+item, s.auth(RoleAdmin, s.putCluster))
	mux.HandleFunc("GET "+item, s.auth(RoleAdmin, s.getCluster))
	mux.HandleFunc("DELETE "+item, s.auth(RoleAdmin, s.deleteCluster))
	mux.HandleFunc("POST "+item+"/rotateToken", s.auth(RoleAdmin, s.rotateClusterToken))
}

// adminOnly guards a route without a {cluster}: only the admin token passes.
func (s *Server) adminOnly(next handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// A registered agent's token is known, just not allowed here: 403, not 401.
		switch s.authorize(r, "") {
		case RoleAdmin:
			next(w, r, RoleAdmin)
		case RoleNone:
			w.Header().Set("WWW-Authenticate", `Bearer realm="fluxconfig-endpoint"`)
			writeError(w, http.StatusUnauthorized, "Unauthorized", "", "a valid bearer token is required")
		default:
			writeError(w, http.StatusForbidden, "Forbidden", "", "the management API needs the admin token")
		}
	}
}

// putCluster registers a cluster, answering 201 with its agent token, or replaces the labels
// of a registered one (200, no token).
func (s *Server) putCluster(w http.ResponseWriter, r *http.Request, _ Role) {
	var body dpv1.ClusterRegistration
	if _, ok := readStrict(w, r, &body); !ok {
		return
	}
	if err := validLabels(body.Labels); err != nil {
		writeFieldError(w, err)
		return
	}
	reg, name := s.Registry, r.PathValue("cluster")
	// The fleet configurations follow the labels under the fleet lock: no fleet change can
	// place by labels that are about to change.
	unlock, ok := s.lockFor(w, r, name)
	if !ok {
		return
	}
	defer unlock()
	if old := reg.get(name); old != nil {
		if !maps.Equal(old.Labels, body.Labels) {
			next := *old
			next.Labels = body.Labels
			if !s.placeCluster(w, r, name, &next, func() error { return reg.put(r.Context(), &next) }) {
				return
			}
			old = &next
		}
		writeJSON(w, http.StatusOK, s.clusterView(old))
		return
	}
	token, hash := newAgentToken()
	now := s.Now().UTC()
	rec := &ClusterRecord{Name: name, Labels: body.Labels, CreatedAt: now, TokenHash: hash, TokenIssuedAt: now}
	if !s.placeCluster(w, r, name, rec, func() error { return reg.put(r.Context(), rec) }) {
		return
	}
	view := s.clusterView(rec)
	view.Token = token
	writeJSON(w, http.StatusCreated, view)
}

func (s *Server) getCluster(w http.ResponseWriter, r *http.Request, _ Role) {
	rec := s.Registry.get(r.PathValue("cluster"))
	if rec == nil {
		notRegistered(w, r.PathValue("cluster"))
		return
	}
	writeJSON(w, http.StatusOK, s.clusterView(rec))
}

// deleteCluster removes a registration; its tokens stop working at once. The cluster's own
// configurations are not touched: they belong to the fluxConfigurations API. Those of fleet
// configurations are marked Deleting, as the cluster is no longer selected: an agent that
// still polls with a token file removes them.
func (s *Server) deleteCluster(w http.ResponseWriter, r *http.Request, _ Role) {
	reg, name := s.Registry, r.PathValue("cluster")
	unlock, ok := s.lockFor(w, r, name)
	if !ok {
		return
	}
	defer unlock()
	if reg.get(name) == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if !s.placeCluster(w, r, name, nil, func() error { return reg.remove(r.Context(), name) }) {
		return
	}
	w.WriteHeader(http.StatusOK)
}

// rotateClusterToken issues a new agent token; the current one stays valid for ?grace=
// (default DefaultRotationGrace), so agents can be moved to the new one without downtime.
// A token still in grace from an earlier rotation is dropped.
func (s *Server) rotateClusterToken(w http.ResponseWriter, r *http.Request, _ Role) {
	grace := DefaultRotationGrace
	if v := r.URL.Query().Get("grace"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > MaxRotationGrace {
			writeError(w, http.StatusBadRequest, "InvalidRequestContent", "grace",
				fmt.Sprintf("grace: %q is not a duration between 0s and %s, e.g. 30m or 2h", v, MaxRotationGrace))
			return
		}
		grace = d
	}
	reg := s.Registry
	unlock, ok := s.lockFor(w, r, r.PathValue("cluster"))
	if !ok {
		return
	}
	defer unlock()
	old := reg.get(r.PathValue("cluster"))
	if old == nil {
		notRegistered(w, r.PathValue("cluster"))
		return
	}
	token, hash := newAgentToken()
	now := s.Now().UTC()
	next := *old
	next.PreviousTokenHash, next.PreviousValidUntil = old.TokenHash, now.Add(grace)
	next.TokenHash, next.TokenIssuedAt = hash, now
	if grace == 0 {
		next.PreviousTokenHash, next.PreviousValidUntil = "", time.Time{}
	}
	if err := reg.put(r.Context(), &next); err != nil {
		s.writeInternal(w, r, err)
		return
	}
	view := s.clusterView(&next)
	view.Token = token
	writeJSON(w, http.StatusOK, view)
}

// listClusters serves the registrations matching ?labelSelector=, ordered by name, in pages
// of ?limit=; ?continue= carries on after the previous page's last cluster, so clusters
// registered or deleted meanwhile never shift a page.
func (s *Server) listClusters(w http.ResponseWriter, r *http.Request, _ Role) {
	q := r.URL.Query()
	selector, err := labels.Parse(q.Get("labelSelector"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequestContent", "labelSelector",
			"labelSelector: "+err.Error()+`; use Kubernetes selector syntax, e.g. "region=eu,tier in (prod,staging)"`)
		return
	}
	limit, after, ok := pageQuery(w, r, validCluster)
	if !ok {
		return
	}
	recs := s.Registry.all()
	start, _ := slices.BinarySearchFunc(recs, after, func(c *ClusterRecord, n string) int {
		if c.Name <= n {
			return -1
		}
		return 1
	})
	out := dpv1.ClusterList{Value: []dpv1.Cluster{}}
	for _, rec := range recs[start:] {
		if !selector.Matches(labels.Set(rec.Labels)) {
			continue
		}
		if len(out.Value) == limit {
			out.Continue = continueToken(out.Value[limit-1].Name)
			break
		}
		out.Value = append(out.Value, s.clusterView(rec))
	}
	writeJSON(w, http.StatusOK, out)
}

// clusterView is the management view of rec: never a token, nor a hash of one.
func (s *Server) clusterView(rec *ClusterRecord) dpv1.Cluster {
	now := s.Now()
	out := dpv1.Cluster{Name: rec.Name, Labels: rec.Labels, CreatedAt: rec.CreatedAt, TokenIssuedAt: rec.TokenIssuedAt}
	if rec.PreviousTokenHash != "" && now.Before(rec.PreviousValidUntil) {
		until := rec.PreviousValidUntil
		out.PreviousTokenValidUntil = &until
	}
	if last, version := s.contact(rec); !last.IsZero() {
		last = last.UTC()
		out.LastPollTime, out.AgentVersion = &last, version
		out.Connected = now.Sub(last) <= 3*s.Registry.pollInterval()
	}
	return out
}

func notRegistered(w http.ResponseWriter, name string) {
	writeError(w, http.StatusNotFound, "ResourceNotFound", "", "cluster "+name+" is not registered; register it with PUT /v1/clusters/"+name)
}

// validLabels checks labels as Kubernetes checks an object's labels.
func validLabels(l map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(l)) {
		field := fmt.Sprintf("labels[%q]", k)
		if msgs := validation.IsQualifiedName(k); len(msgs) > 0 {
			return &arm.FieldError{Field: field, Message: "the key is not a valid label key: " + strings.Join(msgs, "; ")}
		}
		if msgs := validation.IsValidLabelValue(l[k]); len(msgs) > 0 {
			return &arm.FieldError{Field: field, Message: "the value is not a valid label value: " + strings.Join(msgs, "; ")}
		}
	}
	return nil
}
