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
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"sync"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/arm"
)

// dnsLabel is a DNS-1123 label: what a cluster name must be for its agent to authenticate
// and to label the objects it writes.
var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// validCluster says whether cluster can name a cluster.
func validCluster(cluster string) bool { return dnsLabel.MatchString(cluster) }

// refuseCluster answers 400 for a {cluster} path segment no agent could ever authenticate for.
func refuseCluster(w http.ResponseWriter, cluster string) {
	writeError(w, http.StatusBadRequest, "InvalidRequestContent", "cluster",
		fmt.Sprintf("cluster: %q in the path is not a DNS-1123 label; a cluster name is at most 63 lowercase "+
			"letters, digits and '-', starting and ending with a letter or digit, as its token file and its "+
			"agent's --cluster-name are", cluster))
}

// correlationID returns the request's X-Correlation-Id, or answers 400 when the FluxConfig
// could not hold it.
func correlationID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.Header.Get(correlationHeader)
	if len(id) > dpv1.MaxCorrelationIDLength {
		writeError(w, http.StatusBadRequest, "InvalidRequestContent", correlationHeader,
			fmt.Sprintf("%s: is %d characters, longer than %d; send a shorter id (a UUID is 36)",
				correlationHeader, len(id), dpv1.MaxCorrelationIDLength))
		return "", false
	}
	return id, true
}

// checkSubstitute bounds postBuild.substitute: every value is sent to the agent in each
// list answer, so unbounded values could make a set its agent refuses.
func checkSubstitute(p *dpv1.FluxConfigurationProperties) error {
	for _, name := range slices.Sorted(maps.Keys(p.Kustomizations)) {
		k := p.Kustomizations[name]
		if k == nil || k.PostBuild == nil {
			continue
		}
		field := fmt.Sprintf("properties.kustomizations[%s].postBuild.substitute", name)
		if n := len(k.PostBuild.Substitute); n > dpv1.MaxSubstituteVariables {
			return &arm.FieldError{Field: field, Message: fmt.Sprintf("has %d variables, more than %d; "+
				"move the rest into a ConfigMap or Secret and read it with substituteFrom", n, dpv1.MaxSubstituteVariables)}
		}
		for _, v := range slices.Sorted(maps.Keys(k.PostBuild.Substitute)) {
			if n := len(k.PostBuild.Substitute[v]); n > dpv1.MaxSubstituteValueBytes {
				return &arm.FieldError{Field: field + "." + v, Message: fmt.Sprintf("is %d bytes, more than %d; "+
					"put a large value in a ConfigMap or Secret and read it with substituteFrom", n, dpv1.MaxSubstituteValueBytes)}
			}
		}
	}
	return nil
}

// listEnvelope is what the agent's list answer adds around its items: {"value":[...]}.
const listEnvelope = len(`{"value":[]}`)

// entrySize is the number of bytes rec adds to its cluster's agent list answer, the comma
// between items included.
func entrySize(rec *Record) (int, error) {
	data, err := entryJSON(rec)
	return len(data) + 1, err
}

// entryJSON is rec's entry in its cluster's desired set as the agent receives it: two
// records with equal entries give their agent the same set.
func entryJSON(rec *Record) ([]byte, error) {
	return json.Marshal(desired(rec))
}

// setSizes keeps each record's entrySize per cluster, so a write checks its cluster's total
// without reading or encoding the other records. It is filled per cluster on its first write
// and then kept current by every write. A cluster's map is read and changed only by holders
// of that cluster's write lock (or of the fleet lock); mu guards the map of clusters, which
// writers of different clusters share.
type setSizes struct {
	mu        sync.Mutex
	byCluster map[string]map[string]int
}

// get returns cluster's entry sizes, if loaded.
func (c *setSizes) get(cluster string) (map[string]int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sizes, ok := c.byCluster[cluster]
	return sizes, ok
}

// set keeps cluster's entry sizes.
func (c *setSizes) set(cluster string, sizes map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byCluster == nil {
		c.byCluster = map[string]map[string]int{}
	}
	c.byCluster[cluster] = sizes
}

// drop forgets cluster's sizes: they are loaded afresh at its next write.
func (c *setSizes) drop(cluster string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.byCluster, cluster)
}

// dropAll forgets every cluster's sizes.
func (c *setSizes) dropAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.byCluster)
}

// clusterSizes returns the entry sizes of cluster's records, loading them once.
func (s *Server) clusterSizes(ctx context.Context, cluster string) (map[string]int, error) {
	if sizes, ok := s.sizes.get(cluster); ok {
		return sizes, nil
	}
	recs, err := s.Store.List(ctx, cluster)
	if err != nil {
		return nil, err
	}
	sizes := make(map[string]int, len(recs))
	for _, rec := range recs {
		if sizes[rec.Name], err = entrySize(rec); err != nil {
			return nil, err
		}
	}
	s.sizes.set(cluster, sizes)
	return sizes, nil
}

// setTotal is the size of the agent list answer of sizes with name's entry set to size.
func setTotal(sizes map[string]int, name string, size int) int {
	total := listEnvelope - 1 + size
	for other, n := range sizes {
		if other != name {
			total += n
		}
	}
	return total
}

// checkSetSize answers 413 when storing rec would make its cluster's desired set larger than
// the agent accepts. A set already over the limit (stored by an older endpoint) may still
// shrink.
func (s *Server) checkSetSize(w http.ResponseWriter, r *http.Request, rec *Record) bool {
	sizes, err := s.clusterSizes(r.Context(), rec.Cluster)
	if err != nil {
		s.writeInternal(w, r, err)
		return false
	}
	size, err := entrySize(rec)
	if err != nil {
		s.writeInternal(w, r, err)
		return false
	}
	total := setTotal(sizes, rec.Name, size)
	if total <= dpv1.MaxClusterSetBytes || total <= setTotal(sizes, rec.Name, sizes[rec.Name]) {
		return true
	}
	writeError(w, http.StatusRequestEntityTooLarge, "ClusterSetTooLarge", "properties",
		fmt.Sprintf("with this configuration, cluster %s's desired set would be %d bytes, over the limit of %d "+
			"(its agent refuses an answer over %d); shrink or remove configurations of this cluster first",
			rec.Cluster, total, dpv1.MaxClusterSetBytes, dpv1.MaxResponseBytes))
	return false
}

// sized records rec's new entry size after a write, if its cluster's sizes are loaded.
func (s *Server) sized(rec *Record) {
	entry, err := entryJSON(rec)
	s.sizedEntry(rec, entry, err)
}

// sizedEntry is sized with rec's entry already encoded (err: it could not be).
func (s *Server) sizedEntry(rec *Record, entry []byte, err error) {
	sizes, ok := s.sizes.get(rec.Cluster)
	if !ok {
		return
	}
	if err == nil {
		sizes[rec.Name] = len(entry) + 1
	} else {
		// Unknown: load the cluster afresh at its next write.
		s.sizes.drop(rec.Cluster)
	}
}

// unsized forgets a deleted record's entry.
func (s *Server) unsized(cluster, name string) {
	if sizes, ok := s.sizes.get(cluster); ok {
		delete(sizes, name)
	}
}

// checkSizes refuses writes that would make a cluster's desired set larger than its agent
// accepts; a set already over the limit may still shrink. Callers hold the clusters' write
// locks or the fleet lock.
func (s *Server) checkSizes(ctx context.Context, recs []*Record) error {
	byCluster := map[string][]*Record{}
	for _, rec := range recs {
		byCluster[rec.Cluster] = append(byCluster[rec.Cluster], rec)
	}
	for cluster, recs := range byCluster {
		sizes, err := s.clusterSizes(ctx, cluster)
		if err != nil {
			return err
		}
		after := maps.Clone(sizes)
		for _, rec := range recs {
			if rec.Deleting {
				// A removal is never refused, even from a set already over the limit.
				continue
			}
			if after[rec.Name], err = entrySize(rec); err != nil {
				return err
			}
		}
		// No record is named "": these are the totals of every entry.
		total, before := setTotal(after, "", 0), setTotal(sizes, "", 0)
		if total > dpv1.MaxClusterSetBytes && total > before {
			return &planError{code: http.StatusRequestEntityTooLarge, errCode: "ClusterSetTooLarge", target: "properties",
				message: fmt.Sprintf("cluster %s's desired set would be %d bytes, over the limit of %d "+
					"(its agent refuses an answer over %d); shrink or remove configurations of this cluster first",
					cluster, total, dpv1.MaxClusterSetBytes, dpv1.MaxResponseBytes)}
		}
	}
	return nil
}
