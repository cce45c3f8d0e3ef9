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
	"hash/fnv"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5"
)

var (
	_ Locker = (*PgStore)(nil)
	_ Leader = (*PgLeader)(nil)
)

// LeaderApplicationName is the application_name of the connection holding the sweep lead.
const LeaderApplicationName = "fluxconfig-endpoint-sweep-leader"

// sweepLockKey is the session advisory lock the sweeping replica holds.
const sweepLockKey = 0x666c7578_00000002

// fleetLockKey is the transaction advisory lock every LockClusters holder shares and
// LockFleet holds alone.
const fleetLockKey = 0x666c7578_00000003

// clusterLockKey is the advisory lock key of a cluster's records. A hash may be shared by
// two clusters: they then merely wait for each other.
func clusterLockKey(cluster string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("fluxconfig/records/" + cluster))
	return int64(h.Sum64())
}

// LockClusters implements Locker with transaction-level advisory locks, taken in key order
// so two replicas locking overlapping clusters never deadlock. The transaction only holds
// the locks: reads and writes go through the store as usual and commit on their own, so
// an acknowledged write never waits for the unlock. A replica that dies holding a lock
// loses its connection, and PostgreSQL releases the lock with it.
func (p *PgStore) LockClusters(ctx context.Context, clusters []string) (unlock func(), err error) {
	keys := make([]int64, 0, len(clusters))
	for _, c := range clusters {
		keys = append(keys, clusterLockKey(c))
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	// The fleet lock first, shared, so every holder takes its locks in one order.
	locks := []advisoryLock{{"SELECT pg_advisory_xact_lock_shared($1)", int64(fleetLockKey)}}
	for _, k := range keys {
		locks = append(locks, advisoryLock{"SELECT pg_advisory_xact_lock($1)", k})
	}
	return p.holdLocks(ctx, locks)
}

// LockFleet implements Locker: the fleet lock, exclusive, in a transaction that holds
// nothing else.
func (p *PgStore) LockFleet(ctx context.Context) (unlock func(), err error) {
	return p.holdLocks(ctx, []advisoryLock{{"SELECT pg_advisory_xact_lock($1)", int64(fleetLockKey)}})
}

// advisoryLock is a transaction-level advisory lock: the statement that takes it, and its key.
type advisoryLock struct {
	query string
	key   int64
}

// holdLocks takes locks in order in a new transaction, which holds them until release.
func (p *PgStore) holdLocks(ctx context.Context, locks []advisoryLock) (release func(), err error) {
	tx, err := p.locks.Begin(ctx)
	if err != nil {
		return nil, err
	}
	release = func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }
	for _, l := range locks {
		if _, err := tx.Exec(ctx, l.query, l.key); err != nil {
			release()
			return nil, err
		}
	}
	return release, nil
}

// PgLeader elects the sweeping replica with a session advisory lock held on a connection
// of its own: when the leader dies, or its connection breaks, PostgreSQL releases the lock
// and the next replica to ask takes it.
type PgLeader struct {
	cfg  *pgx.ConnConfig
	key  int64
	mu   sync.Mutex
	conn *pgx.Conn
}

// Leader returns the store's sweep leader election; Close releases the lead.
func (p *PgStore) Leader() *PgLeader {
	cfg := p.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = LeaderApplicationName
	return &PgLeader{cfg: cfg, key: sweepLockKey}
}

// Leading implements Leader. The leader checks its connection still works: if it broke,
// the lock went with it, and the lead is sought again like any other replica would.
func (l *PgLeader) Leading(ctx context.Context) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		if err := l.conn.Ping(ctx); err == nil {
			return true
		}
		_ = l.conn.Close(context.WithoutCancel(ctx))
		l.conn = nil
	}
	conn, err := pgx.ConnectConfig(ctx, l.cfg)
	if err != nil {
		return false
	}
	var got bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", l.key).Scan(&got); err != nil || !got {
		_ = conn.Close(context.WithoutCancel(ctx))
		return false
	}
	l.conn = conn
	return true
}

// Close gives the lead up, if held.
func (l *PgLeader) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		_ = l.conn.Close(context.Background())
		l.conn = nil
	}
}
