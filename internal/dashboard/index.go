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
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fluxconfig/fluxconfig/internal/endpoint"
)

// Compliance states as the dashboard groups them; a record with none reported yet is Unknown.
const (
	Compliant    = "Compliant"
	NonCompliant = "Non-Compliant"
	Pending      = "Pending"
	Suspended    = "Suspended"
	Unknown      = "Unknown"
	// Disconnected is a cluster whose agent has not polled or reported for three poll
	// intervals; its configurations' states are the last it reported.
	Disconnected = "Disconnected"
)

// states are the compliance states in the order the dashboard lists them: worst first.
var states = []string{NonCompliant, Pending, Unknown, Suspended, Compliant}

// stateIndex is s's place in states; the endpoint's fleet status groups by the same rule.
func stateIndex(s string) int {
	return slices.Index(states, endpoint.ComplianceState(s))
}

// summary is what the overview needs of one configuration: a few strings, no statuses.
type summary struct {
	state        int
	provisioning string
	deleting     bool
	reportedAt   time.Time
}

// cluster is the index entry of one cluster.
type cluster struct {
	name    string
	configs map[string]summary
	// byState counts configs per state, so a state filter needs no walk of configs.
	byState [5]int
	// lastReport is the latest status report of any of its configurations.
	lastReport time.Time
	// lastPoll (unix nanoseconds) and agent are written on every poll without the index
	// lock: a poll must not wait behind a dashboard request.
	lastPoll atomic.Int64
	agent    atomic.Pointer[string]
}

// lastContact is the later of the last poll and the last report.
func (c *cluster) lastContact() time.Time {
	t := c.lastReport
	if p := c.lastPoll.Load(); p != 0 && time.Unix(0, p).After(t) {
		t = time.Unix(0, p).UTC()
	}
	return t
}

// Index is an endpoint.Store that keeps, next to the store it wraps, an in-memory summary
// of every record, so the overview of 10,000 clusters never reads the store. It is filled
// once from the store and then follows every write made through it; the endpoint must
// make all its writes through the Index.
type Index struct {
	endpoint.Store

	mu       sync.RWMutex
	clusters map[string]*cluster
	// sorted is every cluster by name, for paging and prefix filters; a view walks it
	// without a map lookup per cluster.
	sorted []*cluster
	// configs counts the clusters holding each configuration name.
	configs map[string]int
}

var _ endpoint.Store = (*Index)(nil)

// NewIndex reads every record of store once.
func NewIndex(ctx context.Context, store endpoint.Store) (*Index, error) {
	x := &Index{Store: store, clusters: map[string]*cluster{}, configs: map[string]int{}}
	recs, err := store.ListAll(ctx)
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		x.add(rec)
	}
	return x, nil
}

// Put implements endpoint.Store.
func (x *Index) Put(ctx context.Context, rec *endpoint.Record) error {
	if err := x.Store.Put(ctx, rec); err != nil {
		return err
	}
	x.written(rec)
	return nil
}

// PutAll implements endpoint.Store. The sweep writes through it, so a timed-out operation
// shows as Failed here too.
func (x *Index) PutAll(ctx context.Context, recs []*endpoint.Record) error {
	if err := x.Store.PutAll(ctx, recs); err != nil {
		return err
	}
	x.written(recs...)
	return nil
}

// written records the summaries of records the store has taken.
func (x *Index) written(recs ...*endpoint.Record) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, rec := range recs {
		x.add(rec)
	}
}

// Delete implements endpoint.Store.
func (x *Index) Delete(ctx context.Context, clusterName, name string) error {
	if err := x.Store.Delete(ctx, clusterName, name); err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	c := x.clusters[clusterName]
	if c == nil {
		return nil
	}
	if old, ok := c.configs[name]; ok {
		c.byState[old.state]--
		delete(c.configs, name)
		x.configs[name]--
		if x.configs[name] == 0 {
			delete(x.configs, name)
		}
	}
	// A cluster whose agent never polled is known only through its records.
	if len(c.configs) == 0 && c.lastPoll.Load() == 0 {
		x.removeCluster(clusterName)
	}
	return nil
}

// add records rec's summary; callers hold x.mu (or own x alone).
func (x *Index) add(rec *endpoint.Record) {
	c := x.cluster(rec.Cluster)
	p := rec.Properties
	s := summary{state: stateIndex(p.ComplianceState), provisioning: p.ProvisioningState, deleting: rec.Deleting}
	if p.StatusUpdatedAt != nil {
		s.reportedAt = *p.StatusUpdatedAt
		if s.reportedAt.After(c.lastReport) {
			c.lastReport = s.reportedAt
		}
	}
	if old, ok := c.configs[rec.Name]; ok {
		c.byState[old.state]--
	} else {
		x.configs[rec.Name]++
	}
	c.configs[rec.Name] = s
	c.byState[s.state]++
}

// cluster returns the entry of name, creating it; callers hold x.mu.
func (x *Index) cluster(name string) *cluster {
	c := x.clusters[name]
	if c == nil {
		c = &cluster{name: name, configs: map[string]summary{}}
		x.clusters[name] = c
		i, _ := x.search(name)
		x.sorted = slices.Insert(x.sorted, i, c)
	}
	return c
}

// search finds where name is, or would be, in x.sorted.
func (x *Index) search(name string) (int, bool) {
	return slices.BinarySearchFunc(x.sorted, name, func(c *cluster, n string) int { return strings.Compare(c.name, n) })
}

func (x *Index) removeCluster(name string) {
	delete(x.clusters, name)
	if i, ok := x.search(name); ok {
		x.sorted = slices.Delete(x.sorted, i, i+1)
	}
}

// contacted returns the entry of name for a contact, creating it if need be: only the
// first contact of a cluster takes the write lock.
func (x *Index) contacted(name string) *cluster {
	x.mu.RLock()
	c := x.clusters[name]
	x.mu.RUnlock()
	if c == nil {
		x.mu.Lock()
		c = x.cluster(name)
		x.mu.Unlock()
	}
	return c
}

// AgentSeen records an agent's poll or report and the agent's User-Agent; it fits
// endpoint.Server.AgentSeen. Only the first contact of a cluster takes the write lock.
func (x *Index) AgentSeen(clusterName, userAgent string, at time.Time) {
	c := x.contacted(clusterName)
	c.lastPoll.Store(at.UnixNano())
	if old := c.agent.Load(); old == nil || *old != userAgent {
		c.agent.Store(&userAgent)
	}
}

// ContactHeard records a contact another replica served, unless a later one is known.
func (x *Index) ContactHeard(clusterName, userAgent string, at time.Time) {
	c := x.contacted(clusterName)
	for {
		old := c.lastPoll.Load()
		if old >= at.UnixNano() {
			return
		}
		if c.lastPoll.CompareAndSwap(old, at.UnixNano()) {
			break
		}
	}
	c.agent.Store(&userAgent)
}

// ClusterContact is what the dashboard knows of an agent's contact.
type ClusterContact struct {
	LastPoll, LastReport time.Time
	Agent                string
}

// Contact returns what is known of the cluster's agent; ok is false for an unknown cluster.
func (x *Index) Contact(clusterName string) (ClusterContact, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	c := x.clusters[clusterName]
	if c == nil {
		return ClusterContact{}, false
	}
	out := c.polled()
	out.LastReport = c.lastReport
	return out, true
}

// LastPolls calls f with the place in names and the last poll and User-Agent of each of
// names the index knows, in their order. The lock is held only to copy the list of
// clusters, whose polls are read without it: a fleet's status asks for thousands while
// every report write-locks the index, and a lock taken per name would wait behind each.
func (x *Index) LastPolls(names []string, f func(i int, c ClusterContact)) {
	x.mu.RLock()
	sorted := slices.Clone(x.sorted)
	x.mu.RUnlock()
	at := 0
	for i, name := range names {
		// Names in order, as a fleet's members are, are each looked for from the previous
		// one on, and first right after it: a fleet on every cluster searches nothing.
		if i > 0 && name < names[i-1] {
			at = 0
		}
		if at+1 < len(sorted) && sorted[at+1].name == name {
			at++
		} else if at >= len(sorted) || sorted[at].name != name {
			j, _ := slices.BinarySearchFunc(sorted[at:], name, func(c *cluster, n string) int { return strings.Compare(c.name, n) })
			at += j
		}
		if at < len(sorted) && sorted[at].name == name {
			f(i, sorted[at].polled())
		}
	}
}

// polled is what is known of c's last poll; its fields are read without the index lock.
func (c *cluster) polled() ClusterContact {
	var out ClusterContact
	if p := c.lastPoll.Load(); p != 0 {
		out.LastPoll = time.Unix(0, p).UTC()
	}
	if a := c.agent.Load(); a != nil {
		out.Agent = *a
	}
	return out
}
