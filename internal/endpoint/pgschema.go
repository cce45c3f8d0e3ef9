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
	"embed"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgSchema holds the schema migrations, NNNN_what.sql, applied in order and each once. A
// migration that shipped is never edited: a change is a new file.
//
//go:embed pgschema/*.sql
var pgSchema embed.FS

// migrateLockKey is the advisory lock replicas starting together take, so only one of them
// migrates and the others see its result.
const migrateLockKey = 0x666c7578_00000001

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	files, err := pgSchema.ReadDir("pgschema")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, f := range files {
		prefix, _, _ := strings.Cut(f.Name(), "_")
		v, err := strconv.Atoi(prefix)
		if err != nil {
			return nil, fmt.Errorf("migration %s: the name must start with its version number", f.Name())
		}
		data, err := pgSchema.ReadFile(path.Join("pgschema", f.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: f.Name(), sql: string(data)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	return out, nil
}

// migrate brings the schema to the newest version this binary knows, in one transaction.
// A database migrated by a newer binary is refused rather than written in an older shape.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	all, err := migrations()
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrateLockKey)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS fluxconfig_schema (
			version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return err
		}
		var current int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM fluxconfig_schema").Scan(&current); err != nil {
			return err
		}
		if newest := all[len(all)-1].version; current > newest {
			return fmt.Errorf("the database schema is at version %d, newer than this fluxconfig-endpoint knows (%d): upgrade fluxconfig-endpoint", current, newest)
		}
		for _, m := range all {
			if m.version <= current {
				continue
			}
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("applying migration %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO fluxconfig_schema (version, name) VALUES ($1, $2)", m.version, m.name); err != nil {
				return err
			}
		}
		return nil
	})
}
