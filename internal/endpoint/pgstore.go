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
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PgStore is a Store and ClusterStore in PostgreSQL, for endpoint replicas that share one
// database. Every write commits before it returns and, in the same transaction, notifies
// the replicas of the clusters it changed (see Listen), so they hear of it only once it is
// committed.
type PgStore struct {
	pool *pgxpool.Pool
	// locks holds the transactions of LockClusters apart from pool: a lock holder reads
	// and writes through pool, so sharing one pool could starve it.
	locks     *pgxpool.Pool
	summaries fleetSummaryCache
}

var (
	_ Store        = (*PgStore)(nil)
	_ ClusterStore = (*PgStore)(nil)
)

// OpenPostgres connects to the database at url (postgres://...) and migrates its schema.
func OpenPostgres(ctx context.Context, url string) (*PgStore, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse error may quote the URL, password included.
		return nil, errors.New("the database URL is not a valid postgres:// URL or DSN")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	lockCfg := cfg.Copy()
	lockCfg.MaxConns = 4
	locks, err := pgxpool.NewWithConfig(ctx, lockCfg)
	if err != nil {
		pool.Close()
		return nil, err
	}
	p := &PgStore{pool: pool, locks: locks}
	if err := migrate(ctx, pool); err != nil {
		p.Close()
		return nil, fmt.Errorf("preparing the database schema: %w", err)
	}
	return p, nil
}

// Close implements Store.
func (p *PgStore) Close() error {
	p.locks.Close()
	p.pool.Close()
	return nil
}

// Get implements Store.
func (p *PgStore) Get(ctx context.Context, cluster, name string) (*Record, error) {
	return queryDoc[Record](ctx, p.pool, ErrNotFound, "SELECT doc FROM fluxconfig_records WHERE cluster = $1 AND name = $2", cluster, name)
}

// List implements Store.
func (p *PgStore) List(ctx context.Context, cluster string) ([]*Record, error) {
	return queryDocs[Record](ctx, p.pool, "SELECT doc FROM fluxconfig_records WHERE cluster = $1 ORDER BY name", cluster)
}

// ListAll implements Store.
func (p *PgStore) ListAll(ctx context.Context) ([]*Record, error) {
	return queryDocs[Record](ctx, p.pool, "SELECT doc FROM fluxconfig_records ORDER BY cluster, name")
}

// Put implements Store.
func (p *PgStore) Put(ctx context.Context, rec *Record) error { return p.PutAll(ctx, []*Record{rec}) }

// PutAll implements Store in one transaction.
func (p *PgStore) PutAll(ctx context.Context, recs []*Record) error {
	b := &pgx.Batch{}
	clusters := map[string]bool{}
	for _, rec := range recs {
		doc, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		b.Queue(`INSERT INTO fluxconfig_records (cluster, name, doc) VALUES ($1, $2, $3)
			ON CONFLICT (cluster, name) DO UPDATE SET doc = EXCLUDED.doc`, rec.Cluster, rec.Name, doc)
		clusters[rec.Cluster] = true
	}
	for c := range clusters {
		queueNotify(b, changeRecords, c)
	}
	return p.writeBatch(ctx, b)
}

// Delete implements Store.
func (p *PgStore) Delete(ctx context.Context, cluster, name string) error {
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM fluxconfig_records WHERE cluster = $1 AND name = $2", cluster, name)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		_, err = tx.Exec(ctx, notifySQL, notifyPayload(changeRecords, cluster))
		return err
	})
}

// GetCluster implements ClusterStore.
func (p *PgStore) GetCluster(ctx context.Context, name string) (*ClusterRecord, error) {
	return queryDoc[ClusterRecord](ctx, p.pool, ErrClusterNotFound, "SELECT doc FROM fluxconfig_clusters WHERE name = $1", name)
}

// ListClusters implements ClusterStore.
func (p *PgStore) ListClusters(ctx context.Context) ([]*ClusterRecord, error) {
	return queryDocs[ClusterRecord](ctx, p.pool, "SELECT doc FROM fluxconfig_clusters ORDER BY name")
}

// PutClusters implements ClusterStore in one transaction.
func (p *PgStore) PutClusters(ctx context.Context, recs []*ClusterRecord) error {
	b := &pgx.Batch{}
	for _, rec := range recs {
		doc, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		b.Queue(`INSERT INTO fluxconfig_clusters (name, doc) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET doc = EXCLUDED.doc`, rec.Name, doc)
		queueNotify(b, changeCluster, rec.Name)
	}
	return p.writeBatch(ctx, b)
}

// DeleteCluster implements ClusterStore.
func (p *PgStore) DeleteCluster(ctx context.Context, name string) error {
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM fluxconfig_clusters WHERE name = $1", name)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		// A registration made again under the name starts with no contact.
		if _, err := tx.Exec(ctx, "DELETE FROM fluxconfig_contacts WHERE cluster = $1", name); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, notifySQL, notifyPayload(changeCluster, name))
		return err
	})
}

// writeBatch sends b in one transaction: every statement commits, or none does.
func (p *PgStore) writeBatch(ctx context.Context, b *pgx.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		return tx.SendBatch(ctx, b).Close()
	})
}

// queryDoc decodes the one document sql selects; missing when there is none.
func queryDoc[T any](ctx context.Context, pool *pgxpool.Pool, missing error, sql string, args ...any) (*T, error) {
	var doc []byte
	err := pool.QueryRow(ctx, sql, args...).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, missing
	}
	if err != nil {
		return nil, err
	}
	v := new(T)
	return v, json.Unmarshal(doc, v)
}

// queryDocs decodes the JSON document of every row sql returns.
func queryDocs[T any](ctx context.Context, pool *pgxpool.Pool, sql string, args ...any) ([]*T, error) {
	rows, err := pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		v := new(T)
		if err := json.Unmarshal(doc, v); err != nil {
			return nil, fmt.Errorf("decoding a stored document: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
