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

package main

import (
	"context"
	"flag"

	"github.com/fluxconfig/fluxconfig/internal/endpoint"
)

// databaseURLEnv holds the PostgreSQL URL when --database-url is absent.
const databaseURLEnv = "FLUXCONFIG_DATABASE_URL"

// store is what both stores are: the configurations, the cluster registry and the fleet
// configurations.
type store interface {
	endpoint.Store
	endpoint.ClusterStore
	endpoint.FleetStore
}

// openStore opens PostgreSQL when url is set, else the bbolt file.
func openStore(ctx context.Context, file, url string) (store, error) {
	if url != "" {
		return endpoint.OpenPostgres(ctx, url)
	}
	return endpoint.OpenBolt(file)
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
