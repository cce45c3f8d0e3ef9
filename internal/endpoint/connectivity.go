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
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// connectivity keeps which registered clusters are disconnected (no contact within three
// poll intervals) between fleet status requests, so a status looks up the few disconnected
// clusters instead of reading every member's contacts. A snapshot holds until the earliest
// contact of a connected cluster expires, the registry changes, another replica's contacts
// are read, or a disconnected cluster makes contact: time alone connects no cluster.
type connectivity struct {
	snap atomic.Pointer[connSnapshot]
	// stale counts the events that end a snapshot; one taken at an older count is not used.
	stale atomic.Int64
	// compute serialises recomputing, so requests that find the snapshot ended compute once.
	compute sync.Mutex
	// While a snapshot is computed, the contacts made meanwhile, which it may have read too
	// early, go to late and are applied to it before it is served. lateMu guards both.
	lateMu    sync.Mutex
	computing atomic.Bool
	late      []string
}

// connSnapshot is the disconnected clusters at one time.
type connSnapshot struct {
	registry        *Registry
	registryChanges int64
	stale           int64
	interval        time.Duration
	at              time.Time
	// validUntil is when the first connected cluster's last contact becomes too old; zero
	// when none is connected.
	validUntil   time.Time
	disconnected map[string]bool
	// sorted is disconnected's clusters by name.
	sorted []string
}

// validAt reports whether snap still says who is disconnected at now.
func (snap *connSnapshot) validAt(reg *Registry, now time.Time, stale int64) bool {
	return snap != nil && snap.registry == reg && snap.registryChanges == reg.changes.Load() &&
		snap.stale == stale && snap.interval == reg.pollInterval() && !now.Before(snap.at) &&
		(snap.validUntil.IsZero() || !now.After(snap.validUntil))
}

// reconnected applies a contact made at now to a snapshot not yet served.
func (snap *connSnapshot) reconnected(cluster string, now time.Time) {
	if snap.disconnected[cluster] {
		delete(snap.disconnected, cluster)
		if i, found := slices.BinarySearch(snap.sorted, cluster); found {
			snap.sorted = slices.Delete(snap.sorted, i, i+1)
		}
	}
	if until := now.Add(3 * snap.interval); snap.validUntil.IsZero() || until.Before(snap.validUntil) {
		snap.validUntil = until
	}
}

// contacted tells c that cluster's agent made contact, after the contact is recorded.
func (c *connectivity) contacted(cluster string) {
	if c.computing.Load() {
		c.lateMu.Lock()
		if c.computing.Load() {
			c.late = append(c.late, cluster)
			c.lateMu.Unlock()
			return
		}
		c.lateMu.Unlock()
	}
	if snap := c.snap.Load(); snap != nil && snap.disconnected[cluster] {
		c.stale.Add(1)
	}
}

// connections returns the disconnected clusters at now, computing them only when the last
// snapshot ended.
func (s *Server) connections(now time.Time) *connSnapshot {
	c, reg := &s.conn, s.Registry
	if snap := c.snap.Load(); snap.validAt(reg, now, c.stale.Load()) {
		return snap
	}
	c.compute.Lock()
	defer c.compute.Unlock()
	if snap := c.snap.Load(); snap.validAt(reg, now, c.stale.Load()) {
		return snap
	}
	c.lateMu.Lock()
	c.computing.Store(true)
	c.lateMu.Unlock()
	snap := s.disconnectedAt(now, c.stale.Load())
	c.publish(snap, now)
	return snap
}

// publish serves snap, computed at now, with the contacts made while it was computed.
func (c *connectivity) publish(snap *connSnapshot, now time.Time) {
	c.lateMu.Lock()
	defer c.lateMu.Unlock()
	for _, cluster := range c.late {
		snap.reconnected(cluster, now)
	}
	c.late = nil
	c.snap.Store(snap)
	c.computing.Store(false)
}

// disconnectedAt reads every registered cluster's latest contact, as the registry's
// connected says: disconnected when older than three poll intervals or never made.
func (s *Server) disconnectedAt(now time.Time, stale int64) *connSnapshot {
	reg := s.Registry
	snap := &connSnapshot{registry: reg, registryChanges: reg.changes.Load(), stale: stale,
		interval: reg.pollInterval(), at: now, disconnected: map[string]bool{}}
	window := 3 * snap.interval
	cutoff := now.Add(-window)
	recs := reg.all()
	own := s.ownContacts(clusterNames(recs))
	for i, rec := range recs {
		last, _ := s.latestContact(rec, own[i])
		if last.IsZero() || last.Before(cutoff) {
			snap.disconnected[rec.Name] = true
			snap.sorted = append(snap.sorted, rec.Name) // recs are ordered by name
			continue
		}
		if until := last.Add(window); snap.validUntil.IsZero() || until.Before(snap.validUntil) {
			snap.validUntil = until
		}
	}
	return snap
}
