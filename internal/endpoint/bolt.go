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
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

var recordsBucket = []byte("fluxConfigurations")

// BoltStore is a Store in a single bbolt file. Every write transaction is fsync'd before it
// returns, so an acknowledged write survives kill -9. Records' writes that arrive together
// share a transaction (groupcommit.go).
type BoltStore struct {
	db        *bolt.DB
	records   groupCommit
	summaries fleetSummaryCache
}

var _ Store = (*BoltStore)(nil)

// OpenBolt opens (or creates) the store file at path, readable by the owner only.
func OpenBolt(path string) (*BoltStore, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 10 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	// Durability is the point of this store; never trade it for speed.
	db.NoSync = false
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{recordsBucket, clustersBucket, fleetsBucket, fleetRevisionsBucket} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("initialising store %s: %w", path, err)
	}
	return &BoltStore{db: db, records: groupCommit{db: db}}, nil
}

// key orders records by cluster then name; NUL cannot occur in either.
func key(cluster, name string) []byte { return []byte(cluster + "\x00" + name) }

// Get implements Store.
func (s *BoltStore) Get(_ context.Context, cluster, name string) (*Record, error) {
	return boltGet[Record](s.db, recordsBucket, key(cluster, name), ErrNotFound)
}

// List implements Store.
func (s *BoltStore) List(_ context.Context, cluster string) ([]*Record, error) {
	return boltScan[Record](s.db, recordsBucket, []byte(cluster+"\x00"), "")
}

// ListAll implements Store.
func (s *BoltStore) ListAll(_ context.Context) ([]*Record, error) {
	return boltScan[Record](s.db, recordsBucket, nil, "")
}

// boltGet decodes the value of k in bucket; missing when there is none.
func boltGet[T any](db *bolt.DB, bucket, k []byte, missing error) (*T, error) {
	var out *T
	err := db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucket).Get(k)
		if v == nil {
			return missing
		}
		out = new(T)
		return json.Unmarshal(v, out)
	})
	return out, err
}

// boltScan decodes, in key order, the values of bucket whose keys start with prefix (all of
// them when it is empty); what names the kind of document in an error.
func boltScan[T any](db *bolt.DB, bucket, prefix []byte, what string) ([]*T, error) {
	var out []*T
	err := db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			doc := new(T)
			if err := json.Unmarshal(v, doc); err != nil {
				return fmt.Errorf("decoding %s%q: %w", what, k, err)
			}
			out = append(out, doc)
		}
		return nil
	})
	return out, err
}

// Put implements Store.
func (s *BoltStore) Put(_ context.Context, rec *Record) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return s.records.update(func(tx *bolt.Tx) error {
		return tx.Bucket(recordsBucket).Put(key(rec.Cluster, rec.Name), data)
	})
}

// PutAll creates or replaces many records in one transaction, so importing a fleet pays one
// fsync instead of one per record. Either every record is stored or none is.
func (s *BoltStore) PutAll(_ context.Context, recs []*Record) error {
	return boltPutAll(s.records.update, recordsBucket, recs, func(rec *Record) []byte { return key(rec.Cluster, rec.Name) })
}

// boltPutAll stores docs as JSON in bucket under keyOf's keys, in one transaction that
// update runs (bolt.DB's Update, or a groupCommit's).
func boltPutAll[T any](update func(func(*bolt.Tx) error) error, bucket []byte, docs []*T, keyOf func(*T) []byte) error {
	data := make([][]byte, len(docs))
	for i, doc := range docs {
		var err error
		if data[i], err = json.Marshal(doc); err != nil {
			return err
		}
	}
	return update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		for i, doc := range docs {
			if err := b.Put(keyOf(doc), data[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// Delete implements Store.
func (s *BoltStore) Delete(_ context.Context, cluster, name string) error {
	return s.records.update(func(tx *bolt.Tx) error {
		return tx.Bucket(recordsBucket).Delete(key(cluster, name))
	})
}

// Close implements Store.
func (s *BoltStore) Close() error { return s.db.Close() }
