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
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

// The verbs that steer a fleet configuration's staged rollout. Each prints the rollout's
// status as the endpoint returns it after the operation.

func (a *app) fleetRolloutCommands() []*cobra.Command {
	op := func(use, short, long string, call func(*client.Client, context.Context, string) (*dpv1.FleetConfiguration, error)) *cobra.Command {
		return a.fleetVerb(&cobra.Command{Use: use, Short: short, Long: long},
			func(cmd *cobra.Command, c *client.Client, name string) error {
				out, err := call(c, cmd.Context(), name)
				if err != nil {
					return err
				}
				return a.render(out, rolloutTable(out))
			})
	}
	var immediate bool
	rollback := op("rollback", "Roll a fleet configuration back to its previous revision",
		`Make the previous revision's properties and placement the next revision, rolled out with the
current waves. A rollback during a rollout returns the clusters it reached to the revision
it rolled out from at once. With --immediate every cluster gets it at once, and the fleet
configuration is left without a rollout: give it --wave again with 'fleet update'.`,
		func(c *client.Client, ctx context.Context, name string) (*dpv1.FleetConfiguration, error) {
			return c.RollbackFleet(ctx, name, immediate)
		})
	rollback.Flags().BoolVar(&immediate, "immediate", false, "give the previous revision to every cluster at once, and remove the rollout")
	return []*cobra.Command{
		op("pause", "Pause a fleet configuration's rollout",
			`Hold the current revision's rollout: no more clusters get it until 'fleet resume'.`,
			(*client.Client).PauseRollout),
		op("resume", "Resume a paused or halted rollout",
			`Resume a paused or halted rollout. The failures of a halted one stay listed but no longer
count against --max-failures.`,
			(*client.Client).ResumeRollout),
		op("approve", "Approve the rollout wave waiting for approval",
			`Let the wave waiting for approval (a --wave with approval=true) begin.`,
			(*client.Client).ApproveRollout),
		rollback,
	}
}

// rolloutTable is the rollout status of f: phase, waves and failed clusters.
func rolloutTable(f *dpv1.FleetConfiguration) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintf(w, "Fleet configuration:\t%s (revision %d)\n", f.Name, f.Revision)
		st := f.RolloutStatus
		if st == nil {
			fmt.Fprintln(w, "Rollout:\tnone; every selected cluster gets each revision at once")
			return
		}
		fmt.Fprintf(w, "Phase:\t%s\nRolling out:\t%s\nCurrent wave:\t%s\n\n", st.Phase, revisionsOf(st), orDash(st.CurrentWave))
		fmt.Fprintln(w, "WAVE\tCLUSTERS\tUPDATED\tDONE\tFAILED")
		for _, wv := range st.Waves {
			fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\n", wv.Name, wv.Clusters, wv.Updated, wv.Done, wv.Failed)
		}
		if len(st.FailedClusters) > 0 {
			fmt.Fprintln(w, "\nFAILED CLUSTER\tWAVE\tMESSAGE")
			for _, fc := range st.FailedClusters {
				fmt.Fprintf(w, "%s\t%s\t%s\n", fc.Cluster, fc.Wave, orDash(oneLine(fc.Message)))
			}
		}
	}
}

func revisionsOf(st *dpv1.FleetRolloutStatus) string {
	if st.FromRevision == 0 {
		return fmt.Sprintf("revision %d", st.Revision)
	}
	return fmt.Sprintf("revision %d, from %d", st.Revision, st.FromRevision)
}

// rolloutRows are the rollout lines of fleet show and status: the phase and the wave.
func rolloutRows(w io.Writer, st *dpv1.FleetRolloutStatus) {
	if st == nil {
		return
	}
	phase := st.Phase
	if n := len(st.FailedClusters); n > 0 {
		phase += fmt.Sprintf(" (%d failed)", n)
	}
	fmt.Fprintf(w, "Rollout:\t%s, %s\nCurrent wave:\t%s\n", phase, revisionsOf(st), orDash(st.CurrentWave))
}

// wavesString writes a rollout strategy's waves on one line, for fleet show.
func wavesString(r *dpv1.FleetRollout) string {
	waves := make([]string, 0, len(r.Waves))
	for _, w := range r.Waves {
		what := selectorString(w.ClusterSelector)
		if w.Percent != nil {
			what = fmt.Sprintf("%d%%", *w.Percent)
		}
		if w.RequireApproval {
			what += ", approval"
		}
		waves = append(waves, fmt.Sprintf("%s (%s)", w.Name, what))
	}
	return strings.Join(waves, ", ")
}
