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
	"sync"
	"sync/atomic"
	"time"
)

// Replicas sharing a ContactStore share the clusters' latest contacts: each writes the
// polls it served since its last write in one statement, and rereads what was written
// since its last read, every ContactShareInterval. A poll itself writes nothing, so a
// contact served by one replica reaches the others within about two intervals.

// DefaultContactShareInterval is ContactShareInterval's default.
const DefaultContactShareInterval = 5 * time.Second

// contactReadOverlap is how far before the previous read each reread of the contacts
// reaches, for the batches then written but not yet committed: one statement each, done
// in well under this.
const contactReadOverlap = 5 * time.Second

// sharedContacts is what this replica read of the contacts in the ContactStore, and what
// it wrote there.
type sharedContacts struct {
	// heard is replaced, never changed, so a fleet status reads it without a lock, one
	// lookup a member.
	heard atomic.Pointer[map[string]ClusterContact]
	// mu serialises writing and reading the store, which own written and since.
	mu      sync.Mutex
	written map[string]time.Time
	since   time.Time
}

func (c *sharedContacts) get(cluster string) (ClusterContact, bool) {
	m := c.heard.Load()
	if m == nil {
		return ClusterContact{}, false
	}
	got, ok := (*m)[cluster]
	return got, ok
}

// ShareContacts writes the contacts this replica served since the last call to
// s.Contacts, then reads those any replica wrote since.
func (s *Server) ShareContacts(ctx context.Context) error {
	if s.Contacts == nil || s.Registry == nil {
		return nil
	}
	s.contacts.mu.Lock()
	defer s.contacts.mu.Unlock()
	return errors.Join(s.writeContacts(ctx), s.readContacts(ctx))
}

// writeContacts writes, in one call, the contact of every registered cluster that polled
// this replica since it last wrote; callers hold s.contacts.mu.
func (s *Server) writeContacts(ctx context.Context) error {
	if s.LastContact == nil && s.LastContacts == nil {
		return nil
	}
	var batch []ClusterContact
	// Rebuilt from the registrations, so a deleted cluster's entry goes.
	written := make(map[string]time.Time, len(s.contacts.written))
	recs := s.Registry.all()
	own := s.ownContacts(clusterNames(recs))
	for i, rec := range recs {
		prev := s.contacts.written[rec.Name]
		written[rec.Name] = prev
		if c := own[i]; c.LastPoll.After(prev) {
			batch = append(batch, ClusterContact{Cluster: rec.Name, LastPoll: c.LastPoll, UserAgent: c.UserAgent})
		}
	}
	if err := s.Contacts.PutContacts(ctx, batch); err != nil {
		return err
	}
	for _, c := range batch {
		written[c.Cluster] = c.LastPoll
	}
	s.contacts.written = written
	return nil
}

// readContacts merges the contacts written since the last read into heard; callers hold
// s.contacts.mu.
func (s *Server) readContacts(ctx context.Context) error {
	got, now, err := s.Contacts.ContactsSince(ctx, s.contacts.since)
	if err != nil {
		return err
	}
	s.contacts.since = now.Add(-contactReadOverlap)
	if len(got) == 0 {
		return nil
	}
	old := s.contacts.heard.Load()
	next := map[string]ClusterContact{}
	if old != nil {
		for name, c := range *old {
			// A deleted cluster's contact goes with it.
			if s.Registry.get(name) != nil {
				next[name] = c
			}
		}
	}
	for _, c := range got {
		if prev, ok := next[c.Cluster]; ok && !c.LastPoll.After(prev.LastPoll) {
			continue
		}
		next[c.Cluster] = c
		// The store has it: this replica need not write it, even once ContactHeard has
		// made it this replica's last contact too.
		if c.LastPoll.After(s.contacts.written[c.Cluster]) {
			if s.contacts.written == nil {
				s.contacts.written = map[string]time.Time{}
			}
			s.contacts.written[c.Cluster] = c.LastPoll
		}
		if s.ContactHeard != nil {
			s.ContactHeard(c)
		}
	}
	s.contacts.heard.Store(&next)
	s.conn.stale.Add(1) // a disconnected cluster may have made contact there
	return nil
}

// runContactSharing shares the contacts every ContactShareInterval until ctx ends, then
// writes this replica's last ones once more.
func (s *Server) runContactSharing(ctx context.Context) {
	interval := s.ContactShareInterval
	if interval <= 0 {
		interval = DefaultContactShareInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.contacts.mu.Lock()
			// The store is still open: the caller closes it after this returns.
			err := s.writeContacts(context.WithoutCancel(ctx))
			s.contacts.mu.Unlock()
			if err != nil {
				s.Log.Error(err, "Writing the clusters' last polls failed")
			}
			return
		case <-t.C:
			if err := s.ShareContacts(ctx); err != nil && ctx.Err() == nil {
				s.Log.Error(err, "Sharing the clusters' last polls with the other replicas failed")
			}
		}
	}
}
