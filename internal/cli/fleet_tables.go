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

package cli

import (
	"fmt"
	"io"
	"strings"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// The tables of the fleet verbs.

func fleetTable(f *dpv1.FleetConfiguration) func(io.Writer) {
	return func(w io.Writer) {
		cfg := &dpv1.FluxConfiguration{Name: f.Name, Properties: f.Properties}
		fmt.Fprintf(w, "Revision:\t%d\nUpdated:\t%s\nSelector:\t%s\n", f.Revision, timeOf(f.UpdatedAt), selectorString(f.Placement.ClusterSelector))
		if f.Rollout != nil {
			fmt.Fprintf(w, "Waves:\t%s\n", wavesString(f.Rollout))
		}
		rolloutRows(w, f.RolloutStatus)
		// The rest as a configuration shows, without the status a fleet has per cluster.
		var rows strings.Builder
		configTable(cfg)(&rows)
		for _, line := range strings.SplitAfter(rows.String(), "\n") {
			if !strings.HasPrefix(line, "Provisioning:") && !strings.HasPrefix(line, "Compliance:") &&
				!strings.HasPrefix(line, "Synced commit:") && !strings.HasPrefix(line, "Objects:") {
				fmt.Fprint(w, line)
			}
		}
	}
}

func fleetsTable(fleets []dpv1.FleetConfiguration) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintln(w, "NAME\tREVISION\tNAMESPACE\tKIND\tURL\tSELECTOR\tUPDATED")
		for _, f := range fleets {
			p := f.Properties
			url, _ := sourceOf(p)
			fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", f.Name, f.Revision, p.Namespace, kindOf(p.SourceKind), orDash(url),
				selectorString(f.Placement.ClusterSelector), timeOf(f.UpdatedAt))
		}
	}
}

func fleetStatusTable(st *dpv1.FleetStatus) func(io.Writer) {
	return func(w io.Writer) {
		c := st.Counts
		fmt.Fprintf(w, "Fleet configuration:\t%s (revision %d)\nClusters:\t%d\n", st.Name, st.Revision, st.Clusters)
		rolloutRows(w, st.Rollout)
		fmt.Fprintf(w, "States:\t%d Non-Compliant, %d Disconnected, %d Pending, %d Unknown, %d Suspended, %d Compliant\n",
			c.NonCompliant, c.Disconnected, c.Pending, c.Unknown, c.Suspended, c.Compliant)
		commits := make([]string, 0, len(st.Commits))
		for _, k := range sortedKeys(st.Commits) {
			commits = append(commits, fmt.Sprintf("%s (%d)", k, st.Commits[k]))
		}
		fmt.Fprintf(w, "Commits:\t%s\n\n", orDash(strings.Join(commits, ", ")))
		fmt.Fprintln(w, "CLUSTER\tSTATE\tCOMMIT\tREVISION\tLAST STATUS\tMESSAGE")
		for _, m := range st.Value {
			fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\n", m.Cluster, m.State, orDash(m.Commit), m.FleetRevision, timeOf(m.LastStatusTime), orDash(oneLine(m.Message)))
		}
	}
}

func revisionsTable(revs []dpv1.FleetRevision) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintln(w, "REVISION\tCREATED\tURL\tREFERENCE\tSELECTOR")
		for _, r := range revs {
			url, ref := sourceOf(r.Properties)
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", r.Revision, timeOf(&r.CreatedAt), orDash(url), orDash(ref), selectorString(r.Placement.ClusterSelector))
		}
	}
}

// oneLine keeps a table row on one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
