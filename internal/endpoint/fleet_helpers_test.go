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
	"encoding/json"
	"testing"

	. "github.com/onsi/gomega"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

// fleetEnv is a real endpoint with registered clusters and their agents' typed clients.
type fleetEnv struct {
	*registryEndpoint
	agents map[string]*client.Cluster
	tokens map[string]string
}

func newFleetEnv(t *testing.T, st testStore) *fleetEnv {
	return fleetEnvOn(newRegistryOn(t, st))
}

// fleetEnvOn is a fleet environment, with no cluster yet, on an endpoint already started.
func fleetEnvOn(r *registryEndpoint) *fleetEnv {
	return &fleetEnv{registryEndpoint: r, agents: map[string]*client.Cluster{}, tokens: map[string]string{}}
}

// moveTo points the environment, and every cluster's agent client, at another endpoint.
func (e *fleetEnv) moveTo(r *registryEndpoint) {
	e.registryEndpoint = r
	for name := range e.tokens {
		e.connect(name)
	}
}

// cluster registers name with labels and keeps a client with its agent token.
func (e *fleetEnv) cluster(name string, labels map[string]string) {
	e.t.Helper()
	e.tokens[name] = e.register(name, labels).Token
	e.connect(name)
}

// connect (re)builds the typed client of cluster's agent for the current endpoint.
func (e *fleetEnv) connect(name string) {
	e.t.Helper()
	e.agents[name] = newClient(e.t, e.http.URL, e.tokens[name]).Cluster(name)
}

// relabel replaces a registered cluster's labels.
func (e *fleetEnv) relabel(name string, labels map[string]string) error {
	_, _, err := e.admin.RegisterCluster(context.Background(), name, labels)
	return err
}

// entry is configuration name in cluster's desired set as its agent polls it; nil if absent.
func (e *fleetEnv) entry(cluster, name string) *dpv1.DesiredConfiguration {
	e.t.Helper()
	res, err := e.agents[cluster].ListDesired(context.Background(), "")
	if err != nil {
		e.t.Fatal(err)
	}
	for i := range res.Items {
		if res.Items[i].Name == name {
			return &res.Items[i]
		}
	}
	return nil
}

// fleetSpec is a valid fleet configuration placed by sel: a Git source, a kustomization
// with postBuild and one without.
func fleetSpec(sel *dpv1.LabelSelector) *dpv1.FleetConfiguration {
	var f dpv1.FleetConfiguration
	err := json.Unmarshal([]byte(`{"properties": {
		"scope": "cluster", "namespace": "team-a", "sourceKind": "GitRepository",
		"gitRepository": {"url": "https://git.example.com/org/repo", "repositoryRef": {"branch": "main"},
			"localAuthRef": "git-auth"},
		"kustomizations": {
			"infra": {"path": "./infra"},
			"apps": {"path": "./apps", "dependsOn": ["infra"], "postBuild": {"substitute": {"env": "prod"}}}}}}`), &f)
	if err != nil {
		panic(err)
	}
	f.Placement.ClusterSelector = sel
	return &f
}

func matchLabels(kv ...string) *dpv1.LabelSelector {
	sel := &dpv1.LabelSelector{MatchLabels: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		sel.MatchLabels[kv[i]] = kv[i+1]
	}
	return sel
}

func (e *fleetEnv) putFleet(name string, f *dpv1.FleetConfiguration) *dpv1.FleetConfiguration {
	e.t.Helper()
	out, err := e.admin.PutFleet(context.Background(), name, f)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// placed lists the clusters whose agents see name, not being deleted.
func (e *fleetEnv) placed(name string) []string {
	e.t.Helper()
	var out []string
	for _, c := range []string{"east-1", "east-2", "west-1"} {
		if d := e.entry(c, name); d != nil && !d.Deleting {
			out = append(out, c)
		}
	}
	return out
}

// newThreeClusterEnv is a fleet environment with threeClusters registered.
// onThreeClusters runs test on every store, each time on a fresh endpoint with the three
// labelled clusters of threeClusters registered.
func onThreeClusters(t *testing.T, test func(g *WithT, e *fleetEnv)) {
	forEachStore(t, func(t *testing.T, st testStore) { test(NewWithT(t), newThreeClusterEnv(t, st)) })
}

func newThreeClusterEnv(t *testing.T, st testStore) *fleetEnv {
	e := newFleetEnv(t, st)
	e.threeClusters()
	return e
}

func (e *fleetEnv) threeClusters() {
	e.cluster("east-1", map[string]string{"region": "eu", "tier": "prod"})
	e.cluster("east-2", map[string]string{"region": "eu", "tier": "dev"})
	e.cluster("west-1", map[string]string{"region": "us", "tier": "prod", "canary": "true"})
}
