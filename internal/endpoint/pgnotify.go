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
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// notifyChannel is where every write announces the cluster it changed. PostgreSQL delivers
// a NOTIFY at commit, never for a write rolled back, and folds repeats in one transaction.
const notifyChannel = "fluxconfig_changes"

// ListenerApplicationName is the application_name of each replica's listening connection.
const ListenerApplicationName = "fluxconfig-endpoint-listener"

const notifySQL = "SELECT pg_notify('" + notifyChannel + "', $1)"

// ChangeKind says what a change touched.
type ChangeKind byte

const (
	// changeRecords: the cluster's configurations.
	changeRecords ChangeKind = 'r'
	// changeCluster: the cluster's registration.
	changeCluster ChangeKind = 'c'
)

// Change is a write committed to a shared store, by this replica or another.
type Change struct {
	// Cluster is the cluster the write changed.
	Cluster string
	// Records and Registration say what of it changed.
	Records, Registration bool
	// Missed is set, with no cluster, when changes may have gone unheard (the listening
	// connection was lost, or has just been opened): every cache must be dropped.
	Missed bool
}

func notifyPayload(kind ChangeKind, cluster string) string { return string(kind) + ":" + cluster }

func queueNotify(b *pgx.Batch, kind ChangeKind, cluster string) {
	b.Queue(notifySQL, notifyPayload(kind, cluster))
}

func parseChange(payload string) (Change, bool) {
	kind, cluster, ok := strings.Cut(payload, ":")
	if !ok || len(kind) != 1 || cluster == "" {
		return Change{}, false
	}
	return Change{Cluster: cluster, Records: kind[0] == byte(changeRecords), Registration: kind[0] == byte(changeCluster)}, true
}

// listenHealthCheck is how long the listening connection may stay silent before it is
// checked; a connection lost without a word would otherwise hide every change.
const listenHealthCheck = 15 * time.Second

// Listen calls on for every change committed to the store, by any replica, until ctx ends.
// It listens on a connection of its own and reconnects when it is lost, with a backoff;
// after every (re)connection it first calls on with Missed, since changes may have been
// committed while nobody listened. onErr hears why a connection was lost.
func (p *PgStore) Listen(ctx context.Context, on func(Change), onErr func(error)) {
	backoff := 100 * time.Millisecond
	for {
		start := time.Now()
		err := p.listenOnce(ctx, on)
		if ctx.Err() != nil {
			return
		}
		if onErr != nil {
			onErr(err)
		}
		if time.Since(start) > time.Minute {
			backoff = 100 * time.Millisecond
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (p *PgStore) listenOnce(ctx context.Context, on func(Change)) error {
	cfg := p.pool.Config().ConnConfig.Copy()
	// Named, so an operator (or a test) can tell it in pg_stat_activity.
	cfg.RuntimeParams["application_name"] = ListenerApplicationName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return err
	}
	on(Change{Missed: true})
	for {
		wait, cancel := context.WithTimeout(ctx, listenHealthCheck)
		n, err := conn.WaitForNotification(wait)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			if _, err := conn.Exec(ctx, "SELECT 1"); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			if c, ok := parseChange(n.Payload); ok {
				on(c)
			}
		}
	}
}

// Replicate makes srv one of the replicas sharing p: its writes are serialised per cluster
// with theirs, one of them sweeps, and every change any of them commits reaches srv's
// caches, then each of also (the dashboard's index); the clusters' contacts are shared
// (see ShareContacts). It returns once the replica listens, or after listenStartup while it
// keeps trying. The returned stop waits, once ctx ended, for the listener to end and the
// last contacts to be written, and gives the sweep lead up.
func Replicate(ctx context.Context, srv *Server, p *PgStore, also ...func(context.Context, Change) error) (stop func()) {
	srv.Locker = p
	leader := p.Leader()
	srv.Leader = leader
	srv.Contacts = p
	// Before serving, so a cluster polling only the others is not shown Disconnected.
	if err := srv.ShareContacts(ctx); err != nil {
		srv.Log.Error(err, "Reading the clusters' last polls failed; the next share reads them")
	}
	sharing := make(chan struct{})
	go func() { defer close(sharing); srv.runContactSharing(ctx) }()
	done, listening := make(chan struct{}), make(chan struct{})
	var once sync.Once
	go func() {
		defer close(done)
		p.Listen(ctx, func(c Change) {
			defer once.Do(func() { close(listening) })
			for _, apply := range append([]func(context.Context, Change) error{srv.Changed}, also...) {
				if err := apply(ctx, c); err != nil && ctx.Err() == nil {
					srv.Log.Error(err, "Rereading a change committed by a replica failed", "cluster", c.Cluster)
				}
			}
		}, func(err error) {
			srv.Log.Error(err, "Lost the connection that hears the replicas' changes; reconnecting")
		})
	}()
	select {
	case <-listening:
	case <-done:
	case <-time.After(listenStartup):
	}
	return func() { <-done; <-sharing; leader.Close() }
}

// listenStartup bounds how long Replicate waits for the first listening connection.
const listenStartup = 10 * time.Second
