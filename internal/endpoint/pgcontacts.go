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
	"slices"
	"strings"
	"time"
)

// ClusterContact is a cluster agent's latest contact, as replicas share it.
type ClusterContact struct {
	Cluster  string
	LastPoll time.Time
	// UserAgent is the agent's User-Agent header.
	UserAgent string
}

// ContactStore shares the clusters' latest contacts between the replicas of a store,
// written and read in batches, never once a poll.
type ContactStore interface {
	// PutContacts records contacts in one statement; a stored contact that is later than
	// the one given is kept. Contacts of unregistered clusters are dropped.
	PutContacts(ctx context.Context, contacts []ClusterContact) error
	// ContactsSince returns the contacts written at or after since, by the store's clock,
	// and that clock's time before the read: since for the next call, less some overlap
	// for writes still in flight. The zero since returns every contact.
	ContactsSince(ctx context.Context, since time.Time) (contacts []ClusterContact, now time.Time, err error)
}

var _ ContactStore = (*PgStore)(nil)

// PutContacts implements ContactStore: one UPSERT of unnested arrays. The rows are taken
// in name order, so two replicas writing overlapping batches never deadlock.
func (p *PgStore) PutContacts(ctx context.Context, contacts []ClusterContact) error {
	if len(contacts) == 0 {
		return nil
	}
	contacts = slices.SortedFunc(slices.Values(contacts), func(a, b ClusterContact) int { return strings.Compare(a.Cluster, b.Cluster) })
	names := make([]string, len(contacts))
	polls := make([]time.Time, len(contacts))
	agents := make([]string, len(contacts))
	for i, c := range contacts {
		names[i], polls[i], agents[i] = c.Cluster, c.LastPoll.UTC(), c.UserAgent
	}
	_, err := p.pool.Exec(ctx, `INSERT INTO fluxconfig_contacts AS c (cluster, last_poll, user_agent)
		SELECT u.cluster, u.last_poll, u.user_agent
		FROM unnest($1::text[], $2::timestamptz[], $3::text[]) AS u(cluster, last_poll, user_agent)
		JOIN fluxconfig_clusters r ON r.name = u.cluster
		ORDER BY u.cluster
		ON CONFLICT (cluster) DO UPDATE
		SET last_poll = EXCLUDED.last_poll, user_agent = EXCLUDED.user_agent, written_at = now()
		WHERE EXCLUDED.last_poll > c.last_poll`, names, polls, agents)
	return err
}

// ContactsSince implements ContactStore.
func (p *PgStore) ContactsSince(ctx context.Context, since time.Time) ([]ClusterContact, time.Time, error) {
	var now time.Time
	if err := p.pool.QueryRow(ctx, "SELECT clock_timestamp()").Scan(&now); err != nil {
		return nil, time.Time{}, err
	}
	rows, err := p.pool.Query(ctx, `SELECT cluster, last_poll, user_agent FROM fluxconfig_contacts
		WHERE written_at >= $1`, since)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer rows.Close()
	var out []ClusterContact
	for rows.Next() {
		var c ClusterContact
		if err := rows.Scan(&c.Cluster, &c.LastPoll, &c.UserAgent); err != nil {
			return nil, time.Time{}, err
		}
		c.LastPoll = c.LastPoll.UTC()
		out = append(out, c)
	}
	return out, now, rows.Err()
}
