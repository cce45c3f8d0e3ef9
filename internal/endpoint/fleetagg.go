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
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// The fleet-wide status is served from memory: every write of a record goes through
// putRecord, putRecords or deleteRecord, which tell the aggregate, so a status request
// reads no store and walks only the fleet's own clusters.

// complianceStates are the states an agent may report, in the order a listing shows them.
var complianceStates = []string{dpv1.ComplianceNonCompliant, dpv1.CompliancePending,
	dpv1.ComplianceUnknown, dpv1.ComplianceSuspended, dpv1.ComplianceCompliant}

// ComplianceState returns s if it is a compliance state an agent reports, else Unknown: a
// record with none reported yet, or a value this endpoint does not know. The dashboard
// groups by the same rule.
func ComplianceState(s string) string {
	if slices.Contains(complianceStates, s) {
		return s
	}
	return dpv1.ComplianceUnknown
}

// fleetMember is one cluster's copy of a fleet configuration as the status shows it; it is
// replaced, never changed, so a reader may hold it without the lock.
type fleetMember struct {
	cluster, state, commit, message string
	revision                        int64
	reportedAt                      time.Time
	// observed is what the record says about its own revision's operation, for the
	// rollout stepper, which reads it here rather than from the store.
	observed rolloutObservation
}

// fleetMembers is the aggregate of one fleet configuration.
type fleetMembers struct {
	byName map[string]*fleetMember
	// byState holds byName's members by compliance state, each ordered by cluster: a
	// status counts them without a walk, and a page starts at its cursor and sorts nothing.
	byState map[string][]*fleetMember
	// commits counts the members per reported commit.
	commits map[string]int
}

// byCluster orders fleet members by cluster name.
func byCluster(m *fleetMember, cluster string) int { return strings.Compare(m.cluster, cluster) }

// fleetAggregate is every fleet configuration's aggregate.
type fleetAggregate struct {
	mu sync.RWMutex
	// loaded is set under mu and read without it by loadOnce, so a status request takes
	// mu, which every written record locks, only once.
	loaded atomic.Bool
	fleets map[string]*fleetMembers
}

// fleetMemberOf returns rec as its fleet's member; nil when it is not one (not from a fleet,
// or being removed).
func fleetMemberOf(rec *Record) *fleetMember {
	if rec.Fleet == "" || rec.Deleting {
		return nil
	}
	p := rec.Properties
	m := &fleetMember{cluster: rec.Cluster, state: ComplianceState(p.ComplianceState), commit: p.SourceSyncedCommitID,
		message: failureMessage(p), revision: rec.FleetRevision, observed: observeRecord(rec, rec.FleetRevision, 0)}
	if p.StatusUpdatedAt != nil {
		m.reportedAt = p.StatusUpdatedAt.UTC()
	}
	return m
}

// failureMessage is the operation's error, else the first message of a condition not
// True on an object not Compliant.
func failureMessage(p dpv1.FluxConfigurationProperties) string {
	if p.ErrorMessage != "" {
		return p.ErrorMessage
	}
	for _, o := range p.Statuses {
		if o.ComplianceState == dpv1.ComplianceCompliant {
			continue
		}
		for _, c := range o.StatusConditions {
			if c.Status != "True" && c.Message != "" {
				return c.Message
			}
		}
	}
	return ""
}

// set puts (m non-nil) or removes cluster's copy of fleet; callers hold a.mu.
func (a *fleetAggregate) set(fleet, cluster string, m *fleetMember) {
	f := a.fleets[fleet]
	if f == nil {
		if m == nil {
			return
		}
		f = &fleetMembers{byName: map[string]*fleetMember{}, byState: map[string][]*fleetMember{}, commits: map[string]int{}}
		a.fleets[fleet] = f
	}
	if old := f.byName[cluster]; old != nil {
		if old.commit != "" {
			if f.commits[old.commit]--; f.commits[old.commit] == 0 {
				delete(f.commits, old.commit)
			}
		}
		list := f.byState[old.state]
		if i, found := slices.BinarySearchFunc(list, cluster, byCluster); found {
			if list = slices.Delete(list, i, i+1); len(list) == 0 {
				delete(f.byState, old.state)
			} else {
				f.byState[old.state] = list
			}
		}
	}
	if m == nil {
		delete(f.byName, cluster)
		if len(f.byName) == 0 {
			delete(a.fleets, fleet)
		}
		return
	}
	f.byName[cluster] = m
	if m.commit != "" {
		f.commits[m.commit]++
	}
	list := f.byState[m.state]
	i, _ := slices.BinarySearchFunc(list, cluster, byCluster)
	f.byState[m.state] = slices.Insert(list, i, m)
}

// observe applies written records; a copy is keyed by its own name, the fleet's.
func (a *fleetAggregate) observe(recs ...*Record) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.loaded.Load() {
		return // the first read loads everything from the store
	}
	for _, rec := range recs {
		a.set(rec.Name, rec.Cluster, fleetMemberOf(rec))
	}
}

// forget applies a deleted record.
func (a *fleetAggregate) forget(cluster, name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.loaded.Load() {
		a.set(name, cluster, nil)
	}
}

// load rebuilds the aggregate from every record of store. It holds the lock across the
// read, so a write that lands meanwhile is applied after it, as the latest.
func (a *fleetAggregate) load(ctx context.Context, store Store) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	recs, err := store.ListAll(ctx)
	if err != nil {
		return err
	}
	a.fleets = map[string]*fleetMembers{}
	for _, rec := range recs {
		if m := fleetMemberOf(rec); m != nil {
			a.set(rec.Name, rec.Cluster, m)
		}
	}
	a.loaded.Store(true)
	return nil
}

// refresh rereads one cluster's records, after another replica wrote them, and returns
// the fleet configurations whose copies it holds or held.
func (a *fleetAggregate) refresh(ctx context.Context, store Store, cluster string) ([]string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.loaded.Load() {
		return nil, nil
	}
	recs, err := store.List(ctx, cluster)
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	var touched []string
	for _, rec := range recs {
		if m := fleetMemberOf(rec); m != nil {
			keep[rec.Name] = true
			touched = append(touched, rec.Name)
			a.set(rec.Name, cluster, m)
		}
	}
	for name, f := range a.fleets {
		if _, ok := f.byName[cluster]; ok && !keep[name] {
			touched = append(touched, name)
			a.set(name, cluster, nil)
		}
	}
	return touched, nil
}

// observations are what the clusters of waves (name to wave) say of fleet's revision
// target, as stepRollout takes them: a cluster without a copy of target observes nothing.
func (a *fleetAggregate) observations(fleet string, target int64, waves map[string]int) map[string]rolloutObservation {
	a.mu.RLock()
	defer a.mu.RUnlock()
	f := a.fleets[fleet]
	obs := make(map[string]rolloutObservation, len(waves))
	for cluster, wave := range waves {
		o := rolloutObservation{Wave: wave}
		if f != nil {
			if m := f.byName[cluster]; m != nil && m.revision == target {
				o = m.observed
				o.Wave = wave
			}
		}
		obs[cluster] = o
	}
	return obs
}

// status reads fleet's aggregate for its status, loading it first if no read did yet:
// read is called under the read lock, with nil when fleet has no members.
func (a *fleetAggregate) status(ctx context.Context, store Store, fleet string, read func(*fleetMembers)) error {
	if err := a.loadOnce(ctx, store); err != nil {
		return err
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	read(a.fleets[fleet])
	return nil
}

// loadOnce loads the aggregate unless it is loaded; two first readers may both load,
// which is only wasted work.
func (a *fleetAggregate) loadOnce(ctx context.Context, store Store) error {
	if a.loaded.Load() {
		return nil
	}
	return a.load(ctx, store)
}
