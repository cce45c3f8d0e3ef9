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
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// settle prints each sample's compliance as it changes until every one is Compliant, the
// timeout passes or a process exits, then returns the table of where they stand.
func settle(ctx context.Context, c client.Client, configs []sampleRef, start time.Time, timeout time.Duration, failed <-chan *process) (string, error) {
	fmt.Printf("Waiting for %d samples to become Compliant (at most %s)\n", len(configs), timeout)
	deadline := time.After(timeout)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	last := map[string]v1alpha1.ComplianceState{}
	for {
		fcs, all := readSamples(ctx, c, configs)
		for i, ref := range configs {
			state := fcs[i].Status.ComplianceState
			if state != last[ref.String()] {
				fmt.Printf("  %5.1fs  %-30s %s\n", time.Since(start).Seconds(), ref, orUnknown(state))
				last[ref.String()] = state
			}
		}
		if all {
			return fmt.Sprintf("\nAll %d samples Compliant %.0f s after start:\n\n%s", len(configs), time.Since(start).Seconds(), table(configs, fcs)), nil
		}
		select {
		case <-ctx.Done():
			return "", nil
		case p := <-failed:
			return "", p.exited()
		case <-deadline:
			return fmt.Sprintf("\nNot every sample is Compliant after %s; see the logs in the state directory:\n\n%s", timeout, table(configs, fcs)), nil
		case <-tick.C:
		}
	}
}

// readSamples reads each sample; all is whether every one is Compliant.
func readSamples(ctx context.Context, c client.Client, configs []sampleRef) ([]v1alpha1.FluxConfig, bool) {
	out := make([]v1alpha1.FluxConfig, len(configs))
	all := true
	for i, ref := range configs {
		if err := c.Get(ctx, types.NamespacedName{Namespace: ref.namespace, Name: ref.name}, &out[i]); err != nil {
			all = false
			continue
		}
		all = all && out[i].Status.ComplianceState == v1alpha1.Compliant
	}
	return out, all
}

// table is the samples' compliance, one row each.
func table(configs []sampleRef, fcs []v1alpha1.FluxConfig) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "  NAMESPACE\tNAME\tSOURCE\tCOMPLIANCE\tSYNCED COMMIT")
	for i, ref := range configs {
		st := fcs[i].Status
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%s\n", ref.namespace, ref.name, ref.sourceKind, orUnknown(st.ComplianceState), orDash(st.SourceSyncedCommitID))
	}
	_ = w.Flush()
	return b.String()
}

func orUnknown(s v1alpha1.ComplianceState) string {
	if s == "" {
		return "-"
	}
	return string(s)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
