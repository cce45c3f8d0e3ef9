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
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrClusterNotFound is returned by a ClusterStore for a cluster it does not hold.
var ErrClusterNotFound = errors.New("cluster not registered")

// ClusterRecord is what the endpoint keeps about one registered cluster. It never holds a
// token, only the SHA-256 of each: the tokens are 256 random bits, so a plain hash cannot
// be reversed by guessing.
type ClusterRecord struct {
	Name      string            `json:"name"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"createdAt"`
	// TokenHash is the hex SHA-256 of the current agent token.
	TokenHash     string    `json:"tokenHash"`
	TokenIssuedAt time.Time `json:"tokenIssuedAt"`
	// PreviousTokenHash is the token the last rotation replaced, accepted until
	// PreviousValidUntil.
	PreviousTokenHash  string    `json:"previousTokenHash,omitempty"`
	PreviousValidUntil time.Time `json:"previousValidUntil,omitzero"`
	// LastPoll and AgentVersion are persisted in batches, not at every poll: after a
	// restart they may lag by one persistence interval.
	LastPoll     time.Time `json:"lastPoll,omitzero"`
	AgentVersion string    `json:"agentVersion,omitempty"`
}

// ClusterStore keeps cluster registrations durably: a call that returned nil survives a
// crash of the process. Implementations must be safe for concurrent use.
type ClusterStore interface {
	// GetCluster returns the registration of name or ErrClusterNotFound.
	GetCluster(ctx context.Context, name string) (*ClusterRecord, error)
	// ListClusters returns every registration ordered by name.
	ListClusters(ctx context.Context) ([]*ClusterRecord, error)
	// PutClusters creates or replaces registrations in one durable write: all or none.
	PutClusters(ctx context.Context, recs []*ClusterRecord) error
	// DeleteCluster removes a registration; deleting a missing one is not an error.
	DeleteCluster(ctx context.Context, name string) error
}

var clustersBucket = []byte("clusters")

var _ ClusterStore = (*BoltStore)(nil)

// GetCluster implements ClusterStore.
func (s *BoltStore) GetCluster(_ context.Context, name string) (*ClusterRecord, error) {
	return boltGet[ClusterRecord](s.db, clustersBucket, []byte(name), ErrClusterNotFound)
}

// ListClusters implements ClusterStore; bbolt keeps keys sorted, so no sort is needed.
func (s *BoltStore) ListClusters(_ context.Context) ([]*ClusterRecord, error) {
	return boltScan[ClusterRecord](s.db, clustersBucket, nil, "cluster ")
}

// PutClusters implements ClusterStore in one fsync'd transaction.
func (s *BoltStore) PutClusters(_ context.Context, recs []*ClusterRecord) error {
	return boltPutAll(s.db.Update, clustersBucket, recs, func(rec *ClusterRecord) []byte { return []byte(rec.Name) })
}

// DeleteCluster implements ClusterStore.
func (s *BoltStore) DeleteCluster(_ context.Context, name string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(clustersBucket).Delete([]byte(name))
	})
}
