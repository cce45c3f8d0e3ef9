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
)

// writeLocks serialise read-modify-write of records within the process, as the Locker does
// between processes: every writer of some clusters' records shares the fleet lock and holds
// those clusters' locks; a write that may touch any cluster (a fleet configuration, a
// relabel, a rollout step) holds the fleet lock alone. Writers of different clusters then
// run side by side, so ten thousand agents reporting at once share the store's commits
// instead of queueing one fsync each behind a single mutex.
type writeLocks struct {
	fleet sync.RWMutex

	mu       sync.Mutex
	clusters map[string]*clusterLock
}

// clusterLock is one cluster's lock; it lives while someone holds or waits for it.
type clusterLock struct {
	sync.Mutex
	users int
}

// lockClusters takes the fleet lock shared and then each cluster's lock, in name order so
// two writers of overlapping clusters never deadlock.
func (l *writeLocks) lockClusters(clusters []string) (unlock func()) {
	names := slices.Clone(clusters)
	slices.Sort(names)
	names = slices.Compact(names)
	l.fleet.RLock()
	held := make([]*clusterLock, len(names))
	for i, name := range names {
		held[i] = l.acquire(name)
		held[i].Lock()
	}
	return func() {
		for i := len(held) - 1; i >= 0; i-- {
			held[i].Unlock()
			l.release(names[i], held[i])
		}
		l.fleet.RUnlock()
	}
}

// lockFleet takes the fleet lock alone: it waits for every cluster lock holder to finish.
func (l *writeLocks) lockFleet() (unlock func()) {
	l.fleet.Lock()
	return l.fleet.Unlock
}

// acquire returns name's lock, counting the caller as its user.
func (l *writeLocks) acquire(name string) *clusterLock {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.clusters[name]
	if !ok {
		if l.clusters == nil {
			l.clusters = map[string]*clusterLock{}
		}
		c = &clusterLock{}
		l.clusters[name] = c
	}
	c.users++
	return c
}

// release drops the caller as a user of name's lock, and the lock once it has none.
func (l *writeLocks) release(name string, c *clusterLock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c.users--; c.users == 0 {
		delete(l.clusters, name)
	}
}
