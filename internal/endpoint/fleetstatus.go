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
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// fleetStatusOrder ranks a cluster's state in the status listing: failing first.
var fleetStatusOrder = []string{dpv1.ComplianceNonCompliant, dpv1.StateDisconnected, dpv1.CompliancePending,
	dpv1.ComplianceUnknown, dpv1.ComplianceSuspended, dpv1.ComplianceCompliant}

// LoadFleetStatus builds the fleet-wide status from the store; the first status request
// does it otherwise. Call it at start, after any Store wrapper is in place.
func (s *Server) LoadFleetStatus(ctx context.Context) error {
	return s.fleetAgg.load(ctx, s.Store)
}

// getFleetStatus serves GET /v1/fleetConfigurations/{name}/status.
func (s *Server) getFleetStatus(w http.ResponseWriter, r *http.Request, _ Role) {
	name := r.PathValue("name")
	limit, after, ok := fleetStatusPage(w, r)
	if !ok {
		return
	}
	f, err := s.fleetSummary(r.Context(), name)
	if errors.Is(err, ErrFleetNotFound) {
		fleetNotFound(w, name)
		return
	}
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	members, commits, err := s.fleetAgg.snapshot(r.Context(), s.Store, name)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	out := s.fleetStatus(members, limit, after)
	out.Name, out.Revision, out.Commits = name, f.Revision, commits
	if f.Progress != nil {
		st := f.Progress.Status
		out.Rollout = &st
	}
	writeJSON(w, http.StatusOK, out)
}

// fleetStatus counts members and returns the page of limit after the cursor (rank, name).
// A member is Disconnected when its cluster's last contact is older than three poll
// intervals, as the registry's connected says; that is read now, for all members at once:
// one registry lock and one contacts lock a request, not one a member, which at a mass
// wake-up would each wait behind the reports' writes.
func (s *Server) fleetStatus(members []*fleetMember, limit int, after fleetStatusCursor) dpv1.FleetStatus {
	out := dpv1.FleetStatus{Clusters: len(members), Value: []dpv1.FleetClusterStatus{}}
	cutoff := s.Now().Add(-3 * s.Registry.pollInterval())
	clusters := make([]string, len(members))
	for i, m := range members {
		clusters[i] = m.cluster
	}
	connected := s.contactedSince(clusters, cutoff)
	// Members are ordered by name, so each rank's page fills in order with no sort.
	pages := make([][]*fleetMember, len(fleetStatusOrder))
	more := false
	for i, m := range members {
		state := m.state
		if !connected[i] {
			state = dpv1.StateDisconnected
		}
		countState(&out.Counts, state)
		rank := slices.Index(fleetStatusOrder, state)
		if rank < after.rank || rank == after.rank && m.cluster <= after.name {
			continue
		}
		if len(pages[rank]) == limit {
			more = true
			continue
		}
		pages[rank] = append(pages[rank], m)
	}
	for rank, page := range pages {
		for _, m := range page {
			if len(out.Value) == limit {
				more = true
				break
			}
			out.Value = append(out.Value, fleetClusterStatus(m, fleetStatusOrder[rank]))
		}
	}
	if more && len(out.Value) > 0 {
		last := out.Value[len(out.Value)-1]
		out.Continue = fleetStatusCursor{rank: slices.Index(fleetStatusOrder, last.State), name: last.Cluster}.String()
	}
	return out
}

// contactedSince says, for each of clusters, whether its agent made contact since cutoff.
// The latest contact is since cutoff when any of those contact takes is: the registration's
// persisted one, the one another replica shared, or the one this replica served, which is
// read apart, for all clusters at once.
func (s *Server) contactedSince(clusters []string, cutoff time.Time) []bool {
	since := func(t time.Time) bool { return !t.IsZero() && !t.Before(cutoff) }
	regs := s.Registry.getEach(clusters)
	out := make([]bool, len(clusters))
	for i, rec := range regs {
		if rec != nil {
			last, _ := s.latestContact(rec, Contact{})
			out[i] = since(last)
		}
	}
	s.eachOwnContact(clusters, func(i int, c Contact) {
		out[i] = out[i] || regs[i] != nil && since(c.LastPoll)
	})
	return out
}

func countState(c *dpv1.FleetStatusCounts, state string) {
	switch state {
	case dpv1.ComplianceCompliant:
		c.Compliant++
	case dpv1.ComplianceNonCompliant:
		c.NonCompliant++
	case dpv1.CompliancePending:
		c.Pending++
	case dpv1.ComplianceSuspended:
		c.Suspended++
	case dpv1.StateDisconnected:
		c.Disconnected++
	default:
		c.Unknown++
	}
}

func fleetClusterStatus(m *fleetMember, state string) dpv1.FleetClusterStatus {
	out := dpv1.FleetClusterStatus{Cluster: m.cluster, State: state, ComplianceState: m.state, Commit: m.commit,
		Message: m.message, FleetRevision: m.revision}
	if !m.reportedAt.IsZero() {
		at := m.reportedAt
		out.LastStatusTime = &at
	}
	return out
}

// fleetStatusCursor is where a status page ends: the last cluster's rank and name.
type fleetStatusCursor struct {
	rank int
	name string
}

func (c fleetStatusCursor) String() string {
	return continueToken(strconv.Itoa(c.rank) + "/" + c.name)
}

// fleetStatusPage reads ?limit= and ?continue=, answering 400 naming the field when bad.
func fleetStatusPage(w http.ResponseWriter, r *http.Request) (int, fleetStatusCursor, bool) {
	after := fleetStatusCursor{rank: -1}
	limit, _, ok := pageQuery(w, r, func(token string) bool {
		rank, name, found := strings.Cut(token, "/")
		n, err := strconv.Atoi(rank)
		if !found || err != nil || n < 0 || n >= len(fleetStatusOrder) || !validCluster(name) {
			return false
		}
		after = fleetStatusCursor{rank: n, name: name}
		return true
	})
	return limit, after, ok
}
