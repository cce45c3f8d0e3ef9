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

package dashboard

import (
	"context"
	"time"

	"github.com/fluxconfig/fluxconfig/internal/endpoint"
)

// Changed follows a write another endpoint replica committed to the shared store (see
// endpoint.Change): the writes of this replica already went through the Index, the others'
// did not, so the cluster's records are read again.
func (x *Index) Changed(ctx context.Context, c endpoint.Change) error {
	if c.Missed {
		recs, err := x.ListAll(ctx)
		if err != nil {
			return err
		}
		byCluster := map[string][]*endpoint.Record{}
		for _, rec := range recs {
			byCluster[rec.Cluster] = append(byCluster[rec.Cluster], rec)
		}
		x.mu.Lock()
		defer x.mu.Unlock()
		for _, cl := range x.sorted {
			if _, ok := byCluster[cl.name]; !ok {
				byCluster[cl.name] = nil
			}
		}
		for name, recs := range byCluster {
			x.replace(name, recs)
		}
		return nil
	}
	if !c.Records {
		return nil
	}
	recs, err := x.List(ctx, c.Cluster)
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.replace(c.Cluster, recs)
	return nil
}

// replace makes recs the cluster's whole set of records; callers hold x.mu.
func (x *Index) replace(name string, recs []*endpoint.Record) {
	if c := x.clusters[name]; c != nil {
		for config, s := range c.configs {
			c.byState[s.state]--
			delete(c.configs, config)
			if x.configs[config]--; x.configs[config] == 0 {
				delete(x.configs, config)
			}
		}
		c.lastReport = time.Time{}
	}
	for _, rec := range recs {
		x.add(rec)
	}
	// A cluster whose agent never polled is known only through its records.
	if c := x.clusters[name]; c != nil && len(c.configs) == 0 && c.lastPoll.Load() == 0 {
		x.removeCluster(name)
	}
}
