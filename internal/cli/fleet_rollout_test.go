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

package cli_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/yaml"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

// branchOf is the branch of web an agent is given, "" if it has no copy.
func branchOf(g *WithT, cl *client.Cluster) string {
	list, err := cl.ListDesired(context.Background(), "")
	g.Expect(err).NotTo(HaveOccurred())
	for _, item := range list.Items {
		if item.Name == "web" {
			return item.Properties.GitRepository.RepositoryRef.Branch
		}
	}
	return ""
}

// copies maps each cluster holding a copy of web to the fleet revision it was made from,
// as fleet status reports them.
// step steps the rollouts that reports marked, as the endpoint's stepper does every
// RolloutStepInterval (the test endpoint runs no stepper, so the test says when).
func (h *harness) step(g *WithT) {
	g.Expect(h.endpoint.Server.StepRollouts(context.Background())).To(Succeed())
}

func (h *harness) copies(g *WithT) map[string]int64 {
	st := decodeJSON[dpv1.FleetStatus](g, h.ok("", "fleet", "status", "web", "-o", "json").stdout)
	out := map[string]int64{}
	for _, m := range st.Value {
		out[m.Cluster] = m.FleetRevision
	}
	return out
}

// reportWeb reports web's current operation on cl as Succeeded and Compliant, or Failed.
func reportWeb(g *WithT, cl *client.Cluster, failed string) {
	list, err := cl.ListDesired(context.Background(), "")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(list.Items).To(HaveLen(1))
	rep := &dpv1.StatusReport{OperationID: list.Items[0].OperationID, ProvisioningState: dpv1.ProvisioningSucceeded,
		ObservedStatus: dpv1.ObservedStatus{ComplianceState: dpv1.ComplianceCompliant}}
	if failed != "" {
		rep.ProvisioningState, rep.ErrorMessage, rep.ComplianceState = dpv1.ProvisioningFailed, failed, dpv1.ComplianceNonCompliant
	}
	g.Expect(cl.ReportStatus(context.Background(), "web", rep)).To(Succeed())
}

// TestCLI_FleetRollout stages a fleet configuration's revisions over a canary wave and a
// wave held for approval, and pauses, resumes, approves and rolls back through the CLI,
// against the real endpoint with registered agents.
func TestCLI_FleetRollout(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	canary := h.registerAgent(g, "canary-1", "tier=prod", "canary=true")
	east := h.registerAgent(g, "east-1", "tier=prod")
	west := h.registerAgent(g, "west-1", "tier=prod")

	r := h.run("", "fleet", "create", "web", "-u", "https://git.example.com/org/web", "--selector", "tier=prod",
		"--wave", "name=canary,selector=canary=true", "--wave", "name=rest,percent=200")
	g.Expect(r.code).To(Equal(2))
	g.Expect(r.stderr).To(ContainSubstring(`--wave "name=rest,percent=200": percent=200`))

	r = h.ok("", "fleet", "create", "web", "-u", "https://git.example.com/org/web", "--branch", "main", "--selector", "tier=prod",
		"--wave", "name=canary,selector=canary=true", "--wave", "name=rest,percent=100,approval=true", "--max-concurrent", "2", "-o", "json")
	created := decodeJSON[dpv1.FleetConfiguration](g, r.stdout)
	g.Expect(created.Rollout).NotTo(BeNil())
	g.Expect(created.Rollout.Waves).To(HaveLen(2))
	g.Expect(created.Rollout.Waves[1].RequireApproval).To(BeTrue())
	g.Expect(created.Rollout.MaxConcurrent).To(Equal(2))
	g.Expect(h.copies(g)).To(Equal(map[string]int64{"canary-1": 1}), "the rest wave waits for the canary")

	r = h.ok("", "fleet", "show", "web")
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^Waves:\s+canary \(canary=true\), rest \(100%, approval\)$`))
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^Rollout:\s+Progressing, revision 1$`))
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^Current wave:\s+canary$`))

	// pause holds it: the canary's success does not open the next wave until resume.
	r = h.ok("", "fleet", "pause", "web")
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^Phase:\s+Paused$`))
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^canary\s+1\s+1\s+0\s+0$`))
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^rest\s+2\s+0\s+0\s+0$`))
	reportWeb(g, canary, "")
	r = h.ok("", "fleet", "status", "web")
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^Rollout:\s+Paused, revision 1$`))
	r = h.ok("", "fleet", "resume", "web", "-o", "yaml")
	var resumed dpv1.FleetConfiguration
	g.Expect(yaml.UnmarshalStrict([]byte(r.stdout), &resumed)).To(Succeed())
	g.Expect(resumed.RolloutStatus.Phase).To(Equal(dpv1.RolloutWaitingForApproval))
	g.Expect(resumed.RolloutStatus.CurrentWave).To(Equal("rest"))
	r = h.ok("", "fleet", "status", "web")
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^Rollout:\s+WaitingForApproval, revision 1$`))
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^Current wave:\s+rest$`))
	g.Expect(h.copies(g)).To(Equal(map[string]int64{"canary-1": 1}))

	r = h.ok("", "fleet", "approve", "web")
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^Phase:\s+Progressing$`))
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^rest\s+2\s+2\s+0\s+0$`))
	g.Expect(h.copies(g)).To(Equal(map[string]int64{"canary-1": 1, "east-1": 1, "west-1": 1}))
	reportWeb(g, east, "")
	reportWeb(g, west, "")
	h.step(g)
	g.Expect(h.ok("", "fleet", "show", "web").stdout).To(MatchRegexp(`(?m)^Rollout:\s+Completed, revision 1$`))

	// update keeps the rollout: the next revision goes to the canary first, which fails.
	r = h.ok("", "fleet", "update", "web", "--branch", "release-2", "--max-failures", "0", "-o", "json")
	updated := decodeJSON[dpv1.FleetConfiguration](g, r.stdout)
	g.Expect(updated.Revision).To(Equal(int64(2)))
	g.Expect(updated.Rollout.Waves).To(Equal(created.Rollout.Waves), "kept")
	g.Expect(updated.Rollout.MaxFailures).To(Equal(&dpv1.IntOrPercent{Value: 0}))
	reportWeb(g, canary, "kustomization apps:\npath not found")
	h.step(g)
	g.Expect(h.copies(g)).To(Equal(map[string]int64{"canary-1": 2, "east-1": 1, "west-1": 1}))
	g.Expect(branchOf(g, east)).To(Equal("main"))
	g.Expect(h.ok("", "fleet", "status", "web").stdout).To(MatchRegexp(`(?m)^Rollout:\s+Halted \(1 failed\), revision 2, from 1$`))
	// resume excuses the failure, which stays listed; the canary wave is over, so the next waits.
	r = h.ok("", "fleet", "resume", "web")
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^Phase:\s+WaitingForApproval$`))
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^Rolling out:\s+revision 2, from 1$`))
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^canary\s+1\s+1\s+0\s+1$`))
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^canary-1\s+canary\s+kustomization apps: path not found$`))

	// rollback returns the canary to revision 1's properties at once, as revision 3.
	r = h.ok("", "fleet", "rollback", "web")
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^Fleet configuration:\s+web \(revision 3\)$`))
	g.Expect(branchOf(g, canary)).To(Equal("main"))

	// --immediate gives every cluster the previous revision at once and drops the rollout.
	r = h.ok("", "fleet", "rollback", "web", "--immediate")
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^Rollout:\s+none`))
	g.Expect(h.copies(g)).To(Equal(map[string]int64{"canary-1": 4, "east-1": 4, "west-1": 4}))
	g.Expect(branchOf(g, canary)).To(Equal("release-2"))
	shown := decodeJSON[dpv1.FleetConfiguration](g, h.ok("", "fleet", "show", "web", "-o", "json").stdout)
	g.Expect(shown.Rollout).To(BeNil())
	g.Expect(h.ok("", "fleet", "show", "web").stdout).NotTo(ContainSubstring("Current wave:"))
	r = h.run("", "fleet", "update", "web", "--max-concurrent", "3")
	g.Expect(r.code).To(Equal(2))
	g.Expect(r.stderr).To(ContainSubstring("--max-concurrent: a rollout needs its waves"))

	// A waves-only change is a revision of its own; --no-rollout removes it again.
	r = h.ok("", "fleet", "update", "web", "--wave", "name=all,percent=100", "-o", "json")
	g.Expect(decodeJSON[dpv1.FleetConfiguration](g, r.stdout).Rollout.Waves).To(HaveLen(1))
	r = h.ok("", "fleet", "update", "web", "--no-rollout", "-o", "json")
	g.Expect(decodeJSON[dpv1.FleetConfiguration](g, r.stdout).Rollout).To(BeNil())
	r = h.run("", "fleet", "approve", "nothing")
	g.Expect(r.code).To(Equal(1))
	g.Expect(r.stderr).To(ContainSubstring("does not exist"))
}
