/*
Copyright 2026 The fluxconfig Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package endpoint_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// fleetEnv is a real endpoint with registered clusters and their agents' typed clients.
type fleetEnv struct {
	*registryEndpoint
	agents map[string]*client.Cluster
	tokens map[string]string
}

func newFleetEnv(t *testing.T) *fleetEnv {
	return &fleetEnv{registryEndpoint: newRegistry(t), agents: map[string]*client.Cluster{}, tokens: map[string]string{}}
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
	c, err := client.New(client.Options{Endpoint: e.http.URL, Token: e.tokens[name]})
	if err != nil {
		e.t.Fatal(err)
	}
	e.agents[name] = c.Cluster(name)
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

func (e *fleetEnv) threeClusters() {
	e.cluster("east-1", map[string]string{"region": "eu", "tier": "prod"})
	e.cluster("east-2", map[string]string{"region": "eu", "tier": "dev"})
	e.cluster("west-1", map[string]string{"region": "us", "tier": "prod", "canary": "true"})
}

func TestFleetPlacesByMatchLabelsAndExpressions(t *testing.T) {
	g := NewWithT(t)
	e := newFleetEnv(t)
	e.threeClusters()
	out := e.putFleet("web", fleetSpec(matchLabels("region", "eu")))
	g.Expect(out.Revision).To(Equal(int64(1)))
	g.Expect(out.ID).To(Equal("/v1/fleetConfigurations/web"))
	g.Expect(e.placed("web")).To(Equal([]string{"east-1", "east-2"}))

	d := e.entry("east-1", "web")
	g.Expect(d.Properties.Namespace).To(Equal("team-a"))
	g.Expect(d.Properties.GitRepository.URL).To(Equal("https://git.example.com/org/repo"))
	g.Expect(d.OperationID).NotTo(BeEmpty())

	e.putFleet("prod", fleetSpec(&dpv1.LabelSelector{MatchExpressions: []dpv1.LabelSelectorRequirement{
		{Key: "tier", Operator: dpv1.SelectorOpIn, Values: []string{"prod"}},
		{Key: "canary", Operator: dpv1.SelectorOpDoesNotExist},
	}}))
	g.Expect(e.placed("prod")).To(Equal([]string{"east-1"}))
	e.putFleet("all", fleetSpec(&dpv1.LabelSelector{}))
	g.Expect(e.placed("all")).To(Equal([]string{"east-1", "east-2", "west-1"}))
	e.putFleet("not-eu", fleetSpec(&dpv1.LabelSelector{MatchExpressions: []dpv1.LabelSelectorRequirement{
		{Key: "region", Operator: dpv1.SelectorOpNotIn, Values: []string{"eu"}},
		{Key: "canary", Operator: dpv1.SelectorOpExists},
	}}))
	g.Expect(e.placed("not-eu")).To(Equal([]string{"west-1"}))

	// The management view of the per-cluster record is the ordinary one.
	cfg, err := e.admin.Cluster("east-2").Get(context.Background(), "web")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cfg.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningCreating))

	list, err := e.admin.ListFleets(context.Background(), client.ListFleetsOptions{Limit: 3})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(list.Value).To(HaveLen(3))
	g.Expect(list.Value[0].Name).To(Equal("all"))
	next, err := e.admin.ListFleets(context.Background(), client.ListFleetsOptions{Limit: 3, Continue: list.Continue})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(next.Value).To(HaveLen(1))
	g.Expect(next.Value[0].Name).To(Equal("web"))
	g.Expect(next.Continue).To(BeEmpty())
}

func TestFleetFollowsLabelsAndRegistrations(t *testing.T) {
	g := NewWithT(t)
	e := newFleetEnv(t)
	ctx := context.Background()
	e.threeClusters()
	e.putFleet("web", fleetSpec(matchLabels("region", "eu")))

	g.Expect(e.relabel("west-1", map[string]string{"region": "eu"})).To(Succeed())
	g.Expect(e.placed("web")).To(Equal([]string{"east-1", "east-2", "west-1"}))

	// Losing the label removes it as a per-cluster DELETE does.
	g.Expect(e.relabel("east-2", map[string]string{"region": "us"})).To(Succeed())
	d := e.entry("east-2", "web")
	g.Expect(d).NotTo(BeNil())
	g.Expect(d.Deleting).To(BeTrue())
	g.Expect(e.agents["east-2"].ReportStatus(ctx, "web", &dpv1.StatusReport{OperationID: d.OperationID,
		ProvisioningState: dpv1.ProvisioningSucceeded})).To(Succeed())
	g.Expect(e.entry("east-2", "web")).To(BeNil(), "the record goes once the agent reports it gone")

	// A new registration is placed; a deleted one is taken out.
	e.cluster("east-3", map[string]string{"region": "eu"})
	g.Expect(e.entry("east-3", "web")).NotTo(BeNil())
	g.Expect(e.admin.DeleteCluster(ctx, "east-1")).To(Succeed())
	cfg, err := e.admin.Cluster("east-1").Get(ctx, "web")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cfg.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningDeleting))
}

func TestDeletingFleetMarksRecordsDeleting(t *testing.T) {
	g := NewWithT(t)
	e := newFleetEnv(t)
	ctx := context.Background()
	e.threeClusters()
	e.putFleet("web", fleetSpec(matchLabels("region", "eu")))
	g.Expect(e.admin.DeleteFleet(ctx, "web")).To(Succeed())
	_, err := e.admin.GetFleet(ctx, "web")
	g.Expect(client.IsNotFound(err)).To(BeTrue(), "%v", err)
	for _, c := range []string{"east-1", "east-2"} {
		d := e.entry(c, "web")
		g.Expect(d).NotTo(BeNil(), c)
		g.Expect(d.Deleting).To(BeTrue(), c)
	}
	g.Expect(e.entry("west-1", "web")).To(BeNil())
	g.Expect(e.admin.DeleteFleet(ctx, "web")).To(Succeed(), "deleting a missing fleet configuration succeeds")

	// Once the fleet let go, the cluster may finish the deletion itself.
	_, err = e.admin.Cluster("east-1").Delete(ctx, "web", client.DeleteOptions{Force: true})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(e.entry("east-1", "web")).To(BeNil())
}

func TestFleetSurvivesRestart(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	clock := testutil.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	e := &fleetEnv{registryEndpoint: startRegistry(t, dir, clock), agents: map[string]*client.Cluster{}, tokens: map[string]string{}}
	ctx := context.Background()
	e.threeClusters()
	e.putFleet("web", fleetSpec(matchLabels("region", "eu")))
	second := fleetSpec(matchLabels("tier", "prod"))
	e.putFleet("web", second)
	op := e.entry("east-1", "web").OperationID
	e.http.Close()

	e.registryEndpoint = startRegistry(t, dir, clock)
	for name := range e.tokens {
		e.connect(name)
	}
	got, err := e.admin.GetFleet(ctx, "web")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.Revision).To(Equal(int64(2)))
	g.Expect(got.Placement.ClusterSelector.MatchLabels).To(Equal(map[string]string{"tier": "prod"}))
	revs, err := e.admin.ListFleetRevisions(ctx, "web")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(revs).To(HaveLen(2))
	g.Expect(e.srv.ReconcileFleets(ctx)).To(Succeed())
	g.Expect(e.entry("east-1", "web").OperationID).To(Equal(op), "a store in line is not rewritten at start")
	g.Expect(e.placed("web")).To(Equal([]string{"east-1", "west-1"}))

	// The same body again is no change, after the restart too.
	again := e.putFleet("web", second)
	g.Expect(again.Revision).To(Equal(int64(2)))
	code, _, _ := e.do(http.MethodGet, "/v1/fleetConfigurations", tokenA, nil)
	g.Expect(code).To(Equal(http.StatusForbidden), "an agent token is no admin token")
}
