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
	"maps"
	"slices"
	"strings"
	"time"
)

// Filter selects and pages the rows of a view; it comes from the query string.
type Filter struct {
	// State is a compliance state, Disconnected, or empty for every connected cluster.
	State string
	// Prefix keeps the clusters whose name starts with it.
	Prefix string
	// Page counts from 1.
	Page, PageSize int
}

func (f Filter) window() (first, last int) {
	first = (f.Page - 1) * f.PageSize
	return first, first + f.PageSize
}

// Row is one cluster of a view: its configurations' states, or one configuration's.
type Row struct {
	Cluster      string
	Disconnected bool
	LastContact  time.Time
	// States maps configuration names to their compliance state.
	States map[string]string
}

// Page is the rows of one page of a view and the counts of everything the filter's name
// prefix selects.
type Page struct {
	Rows []Row
	// Total is how many rows the whole filter selects.
	Total int
	// Clusters and DisconnectedClusters count the clusters matching the prefix.
	Clusters, DisconnectedClusters int
	// Configs counts the configurations of connected clusters per compliance state.
	Configs map[string]int
	// Apart is the first disconnected clusters, shown apart from the other rows.
	Apart []Row
}

// fleet answers a view with one pass over the clusters that match the prefix: memory only,
// a few map reads per cluster. config limits the view to one configuration name ("" for
// all); cutoff is the time before which a last contact means Disconnected.
// apart is how many disconnected clusters to collect into Page.Apart.
func (x *Index) fleet(f Filter, config string, cutoff time.Time, apart int) Page {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := Page{Configs: map[string]int{}}
	first, last := f.window()
	start, _ := x.search(f.Prefix)
	for _, c := range x.sorted[start:] {
		if !strings.HasPrefix(c.name, f.Prefix) {
			break
		}
		var one summary
		if config != "" {
			var ok bool
			if one, ok = c.configs[config]; !ok {
				continue
			}
		}
		contact := c.lastContact()
		disconnected := contact.Before(cutoff)
		out.Clusters++
		switch {
		case disconnected:
			out.DisconnectedClusters++
		case config != "":
			out.Configs[states[one.state]]++
		default:
			for i, n := range c.byState {
				if n > 0 {
					out.Configs[states[i]] += n
				}
			}
		}
		if disconnected && f.State != Disconnected && len(out.Apart) < apart {
			out.Apart = append(out.Apart, row(c, config, one, contact, disconnected))
		}
		if !selects(f.State, disconnected, config, one, c) {
			continue
		}
		if out.Total >= first && out.Total < last {
			out.Rows = append(out.Rows, row(c, config, one, contact, disconnected))
		}
		out.Total++
	}
	return out
}

func row(c *cluster, config string, one summary, contact time.Time, disconnected bool) Row {
	r := Row{Cluster: c.name, Disconnected: disconnected, LastContact: contact, States: map[string]string{}}
	if config != "" {
		r.States[config] = states[one.state]
		return r
	}
	for n, s := range c.configs {
		r.States[n] = states[s.state]
	}
	return r
}

// selects says whether a cluster (or its one configuration) is a row of the filter.
// Disconnected clusters are shown apart: only the Disconnected filter lists them.
func selects(state string, disconnected bool, config string, one summary, c *cluster) bool {
	switch {
	case state == Disconnected:
		return disconnected
	case disconnected:
		return false
	case state == "":
		return true
	case config != "":
		return states[one.state] == state
	default:
		return c.byState[stateIndex(state)] > 0
	}
}

// Columns are the configuration names of rows, sorted.
func Columns(rows []Row) []string {
	set := map[string]bool{}
	for _, r := range rows {
		for n := range r.States {
			set[n] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}
