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
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

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
	conn := s.connections(s.Now())
	var out dpv1.FleetStatus
	err = s.fleetAgg.status(r.Context(), s.Store, name, func(f *fleetMembers) { out = fleetStatus(f, conn, limit, after) })
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	out.Name, out.Revision = name, f.Revision
	if f.Progress != nil {
		st := f.Progress.Status
		out.Rollout = &st
	}
	writeJSON(w, http.StatusOK, out)
}

// fleetStatus counts f's members and returns the page of limit after the cursor (rank,
// name); f may be nil. The counts are kept by state, and the few disconnected clusters are
// looked up in f, so the cost is the page's and the disconnected clusters', not the fleet's.
func fleetStatus(f *fleetMembers, conn *connSnapshot, limit int, after fleetStatusCursor) dpv1.FleetStatus {
	out := dpv1.FleetStatus{Value: []dpv1.FleetClusterStatus{}, Commits: map[string]int{}}
	if f == nil {
		return out
	}
	out.Clusters, out.Commits = len(f.byName), maps.Clone(f.commits)
	for state, members := range f.byState {
		addCount(&out.Counts, state, len(members))
	}
	// A disconnected member counts as Disconnected, not as its last reported state.
	var disconnected []*fleetMember
	for _, cluster := range conn.sorted {
		if m := f.byName[cluster]; m != nil {
			disconnected = append(disconnected, m)
			addCount(&out.Counts, m.state, -1)
		}
	}
	addCount(&out.Counts, dpv1.StateDisconnected, len(disconnected))

	more := false
	for rank := max(after.rank, 0); rank < len(fleetStatusOrder) && !more; rank++ {
		state := fleetStatusOrder[rank]
		members := f.byState[state]
		if state == dpv1.StateDisconnected {
			members = disconnected
		}
		if rank == after.rank {
			i, found := slices.BinarySearchFunc(members, after.name, byCluster)
			if found {
				i++
			}
			members = members[i:]
		}
		for _, m := range members {
			if state != dpv1.StateDisconnected && conn.disconnected[m.cluster] {
				continue
			}
			if len(out.Value) == limit {
				more = true
				break
			}
			out.Value = append(out.Value, fleetClusterStatus(m, state))
		}
	}
	if more && len(out.Value) > 0 {
		last := out.Value[len(out.Value)-1]
		out.Continue = fleetStatusCursor{rank: slices.Index(fleetStatusOrder, last.State), name: last.Cluster}.String()
	}
	return out
}

// addCount adds n to state's count.
func addCount(c *dpv1.FleetStatusCounts, state string, n int) {
	switch state {
	case dpv1.ComplianceCompliant:
		c.Compliant += n
	case dpv1.ComplianceNonCompliant:
		c.NonCompliant += n
	case dpv1.CompliancePending:
		c.Pending += n
	case dpv1.ComplianceSuspended:
		c.Suspended += n
	case dpv1.StateDisconnected:
		c.Disconnected += n
	default:
		c.Unknown += n
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
