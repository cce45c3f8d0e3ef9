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

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// ErrNotFound is returned by a Store for a configuration it does not hold.
var ErrNotFound = errors.New("configuration not found")

// Record is everything the endpoint keeps about one configuration of one cluster.
type Record struct {
	Cluster string `json:"cluster"`
	Name    string `json:"name"`
	// Properties are the desired configuration without any secret, plus the status fields
	// the agent reported.
	Properties dpv1.FluxConfigurationProperties `json:"properties"`
	// ProtectedSettings are base64 secret values waiting for delivery.
	ProtectedSettings map[string]string `json:"protectedSettings,omitempty"`
	// ProtectedUntil is when ProtectedSettings are purged even if never delivered.
	ProtectedUntil time.Time `json:"protectedUntil,omitzero"`
	// OperationID identifies the latest management operation.
	OperationID   string `json:"operationId"`
	CorrelationID string `json:"correlationId,omitempty"`
	// OperationStartedAt is when the latest operation was accepted.
	OperationStartedAt time.Time `json:"operationStartedAt"`
	// OperationDone is set once the agent acknowledged the operation or it timed out.
	OperationDone bool `json:"operationDone"`
	// OperationTimedOut is set when the operation ended Failed because the agent did not
	// acknowledge it in time; a late report then no longer changes its outcome.
	OperationTimedOut bool `json:"operationTimedOut,omitempty"`
	// Deleting is set by a DELETE until the agent reports the FluxConfig gone.
	Deleting bool `json:"deleting,omitempty"`
	// Fleet names the fleet configuration this record materialises, if any: only that
	// fleet configuration may change it.
	Fleet string `json:"fleet,omitempty"`
	// FleetRevision is the revision of Fleet the record was last made from.
	FleetRevision int64 `json:"fleetRevision,omitempty"`
}

// Store keeps records durably: a call that returned nil survives a crash of the process.
// Implementations must be safe for concurrent use.
type Store interface {
	// Get returns the record of cluster/name or ErrNotFound.
	Get(ctx context.Context, cluster, name string) (*Record, error)
	// List returns the records of cluster ordered by name.
	List(ctx context.Context, cluster string) ([]*Record, error)
	// ListAll returns every record of every cluster.
	ListAll(ctx context.Context) ([]*Record, error)
	// Put creates or replaces a record.
	Put(ctx context.Context, rec *Record) error
	// PutAll creates or replaces many records in one durable write: all or none.
	PutAll(ctx context.Context, recs []*Record) error
	// Delete removes a record; deleting a missing record is not an error.
	Delete(ctx context.Context, cluster, name string) error
	// Close releases the store.
	Close() error
}
