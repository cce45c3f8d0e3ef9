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
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/yaml"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

// registerAgent registers cluster with labels through the CLI and returns its agent's client.
func (h *harness) registerAgent(g *WithT, cluster string, labels ...string) *client.Cluster {
	args := []string{"cluster", "register", cluster}
	for _, l := range labels {
		args = append(args, "--label", l)
	}
	token := strings.TrimSpace(h.ok("", args...).stdout)
	c, err := client.New(client.Options{Endpoint: h.endpoint.URL, Token: token})
	g.Expect(err).NotTo(HaveOccurred())
	return c.Cluster(cluster)
}

// TestCLI_Fleet creates, updates, lists, shows, and deletes a fleet configuration, and reads
// its status and revisions, against the real endpoint with registered clusters and agents.
func TestCLI_Fleet(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	ctx := context.Background()
	east := h.registerAgent(g, "east-1", "region=eu", "tier=prod")
	west := h.registerAgent(g, "west-1", "region=us", "tier=prod")
	h.registerAgent(g, "dev-1", "region=eu", "tier=dev")

	// A selector is required; secrets are refused before anything is read or sent.
	r := h.run("", "fleet", "create", "web", "-u", "https://git.example.com/org/web", "--branch", "main")
	g.Expect(r.code).To(Equal(2))
	g.Expect(r.stderr).To(ContainSubstring("--selector or --selector-expression"))
	r = h.run("", "fleet", "create", "web", "-u", "https://git.example.com/org/web", "--all-clusters", "--https-key", "-")
	g.Expect(r.code).To(Equal(2))
	g.Expect(r.stderr).To(ContainSubstring("--https-key: a fleet configuration cannot carry secrets"))
	r = h.run("", "fleet", "create", "web", "-u", "https://x", "--selector", "region in (eu")
	g.Expect(r.code).To(Equal(2))
	g.Expect(r.stderr).To(ContainSubstring(`--selector "region in (eu"`))

	r = h.ok("", "fleet", "create", "web", "--namespace", "web", "-u", "https://git.example.com/org/web", "--branch", "main",
		"--local-auth-ref", "git-auth", "--kustomization", "name=apps", "path=./deploy", "prune=true",
		"--selector", "tier=prod", "--selector-expression", "region in (eu,us)", "-o", "json")
	created := decodeJSON[dpv1.FleetConfiguration](g, r.stdout)
	g.Expect(created.Revision).To(Equal(int64(1)))
	g.Expect(created.Placement.ClusterSelector).To(Equal(&dpv1.LabelSelector{MatchLabels: map[string]string{"tier": "prod"},
		MatchExpressions: []dpv1.LabelSelectorRequirement{{Key: "region", Operator: dpv1.SelectorOpIn, Values: []string{"eu", "us"}}}}))
	g.Expect(created.Properties.Kustomizations).To(HaveKey("apps"))
	r = h.run("", "fleet", "create", "web", "-u", "https://x", "--all-clusters")
	g.Expect(r.code).To(Equal(1))
	g.Expect(r.stderr).To(ContainSubstring("fleet configuration web already exists"))

	// The agents of the selected clusters see it and report on it.
	for cl, state := range map[*client.Cluster]string{east: dpv1.ComplianceNonCompliant, west: dpv1.ComplianceCompliant} {
		list, err := cl.ListDesired(ctx, "")
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(list.Items).To(HaveLen(1))
		rep := &dpv1.StatusReport{OperationID: list.Items[0].OperationID, ProvisioningState: dpv1.ProvisioningSucceeded,
			ObservedStatus: dpv1.ObservedStatus{ComplianceState: state, SourceSyncedCommitID: "main@sha1:abc"}}
		if state == dpv1.ComplianceNonCompliant {
			rep.Statuses = []dpv1.ObjectStatusDefinition{{Kind: "Kustomization", Name: "apps", ComplianceState: state,
				StatusConditions: []dpv1.ObjectStatusConditionDefinition{{Status: "False", Message: "path ./deploy\nnot found"}}}}
		}
		g.Expect(cl.ReportStatus(ctx, "web", rep)).To(Succeed())
	}

	r = h.ok("", "fleet", "status", "web")
	g.Expect(r.stdout).To(ContainSubstring("1 Non-Compliant, 0 Disconnected, 0 Pending, 0 Unknown, 0 Suspended, 1 Compliant"))
	g.Expect(r.stdout).To(ContainSubstring("main@sha1:abc (2)"))
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^east-1\s+Non-Compliant\s+main@sha1:abc\s+1\s+\d{4}-\S+\s+path ./deploy not found$`))
	g.Expect(strings.Index(r.stdout, "east-1")).To(BeNumerically("<", strings.Index(r.stdout, "west-1")), "failing first")
	r = h.ok("", "fleet", "status", "web", "--limit", "1", "-o", "yaml")
	var st dpv1.FleetStatus
	g.Expect(yaml.UnmarshalStrict([]byte(r.stdout), &st)).To(Succeed())
	g.Expect(st.Value).To(HaveLen(1))
	g.Expect(st.Continue).NotTo(BeEmpty())
	r = h.ok("", "fleet", "status", "web", "--limit", "1", "--continue", st.Continue)
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^west-1\s+Compliant`))
	g.Expect(r.stderr).To(BeEmpty(), "the last page says nothing of more")

	// update changes only what is given; a selector flag replaces the placement.
	r = h.ok("", "fleet", "update", "web", "--branch", "release-1", "--selector", "region=eu", "-o", "json")
	updated := decodeJSON[dpv1.FleetConfiguration](g, r.stdout)
	g.Expect(updated.Revision).To(Equal(int64(2)))
	g.Expect(updated.Properties.GitRepository.RepositoryRef.Branch).To(Equal("release-1"))
	g.Expect(updated.Properties.GitRepository.LocalAuthRef).To(Equal("git-auth"), "kept")
	g.Expect(updated.Properties.Kustomizations["apps"].Path).To(Equal("./deploy"), "kept")
	g.Expect(updated.Placement.ClusterSelector).To(Equal(&dpv1.LabelSelector{MatchLabels: map[string]string{"region": "eu"}}))
	r = h.run("", "fleet", "update", "web")
	g.Expect(r.code).To(Equal(2))
	g.Expect(r.stderr).To(ContainSubstring("nothing to update"))

	r = h.ok("", "fleet", "show", "web")
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^Revision:\s+2$`))
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^Selector:\s+region=eu$`))
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^Reference:\s+branch release-1$`))
	r = h.ok("", "fleet", "revisions", "web")
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^2\s+\S+\s+https://git.example.com/org/web\s+branch release-1\s+region=eu$`))
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^1\s+\S+\s+https://git.example.com/org/web\s+branch main\s+region in \(eu,us\),tier=prod$`))

	h.ok("", "fleet", "create", "all", "-u", "https://git.example.com/org/all", "--all-clusters")
	r = h.ok("", "fleet", "list")
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^all\s+1\s+default\s+git\s+https://git.example.com/org/all\s+\(every cluster\)`))
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^web\s+2\s+web\s+git\s`))
	page := decodeJSON[dpv1.FleetConfigurationList](g, h.ok("", "fleet", "list", "--limit", "1", "-o", "json").stdout)
	g.Expect(page.Value).To(HaveLen(1))
	g.Expect(page.Continue).NotTo(BeEmpty())

	r = h.run("", "fleet", "delete", "web")
	g.Expect(r.code).To(Equal(1))
	g.Expect(r.stderr).To(ContainSubstring("Pass --yes"))
	h.ok("", "fleet", "delete", "web", "--yes")
	r = h.run("", "fleet", "show", "web")
	g.Expect(r.code).To(Equal(1))
	g.Expect(r.stderr).To(ContainSubstring("does not exist"))
}
