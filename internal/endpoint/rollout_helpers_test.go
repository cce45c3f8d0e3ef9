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

package endpoint_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// rolloutEnv is a fleet endpoint with n clusters labelled fleet=yes, c0 also canary=true.
type rolloutEnv struct {
	*fleetEnv
	names []string
}

func newRolloutEnv(t *testing.T, st testStore, n int) *rolloutEnv {
	e := &rolloutEnv{fleetEnv: newFleetEnv(t, st)}
	e.addClusters(n)
	return e
}

func (e *rolloutEnv) addClusters(n int) {
	for i := range n {
		name := fmt.Sprintf("c%d", i)
		labels := map[string]string{"fleet": "yes"}
		if i == 0 {
			labels["canary"] = "true"
		}
		e.cluster(name, labels)
		e.names = append(e.names, name)
	}
}

func pct(n int) *int { return &n }

// rolloutSpec is fleetSpec over fleet=yes at the given branch, rolled out by r.
func rolloutSpec(branch string, r *dpv1.FleetRollout) *dpv1.FleetConfiguration {
	f := fleetSpec(matchLabels("fleet", "yes"))
	f.Properties.GitRepository.RepositoryRef.Branch = branch
	f.Rollout = r
	return f
}

// onBranch lists the clusters whose agents see web at branch.
func (e *rolloutEnv) onBranch(branch string) []string {
	e.t.Helper()
	var out []string
	for _, c := range e.names {
		if d := e.entry(c, "web"); d != nil && !d.Deleting && d.Properties.GitRepository.RepositoryRef.Branch == branch {
			out = append(out, c)
		}
	}
	return out
}

// report sends cluster's agent report on web's current operation.
func (e *rolloutEnv) report(cluster, state, compliance, message string) {
	e.t.Helper()
	d := e.entry(cluster, "web")
	if d == nil {
		e.t.Fatalf("%s has no web", cluster)
	}
	rep := &dpv1.StatusReport{OperationID: d.OperationID, ProvisioningState: state, ErrorMessage: message}
	rep.ComplianceState = compliance
	if err := e.agents[cluster].ReportStatus(context.Background(), "web", rep); err != nil {
		e.t.Fatal(err)
	}
}

// comply reports every cluster at branch Compliant, as its agent would once applied.
func (e *rolloutEnv) comply(branch string) {
	e.t.Helper()
	for _, c := range e.onBranch(branch) {
		e.report(c, dpv1.ProvisioningSucceeded, "Compliant", "")
	}
}

func (e *rolloutEnv) status() *dpv1.FleetRolloutStatus {
	e.t.Helper()
	f, err := e.admin.GetFleet(context.Background(), "web")
	if err != nil {
		e.t.Fatal(err)
	}
	if f.RolloutStatus == nil {
		e.t.Fatal("web has no rolloutStatus")
	}
	return f.RolloutStatus
}

func (e *rolloutEnv) tick() {
	e.t.Helper()
	if err := e.srv.TickRollouts(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// step runs the rollout stepper once, as Server.Run does every RolloutStepInterval: a
// report only marks its fleet configuration for it.
func (e *rolloutEnv) step() {
	e.t.Helper()
	if err := e.srv.StepRollouts(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// without is a minus b.
func without(a, b []string) []string {
	return slices.DeleteFunc(slices.Clone(a), func(s string) bool { return slices.Contains(b, s) })
}
