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
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/fluxconfig/fluxconfig/test/servers/gitserver"
)

// The fleet repository on the local git server: tags v1 and v2 of one ConfigMap, whose
// values the endpoint fills in per cluster, so each cluster visibly gets its own.
const (
	fleetRepo      = "fleet"
	fleetNamespace = "fleet-demo"
	fleetFile      = "hello.yaml"
)

// fleetManifest is the ConfigMap at a tag; the ${...} are the endpoint's per-cluster values.
func fleetManifest(tag string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata:
  name: hello
  namespace: %s
data:
  cluster: ${cluster_name}
  region: ${cluster_label_region}
  ring: ${cluster_label_ring}
  message: hello from %s
`, fleetNamespace, tag)
}

// fleetGit serves the fleet repository over HTTP.
type fleetGit struct {
	http    *http.Server
	addr    string
	commits map[string]string // tag → commit
}

func (g *fleetGit) url() string { return "http://" + g.addr + "/" + fleetRepo + ".git" }

func (g *fleetGit) close() { _ = g.http.Close() }

// startFleetGit commits and tags v1 then v2 of the fleet repository under the state
// directory, afresh each time, and serves it.
func startFleetGit(stateDir string) (*fleetGit, error) {
	dir, err := filepath.Abs(filepath.Join(stateDir, "sources", "git"))
	if err != nil {
		return nil, err
	}
	repos := gitserver.NewRepos(dir)
	g := &fleetGit{commits: map[string]string{}}
	for _, tag := range []string{"v1", "v2"} {
		commit, err := repos.Commit(fleetRepo, "Say hello from "+tag, map[string]string{fleetFile: fleetManifest(tag)})
		if err != nil {
			return nil, err
		}
		if err := repos.Tag(fleetRepo, tag); err != nil {
			return nil, err
		}
		g.commits[tag] = commit
	}
	handler, err := repos.HTTPHandler("", "")
	if err != nil {
		return nil, err
	}
	if g.http, g.addr, err = serveHTTP(handler); err != nil {
		return nil, err
	}
	fmt.Printf("Git server: %s (tag v1 %s, tag v2 %s)\n", g.url(), short(g.commits["v1"]), short(g.commits["v2"]))
	return g, nil
}

// fleetHelp is printed once every agent polls: the clusters and the commands to try.
func fleetHelp(stateDir string, up *upstream, git *fleetGit, clusters []*cluster) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%d clusters, each with its own kube-apiserver, source- and kustomize-controller, fluxconfig-controller and agent:\n\n", len(clusters))
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "  CLUSTER\tLABELS\tKUBECONFIG")
	for i, cl := range clusters {
		fmt.Fprintf(w, "  %s\t%s\t%s\n", cl.name, labelString(fleetMembers[i].labels), cl.kubeconfig)
	}
	_ = w.Flush()
	canary := clusters[0]
	fmt.Fprintf(&b, `
Roll the fleet configuration %[1]s out, the canary first (docs/fleet.md walks through it):

  export FLUXCONFIG_CONFIG=%[2]s
  %[3]s cluster list
  %[3]s fleet create hello --namespace %[4]s -u %[5]s --tag v1 \
    --kustomization name=app path=./ post_build=true --all-clusters \
    --wave name=canary,selector=ring=canary --wave name=all,percent=100 --min-compliant-seconds 20
  %[3]s fleet status hello
  %[3]s fleet update hello --tag v2 --wave name=canary,selector=ring=canary --wave name=all,percent=100,approval=true
  %[3]s fleet approve hello      # also: fleet pause|resume hello
  %[3]s fleet rollback hello
  kubectl --kubeconfig %[6]s -n %[4]s get configmap hello -o jsonpath='{.data}'

The repository %[5]s has tags v1 and v2; the endpoint fills in ${cluster_name} and
${cluster_label_<key>} per cluster. The dashboard is %[7]s/ui/ (token in %[8]s).
Logs are in %[9]s and its cluster directories. Ctrl-C stops everything.
`, "hello", up.cliConfig, up.cli, fleetNamespace, git.url(), canary.kubeconfig, up.url, up.adminTokenFile, stateDir)
	return b.String()
}
