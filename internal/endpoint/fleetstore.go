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
	"encoding/binary"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// ErrFleetNotFound is returned by a FleetStore for a fleet configuration it does not hold.
var ErrFleetNotFound = errors.New("fleet configuration not found")

// MaxFleetRevisions is how many revisions of a fleet configuration are kept.
const MaxFleetRevisions = 10

// FleetRecord is one revision of a fleet configuration: the current one, or one of its
// history. It never holds a secret: fleet configurations refuse protected settings.
type FleetRecord struct {
	Name       string                           `json:"name"`
	Revision   int64                            `json:"revision"`
	Properties dpv1.FluxConfigurationProperties `json:"properties"`
	Placement  dpv1.FleetPlacement              `json:"placement"`
	Rollout    *dpv1.FleetRollout               `json:"rollout,omitempty"`
	// Progress is the rollout of this revision, when it has a rollout (see rollout.go).
	Progress *RolloutProgress `json:"progress,omitempty"`
	// CreatedAt is when this revision was accepted.
	CreatedAt time.Time `json:"createdAt"`
}

// FleetStore keeps fleet configurations and their recent revisions durably: a call that
// returned nil survives a crash of the process. Implementations must be safe for
// concurrent use. The records a fleet configuration materialises live in the Store.
type FleetStore interface {
	// GetFleet returns the current revision of name or ErrFleetNotFound.
	GetFleet(ctx context.Context, name string) (*FleetRecord, error)
	// ListFleets returns the current revision of every fleet configuration, ordered by name.
	ListFleets(ctx context.Context) ([]*FleetRecord, error)
	// PutFleet makes f the current revision of f.Name and adds it to the history, keeping
	// the last MaxFleetRevisions, in one durable write.
	PutFleet(ctx context.Context, f *FleetRecord) error
	// ListFleetRevisions returns the kept revisions of name, newest first; none when the
	// fleet configuration does not exist.
	ListFleetRevisions(ctx context.Context, name string) ([]*FleetRecord, error)
	// DeleteFleet removes a fleet configuration and its history; deleting a missing one is
	// not an error.
	DeleteFleet(ctx context.Context, name string) error
}

// fleetSummaries is a FleetStore that also reads a fleet configuration for its views: its
// progress holds only the rollout's status. At thousands of clusters decoding every
// cluster's progress dominates a read, which a status request, or a dashboard polling the
// rollout, need not pay.
type fleetSummaries interface {
	GetFleetSummary(ctx context.Context, name string) (*FleetRecord, error)
}

// decodeFleetSummary decodes a stored fleet configuration for fleetSummaries.
func decodeFleetSummary(doc []byte) (*FleetRecord, error) {
	var d struct {
		FleetRecord
		// Shallower than FleetRecord's, so it takes the field: the clusters are skipped.
		Progress *struct {
			Status dpv1.FleetRolloutStatus `json:"status"`
		} `json:"progress,omitempty"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, err
	}
	f := d.FleetRecord
	if d.Progress != nil {
		f.Progress = &RolloutProgress{Status: d.Progress.Status}
	}
	return &f, nil
}

// fleetSummaryCache keeps each fleet configuration's last decoded summary with the stored
// document it came from. The document holds every selected cluster's rollout progress
// (about a megabyte at 10,000 clusters), and decoding it, even to skip that part, is most of
// what a status query or a rollout step's check costs, while the document changes at most
// once a step. The same bytes decode the same, and comparing them costs a fraction of
// decoding them.
type fleetSummaryCache struct {
	mu     sync.Mutex
	byName map[string]cachedFleetSummary
}

type cachedFleetSummary struct {
	doc []byte
	f   *FleetRecord
}

// decode returns decodeFleetSummary(doc), from the cache when name's document is unchanged;
// the caller may change the record it gets, not what it points to.
func (c *fleetSummaryCache) decode(name string, doc []byte) (*FleetRecord, error) {
	c.mu.Lock()
	hit, ok := c.byName[name]
	c.mu.Unlock()
	if !ok || !bytes.Equal(hit.doc, doc) {
		f, err := decodeFleetSummary(doc)
		if err != nil {
			return nil, err
		}
		hit = cachedFleetSummary{doc: bytes.Clone(doc), f: f}
		c.mu.Lock()
		if c.byName == nil {
			c.byName = map[string]cachedFleetSummary{}
		}
		c.byName[name] = hit
		c.mu.Unlock()
	}
	f := *hit.f
	if f.Progress != nil {
		progress := *f.Progress
		f.Progress = &progress
	}
	return &f, nil
}

// forget drops name's summary, once its fleet configuration is found gone.
func (c *fleetSummaryCache) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.byName, name)
}

// fleetSummary reads fleet configuration name for a view (fleetView, a status): not for
// stepping, nor for writing back.
func (s *Server) fleetSummary(ctx context.Context, name string) (*FleetRecord, error) {
	if fs, ok := s.Fleets.(fleetSummaries); ok {
		return fs.GetFleetSummary(ctx, name)
	}
	return s.Fleets.GetFleet(ctx, name)
}

var (
	fleetsBucket         = []byte("fleets")
	fleetRevisionsBucket = []byte("fleetRevisions")
)

var _ FleetStore = (*BoltStore)(nil)

// revisionKey orders a fleet's revisions oldest first; NUL cannot occur in a name.
func revisionKey(name string, revision int64) []byte {
	k := append([]byte(name), 0)
	return binary.BigEndian.AppendUint64(k, uint64(revision))
}

// GetFleet implements FleetStore.
func (s *BoltStore) GetFleet(_ context.Context, name string) (*FleetRecord, error) {
	return boltGet[FleetRecord](s.db, fleetsBucket, []byte(name), ErrFleetNotFound)
}

// GetFleetSummary implements fleetSummaries.
func (s *BoltStore) GetFleetSummary(_ context.Context, name string) (*FleetRecord, error) {
	var f *FleetRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(fleetsBucket).Get([]byte(name))
		if v == nil {
			s.summaries.forget(name)
			return ErrFleetNotFound
		}
		var err error
		f, err = s.summaries.decode(name, v)
		return err
	})
	return f, err
}

// ListFleets implements FleetStore; bbolt keeps keys sorted.
func (s *BoltStore) ListFleets(_ context.Context) ([]*FleetRecord, error) {
	return boltScan[FleetRecord](s.db, fleetsBucket, nil, "fleet configuration ")
}

// PutFleet implements FleetStore in one fsync'd transaction.
func (s *BoltStore) PutFleet(_ context.Context, f *FleetRecord) error {
	data, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(fleetsBucket).Put([]byte(f.Name), data); err != nil {
			return err
		}
		revs := tx.Bucket(fleetRevisionsBucket)
		if err := revs.Put(revisionKey(f.Name, f.Revision), data); err != nil {
			return err
		}
		if f.Revision <= MaxFleetRevisions {
			return nil
		}
		// Drop what falls out of the window; keys are big-endian, so they sort by revision.
		prefix, keepFrom := append([]byte(f.Name), 0), revisionKey(f.Name, f.Revision-MaxFleetRevisions+1)
		c := revs.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && bytes.Compare(k, keepFrom) < 0; k, _ = c.Next() {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListFleetRevisions implements FleetStore.
func (s *BoltStore) ListFleetRevisions(_ context.Context, name string) ([]*FleetRecord, error) {
	out, err := boltScan[FleetRecord](s.db, fleetRevisionsBucket, append([]byte(name), 0), "revision ")
	slices.Reverse(out) // stored oldest first
	return out, err
}

// DeleteFleet implements FleetStore.
func (s *BoltStore) DeleteFleet(_ context.Context, name string) error {
	s.summaries.forget(name)
	prefix := append([]byte(name), 0)
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(fleetsBucket).Delete([]byte(name)); err != nil {
			return err
		}
		c := tx.Bucket(fleetRevisionsBucket).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return nil
	})
}
