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
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/yaml"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/cli"
)

// TestCLI_ClusterRegistry registers clusters, uses their tokens as the agent does, lists
// them by selector, rotates a token and deletes a registration, against the real endpoint.
func TestCLI_ClusterRegistry(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	agentWorks := func(cluster, token string) error {
		t.Helper()
		c, err := client.New(client.Options{Endpoint: h.endpoint.URL, Token: token})
		g.Expect(err).NotTo(HaveOccurred())
		_, err = c.Cluster(cluster).ListDesired(context.Background(), "")
		return err
	}

	// register prints the token alone on stdout, and says on stderr it is shown once.
	r := h.ok("", "cluster", "register", "east-1", "--label", "region=eu", "-l", "tier=prod")
	token := strings.TrimSpace(r.stdout)
	g.Expect(token).NotTo(BeEmpty())
	g.Expect(strings.Count(r.stdout, "\n")).To(Equal(1), "stdout is the token alone")
	g.Expect(r.stderr).To(ContainSubstring("shown only once"))
	g.Expect(r.stderr).NotTo(ContainSubstring(token))
	g.Expect(agentWorks("east-1", token)).To(Succeed())

	// --agent-token-file: the token goes to a 0600 file, nothing secret is printed; an
	// existing file is replaced whole, whatever its mode was.
	tokenFile := filepath.Join(t.TempDir(), "west-1.token")
	g.Expect(os.WriteFile(tokenFile, []byte("old"), 0o644)).To(Succeed())
	r = h.ok("", "cluster", "register", "west-1", "--label", "region=us", "--agent-token-file", tokenFile, "-o", "json")
	written, err := os.ReadFile(tokenFile)
	g.Expect(err).NotTo(HaveOccurred())
	westToken := strings.TrimSpace(string(written))
	g.Expect(westToken).NotTo(Or(BeEmpty(), Equal("old")))
	g.Expect(r.stdout + r.stderr).NotTo(ContainSubstring(westToken))
	g.Expect(decodeJSON[dpv1.Cluster](g, r.stdout).Name).To(Equal("west-1"))
	fi, err := os.Stat(tokenFile)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(fi.Mode().Perm()).To(Equal(os.FileMode(0o600)))
	g.Expect(agentWorks("west-1", westToken)).To(Succeed())
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(tokenFile), ".*"))
	g.Expect(leftovers).To(BeEmpty(), "no temporary file is left")

	// register on a registered cluster replaces its labels and issues no token; without
	// --label it changes nothing.
	r = h.ok("", "cluster", "register", "east-1", "--label", "region=eu", "--label", "tier=staging", "-o", "json")
	east := decodeJSON[dpv1.Cluster](g, r.stdout)
	g.Expect(east.Labels).To(Equal(map[string]string{"region": "eu", "tier": "staging"}))
	g.Expect(east.Token).To(BeEmpty())
	h.ok("", "cluster", "register", "east-1")
	g.Expect(decodeJSON[dpv1.Cluster](g, h.ok("", "cluster", "show", "east-1", "-o", "json").stdout).Labels).To(HaveLen(2))
	g.Expect(agentWorks("east-1", token)).To(Succeed(), "the token is unchanged")

	// list: a selector, every page, or one page at a time.
	h.ok("", "cluster", "register", "east-2", "--label", "region=eu")
	r = h.ok("", "cluster", "list", "--selector", "region=eu")
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^NAME\s+LABELS\s+CONNECTED\s+LAST POLL\s+AGENT$`))
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^east-1\s+region=eu,tier=staging\s+true\s+\d{4}-\d\d-\d\dT`), "the agent polled")
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^east-2\s+region=eu\s+false\s+-\s+-$`))
	g.Expect(r.stdout).NotTo(ContainSubstring("west-1"))
	var list dpv1.ClusterList
	g.Expect(yaml.UnmarshalStrict([]byte(h.ok("", "cluster", "list", "-o", "yaml").stdout), &list)).To(Succeed())
	g.Expect(names(list.Value)).To(Equal([]string{"east-1", "east-2", "west-1"}))
	// --limit prints one page and its continue token; --continue prints the next.
	page := decodeJSON[dpv1.ClusterList](g, h.ok("", "cluster", "list", "--limit", "2", "-o", "json").stdout)
	g.Expect(names(page.Value)).To(Equal([]string{"east-1", "east-2"}))
	g.Expect(page.Continue).NotTo(BeEmpty())
	r = h.ok("", "cluster", "list", "--limit", "2", "--continue", page.Continue)
	g.Expect(r.stdout).To(MatchRegexp(`(?m)^west-1\s`))
	g.Expect(r.stdout).NotTo(ContainSubstring("east-"))
	g.Expect(r.stderr).To(BeEmpty(), "the last page says nothing of more")
	r = h.ok("", "cluster", "list", "--limit", "1")
	g.Expect(r.stderr).To(ContainSubstring("fluxconfig cluster list --limit 1 --continue "))

	// rotate-token: the old and the new token both work during the grace.
	r = h.ok("", "cluster", "rotate-token", "east-1", "--grace", "1h")
	newToken := strings.TrimSpace(r.stdout)
	g.Expect(newToken).NotTo(Or(BeEmpty(), Equal(token)))
	g.Expect(r.stderr).To(ContainSubstring("shown only once"))
	g.Expect(r.stderr).To(ContainSubstring("the previous one works until"))
	g.Expect(agentWorks("east-1", token)).To(Succeed())
	g.Expect(agentWorks("east-1", newToken)).To(Succeed())
	rotatedFile := filepath.Join(t.TempDir(), "east-1.token")
	r = h.ok("", "cluster", "rotate-token", "east-1", "--grace", "0s", "--agent-token-file", rotatedFile)
	written, err = os.ReadFile(rotatedFile)
	g.Expect(err).NotTo(HaveOccurred())
	thirdToken := strings.TrimSpace(string(written))
	g.Expect(r.stdout + r.stderr).NotTo(ContainSubstring(thirdToken))
	g.Expect(agentWorks("east-1", thirdToken)).To(Succeed())
	g.Expect(agentWorks("east-1", newToken)).NotTo(Succeed(), "--grace 0s ends the previous token at once")

	// No token ever shows in show or list.
	for _, format := range []string{"table", "json", "yaml"} {
		for _, args := range [][]string{{"cluster", "show", "east-1"}, {"cluster", "list"}} {
			r = h.ok("", append(args, "-o", format)...)
			for _, secret := range []string{token, newToken, thirdToken, westToken} {
				g.Expect(r.stdout+r.stderr).NotTo(ContainSubstring(secret), "%v -o %s", args, format)
			}
		}
	}

	// delete asks for --yes without a terminal, then ends the cluster's tokens.
	r = h.run("", "cluster", "delete", "east-1")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("--yes"))
	g.Expect(agentWorks("east-1", thirdToken)).To(Succeed())
	h.ok("", "cluster", "delete", "east-1", "--yes")
	g.Expect(agentWorks("east-1", thirdToken)).NotTo(Succeed())
	r = h.run("", "cluster", "show", "east-1")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("fluxconfig cluster list"))
}

// TestCLI_ClusterBadInput: bad labels and arguments are refused naming the flag, and a
// token file that cannot be written is refused before the endpoint issues a token.
func TestCLI_ClusterBadInput(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)

	r := h.run("", "cluster", "register", "east-1", "--label", "region")
	g.Expect(r.code).To(Equal(cli.ExitUsage))
	g.Expect(r.stderr).To(ContainSubstring(`--label "region": give KEY=VALUE`))
	r = h.run("", "cluster", "register", "east-1", "--label", "bad key=x")
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("(--label)"))
	r = h.run("", "cluster", "show")
	g.Expect(r.code).To(Equal(cli.ExitUsage))
	r = h.run("", "cluster", "register", "east-1", "--agent-token-file", filepath.Join(t.TempDir(), "missing", "t"))
	g.Expect(r.code).To(Equal(cli.ExitError))
	g.Expect(r.stderr).To(ContainSubstring("--agent-token-file"))
	g.Expect(h.run("", "cluster", "show", "east-1").code).To(Equal(cli.ExitError), "nothing was registered")
	r = h.run("", "cluster", "rotate-token", "east-1", "--grace", "-1h")
	g.Expect(r.code).To(Equal(cli.ExitUsage))
}

// TestCLI_ClusterListFollowsPages: without --limit, list reads past the endpoint's default
// page of 100.
func TestCLI_ClusterListFollowsPages(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t)
	admin, err := client.New(client.Options{Endpoint: h.endpoint.URL, Token: adminToken})
	g.Expect(err).NotTo(HaveOccurred())
	for i := range 105 {
		_, _, err := admin.RegisterCluster(context.Background(), fmt.Sprintf("c-%03d", i), nil)
		g.Expect(err).NotTo(HaveOccurred())
	}
	list := decodeJSON[dpv1.ClusterList](g, h.ok("", "cluster", "list", "-o", "json").stdout)
	g.Expect(list.Value).To(HaveLen(105))
	g.Expect(list.Value[104].Name).To(Equal("c-104"))
	g.Expect(list.Continue).To(BeEmpty())
}

func names(clusters []dpv1.Cluster) []string {
	out := make([]string, 0, len(clusters))
	for _, c := range clusters {
		out = append(out, c.Name)
	}
	return out
}
