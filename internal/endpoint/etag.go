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
	"bytes"
	"context"
	"sync"
	"time"
)

// etagCache remembers the ETag of each cluster's desired set, so the poll that almost every
// agent sends, one that changed nothing, is answered from memory: no store read, no
// encoding, no hashing, no lock shared with other clusters.
type etagCache struct {
	mu      sync.Mutex
	entries map[string]*etagEntry
}

type etagEntry struct {
	// version counts the writes to the cluster's records; an ETag computed from records
	// read before a write is never kept after it.
	version uint64
	etag    string
	// until is when a record of the set expires on its own (protected settings purged, an
	// operation timed out), which changes the set without a write; zero means never.
	until time.Time
	// changed is closed at the next write to the cluster's records, waking its held polls;
	// nil until a poll waits.
	changed chan struct{}
}

func (c *etagCache) entry(cluster string) *etagEntry {
	if c.entries == nil {
		c.entries = map[string]*etagEntry{}
	}
	e := c.entries[cluster]
	if e == nil {
		e = &etagEntry{}
		c.entries[cluster] = e
	}
	return e
}

// lookup returns the cluster's current ETag, if known and still valid at now.
func (c *etagCache) lookup(cluster string, now time.Time) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[cluster]
	if e == nil || e.etag == "" || (!e.until.IsZero() && !now.Before(e.until)) {
		return "", false
	}
	return e.etag, true
}

// version is read before the records an ETag is computed from.
func (c *etagCache) version(cluster string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entry(cluster).version
}

// store keeps etag unless the cluster was written since version was read.
func (c *etagCache) store(cluster string, version uint64, etag string, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entry(cluster); e.version == version {
		e.etag, e.until = etag, until
	}
}

// invalidate is called after every write to the cluster's records; it wakes the cluster's
// held polls.
func (c *etagCache) invalidate(cluster string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entry(cluster)
	e.version++
	e.etag = ""
	if e.changed != nil {
		close(e.changed)
		e.changed = nil
	}
}

// watch returns a channel closed at the next write to the cluster's records. A poll takes
// it before it reads the ETag, so a write between the two still wakes it.
func (c *etagCache) watch(cluster string) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entry(cluster)
	if e.changed == nil {
		e.changed = make(chan struct{})
	}
	return e.changed
}

// putRecord stores rec and forgets its cluster's ETag. Callers hold its cluster's write lock
// or the fleet lock (writelocks.go).
func (s *Server) putRecord(ctx context.Context, rec *Record) error {
	return s.storeRecord(ctx, rec, nil)
}

// storeRecord is putRecord for a record whose entry in its cluster's desired set was seen
// (as entryJSON encodes it; nil: unknown) before this write. When the write leaves the
// entry as it was, as most status reports do, the cluster's ETag stays and its held polls
// sleep on: they would only compute the set they hold. At 10,000 clusters that is 10,000
// sets not decoded and encoded again while a fleet change is still being delivered.
func (s *Server) storeRecord(ctx context.Context, rec *Record, seen []byte) error {
	entry, encErr := entryJSON(rec)
	err := s.Store.Put(ctx, rec)
	if err != nil || encErr != nil || seen == nil || !bytes.Equal(seen, entry) {
		s.etags.invalidate(rec.Cluster)
	}
	if err == nil {
		s.sizedEntry(rec, entry, encErr)
		s.fleetAgg.observe(rec)
	}
	return err
}

// putRecords stores recs in one transaction and forgets their clusters' ETags. Callers hold
// their clusters' write locks or the fleet lock.
func (s *Server) putRecords(ctx context.Context, recs []*Record) error {
	return s.putRecordsThen(ctx, recs, nil)
}

// putRecordsThen is putRecords that runs then (when set) once recs are stored, before it
// forgets their ETags, which wakes the clusters' held polls: a fleet configuration's
// progress is written before its agents act on it. Callers hold the fleet lock or the
// clusters' write locks.
func (s *Server) putRecordsThen(ctx context.Context, recs []*Record, then func() error) error {
	var err error
	if len(recs) > 0 {
		err = s.Store.PutAll(ctx, recs)
	}
	if err == nil {
		for _, rec := range recs {
			s.sized(rec)
		}
		s.fleetAgg.observe(recs...)
		if then != nil {
			err = then()
		}
	}
	for _, rec := range recs {
		s.etags.invalidate(rec.Cluster)
	}
	return err
}

// deleteRecord removes a record and forgets its cluster's ETag. Callers hold its cluster's
// write lock or the fleet lock.
func (s *Server) deleteRecord(ctx context.Context, cluster, name string) error {
	err := s.Store.Delete(ctx, cluster, name)
	s.etags.invalidate(cluster)
	if err == nil {
		s.unsized(cluster, name)
		s.fleetAgg.forget(cluster, name)
	}
	return err
}

// nextExpiry is the earliest time a record of recs expires on its own; zero if none will.
func nextExpiry(recs []*Record) time.Time {
	var first time.Time
	earlier := func(t time.Time) {
		if first.IsZero() || t.Before(first) {
			first = t
		}
	}
	for _, rec := range recs {
		if rec.ProtectedSettings != nil {
			earlier(rec.ProtectedUntil)
		}
		if !rec.OperationDone && rec.OperationID != "" {
			earlier(rec.OperationStartedAt.Add(DeliveryTimeout))
		}
	}
	return first
}
