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
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/cli"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/help")

const (
	adminToken = "admin-token-value"
	agentToken = "agent-token-value"
	clusterA   = "cluster-a"
)

// harness runs the CLI in-process against a real endpoint on 127.0.0.1.
type harness struct {
	t        *testing.T
	endpoint *testutil.Endpoint
	env      map[string]string
	agent    *client.Cluster
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	dir := t.TempDir()
	e, err := testutil.StartEndpoint(filepath.Join(dir, "endpoint"), testutil.EndpointOptions{
		AdminToken: adminToken, Clusters: map[string]string{clusterA: agentToken}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	c, err := client.New(client.Options{Endpoint: e.URL, TokenFile: e.Tokens.AgentTokenFile(clusterA)})
	if err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, endpoint: e, agent: c.Cluster(clusterA), env: map[string]string{
		"HOME": home, cli.EnvEndpoint: e.URL, cli.EnvTokenFile: e.Tokens.AdminFile, cli.EnvCluster: clusterA,
	}}
}

// result is one run of the CLI.
type result struct {
	stdout, stderr string
	code           int
}

// run runs the CLI with stdin as its standard input.
func (h *harness) run(stdin string, args ...string) result {
	h.t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Main(args, cli.Streams{In: strings.NewReader(stdin), Out: &out, Err: &errOut}, func(k string) string { return h.env[k] })
	return result{stdout: out.String(), stderr: errOut.String(), code: code}
}

// ok runs the CLI and fails the test unless it exits 0.
func (h *harness) ok(stdin string, args ...string) result {
	h.t.Helper()
	r := h.run(stdin, args...)
	if r.code != 0 {
		h.t.Fatalf("fluxconfig %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// desired is the agent's view of configuration name, protected settings included.
func (h *harness) desired(name string) dpv1.DesiredConfiguration {
	h.t.Helper()
	res, err := h.agent.ListDesired(context.Background(), "")
	if err != nil {
		h.t.Fatal(err)
	}
	for _, item := range res.Items {
		if item.Name == name {
			return item
		}
	}
	h.t.Fatalf("the agent's desired set has no %s", name)
	return dpv1.DesiredConfiguration{}
}

// report sends the agent's status report for the current operation of name.
func (h *harness) report(name string, status dpv1.ObservedStatus) {
	h.t.Helper()
	item := h.desired(name)
	if err := h.agent.ReportStatus(context.Background(), name, &dpv1.StatusReport{OperationID: item.OperationID,
		ProvisioningState: dpv1.ProvisioningSucceeded, ObservedStatus: status}); err != nil {
		h.t.Fatal(err)
	}
}

// TestHelp_Golden compares every command's --help with testdata/help; -update rewrites them.
func TestHelp_Golden(t *testing.T) {
	root := cli.NewRootCommand(cli.Streams{}, func(string) string { return "" })
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		paths = append(paths, path)
		for _, sub := range c.Commands() {
			if !sub.Hidden {
				walk(sub, append(append([]string{}, path...), sub.Name()))
			}
		}
	}
	walk(root, nil)
	want := map[string]bool{}
	for _, path := range paths {
		file := filepath.Join("testdata", "help", strings.Join(append([]string{"fluxconfig"}, path...), "_")+".txt")
		want[file] = true
		var out, errOut bytes.Buffer
		code := cli.Main(append(path, "--help"), cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut}, func(string) string { return "" })
		if code != 0 || errOut.Len() != 0 {
			t.Fatalf("%v --help: exit %d, stderr %q", path, code, errOut.String())
		}
		if *update {
			if err := os.WriteFile(file, out.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		golden, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v: %v; run go test ./internal/cli -run TestHelp_Golden -update", path, err)
		}
		if string(golden) != out.String() {
			t.Errorf("fluxconfig %s --help differs from %s; if the change is meant, run go test ./internal/cli -run TestHelp_Golden -update\ngot:\n%s",
				strings.Join(path, " "), file, out.String())
		}
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "help", "*.txt"))
	var stale []string
	for _, f := range files {
		if !want[f] {
			stale = append(stale, f)
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 && !*update {
		t.Errorf("golden files of no command: %v", stale)
	}
	for _, f := range stale {
		if *update {
			_ = os.Remove(f)
		}
	}
}
