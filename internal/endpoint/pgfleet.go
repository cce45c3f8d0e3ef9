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

	"github.com/jackc/pgx/v5"
)

var _ FleetStore = (*PgStore)(nil)

// GetFleet implements FleetStore.
func (p *PgStore) GetFleet(ctx context.Context, name string) (*FleetRecord, error) {
	return queryDoc[FleetRecord](ctx, p.pool, ErrFleetNotFound, "SELECT doc FROM fluxconfig_fleets WHERE name = $1", name)
}

// GetFleetSummary implements fleetSummaries.
func (p *PgStore) GetFleetSummary(ctx context.Context, name string) (*FleetRecord, error) {
	var doc []byte
	err := p.pool.QueryRow(ctx, "SELECT doc FROM fluxconfig_fleets WHERE name = $1", name).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		p.summaries.forget(name)
		return nil, ErrFleetNotFound
	}
	if err != nil {
		return nil, err
	}
	return p.summaries.decode(name, doc)
}

// ListFleets implements FleetStore.
func (p *PgStore) ListFleets(ctx context.Context) ([]*FleetRecord, error) {
	return queryDocs[FleetRecord](ctx, p.pool, "SELECT doc FROM fluxconfig_fleets ORDER BY name")
}

// PutFleet implements FleetStore in one transaction: the current revision, its place in the
// history, and the history cut to the last MaxFleetRevisions.
func (p *PgStore) PutFleet(ctx context.Context, f *FleetRecord) error {
	doc, err := json.Marshal(f)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO fluxconfig_fleets (name, doc) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET doc = EXCLUDED.doc`, f.Name, doc)
	b.Queue(`INSERT INTO fluxconfig_fleet_revisions (name, revision, doc) VALUES ($1, $2, $3)
		ON CONFLICT (name, revision) DO UPDATE SET doc = EXCLUDED.doc`, f.Name, f.Revision, doc)
	b.Queue("DELETE FROM fluxconfig_fleet_revisions WHERE name = $1 AND revision <= $2", f.Name, f.Revision-MaxFleetRevisions)
	return p.writeBatch(ctx, b)
}

// ListFleetRevisions implements FleetStore.
func (p *PgStore) ListFleetRevisions(ctx context.Context, name string) ([]*FleetRecord, error) {
	return queryDocs[FleetRecord](ctx, p.pool, "SELECT doc FROM fluxconfig_fleet_revisions WHERE name = $1 ORDER BY revision DESC", name)
}

// DeleteFleet implements FleetStore.
func (p *PgStore) DeleteFleet(ctx context.Context, name string) error {
	p.summaries.forget(name)
	b := &pgx.Batch{}
	b.Queue("DELETE FROM fluxconfig_fleet_revisions WHERE name = $1", name)
	b.Queue("DELETE FROM fluxconfig_fleets WHERE name = $1", name)
	return p.writeBatch(ctx, b)
}
