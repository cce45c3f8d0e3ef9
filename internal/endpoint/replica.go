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
	"strings"
)

// What lets several endpoint replicas serve one shared store (PgStore): the writes of one
// cluster serialised across them, one sweeper at a time, and each replica's caches told of
// the others' writes.

// Locker serialises read-modify-write of clusters' records between the processes that
// share a store.
type Locker interface {
	// LockClusters blocks until this process holds the lock of every cluster; unlock
	// releases them all. Locks of several clusters are taken in one order everywhere, so
	// two callers never deadlock.
	LockClusters(ctx context.Context, clusters []string) (unlock func(), err error)
	// LockFleet blocks until this process holds the fleet lock, which excludes every
	// LockClusters holder: a fleet change or a relabel writes the records of any number of
	// clusters, more than one transaction could lock one by one.
	LockFleet(ctx context.Context) (unlock func(), err error)
}

// Leader elects the one process, of those sharing a store, that runs the periodic sweep.
type Leader interface {
	// Leading reports whether this process leads now, taking the lead if it is free.
	Leading(ctx context.Context) bool
}

// lock takes the clusters' write locks in this process (writelocks.go) and, with a Locker,
// across processes: what every read-modify-write of records holds. Writers of other
// clusters run meanwhile.
func (s *Server) lock(ctx context.Context, clusters ...string) (unlock func(), err error) {
	local := s.writes.lockClusters(clusters)
	if s.Locker == nil {
		return local, nil
	}
	release, err := s.Locker.LockClusters(ctx, clusters)
	if err != nil {
		local()
		return nil, err
	}
	// Another replica may have written these clusters; their cached sizes are reloaded
	// under the lock rather than trusted.
	for _, c := range clusters {
		s.sizes.drop(c)
	}
	return func() { release(); local() }, nil
}

// lockFleet takes the fleet lock, which excludes every other writer, in this process and,
// with a Locker, across processes: what every write that may touch many clusters' records
// holds (fleet configurations, registrations, rollout steps).
func (s *Server) lockFleet(ctx context.Context) (unlock func(), err error) {
	local := s.writes.lockFleet()
	if s.Locker == nil {
		return local, nil
	}
	release, err := s.Locker.LockFleet(ctx)
	if err != nil {
		local()
		return nil, err
	}
	// Another replica may have written any cluster.
	s.sizes.dropAll()
	return func() { release(); local() }, nil
}

// lockRegistry takes the registry's write lock, then lockFleet; with a Locker, it then
// rereads the named registrations (every one when none is named) from the store, because
// another replica may have changed them and its notification may not have arrived yet.
// Whatever places fleet configurations by labels holds it, so it never places by labels
// another replica has already changed.
func (s *Server) lockRegistry(ctx context.Context, names ...string) (unlock func(), err error) {
	reg := s.Registry
	reg.write.Lock()
	release, err := s.lockFleet(ctx)
	if err != nil {
		reg.write.Unlock()
		return nil, err
	}
	unlock = func() { release(); reg.write.Unlock() }
	if s.Locker == nil {
		return unlock, nil
	}
	if len(names) == 0 {
		err = reg.reload(ctx)
	}
	for _, name := range names {
		err = errors.Join(err, reg.refresh(ctx, name))
	}
	if err != nil {
		unlock()
		return nil, err
	}
	return unlock, nil
}

// lockFor takes lockRegistry for a request; when it cannot, it answers 500 and ok is false.
func (s *Server) lockFor(w http.ResponseWriter, r *http.Request, names ...string) (unlock func(), ok bool) {
	unlock, err := s.lockRegistry(r.Context(), names...)
	if err != nil {
		s.writeInternal(w, r, err)
		return nil, false
	}
	return unlock, true
}

// Changed applies a change committed to the shared store, by any replica, to this
// replica's caches: the cluster's ETag is dropped, which wakes its held polls, and its
// registration is reread. A Missed change drops every ETag and rereads every registration.
func (s *Server) Changed(ctx context.Context, c Change) error {
	if c.Missed {
		s.etags.invalidateAll()
		// Reports may have gone unheard too: every rollout is stepped at the next tick.
		s.steps.markAll()
		if err := s.fleetAgg.load(ctx, s.Store); err != nil {
			return err
		}
		if s.Registry != nil {
			return s.Registry.reload(ctx)
		}
		return nil
	}
	if c.Records {
		s.etags.invalidate(c.Cluster)
		fleets, err := s.fleetAgg.refresh(ctx, s.Store, c.Cluster)
		if err != nil {
			return err
		}
		// A report to another replica: the leading one steps the rollouts it concerns.
		s.steps.mark(fleets...)
	}
	if c.Registration && s.Registry != nil {
		return s.Registry.refresh(ctx, c.Cluster)
	}
	return nil
}

// invalidateAll invalidates every cluster's ETag.
func (c *etagCache) invalidateAll() {
	c.mu.Lock()
	clusters := make([]string, 0, len(c.entries))
	for name := range c.entries {
		clusters = append(clusters, name)
	}
	c.mu.Unlock()
	for _, name := range clusters {
		c.invalidate(name)
	}
}

// refresh rereads name's registration from the store, after another replica changed it.
func (r *Registry) refresh(ctx context.Context, name string) error {
	rec, err := r.store.GetCluster(ctx, name)
	if err != nil && !errors.Is(err, ErrClusterNotFound) {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if rec != nil {
		r.index(rec)
		return nil
	}
	r.unindex(name)
	return nil
}

// reload rereads every registration, after changes may have gone unheard.
func (r *Registry) reload(ctx context.Context) error {
	recs, err := r.store.ListClusters(ctx)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, old := range slices.Clone(r.sorted) {
		if _, found := slices.BinarySearchFunc(recs, old.Name, func(c *ClusterRecord, n string) int {
			return strings.Compare(c.Name, n)
		}); !found {
			r.unindex(old.Name)
		}
	}
	for _, rec := range recs {
		r.index(rec)
	}
	return nil
}

// unindex removes name from the maps; callers hold mu.
func (r *Registry) unindex(name string) {
	old := r.byName[name]
	if old == nil {
		return
	}
	delete(r.byHash, old.TokenHash)
	delete(r.byHash, old.PreviousTokenHash)
	delete(r.byName, name)
	r.changes.Add(1)
	if i, found := r.search(name); found {
		r.sorted = slices.Delete(r.sorted, i, i+1)
	}
}
