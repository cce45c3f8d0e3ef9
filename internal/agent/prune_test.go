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

package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/agent"
	"github.com/fluxconfig/fluxconfig/internal/agent/health"
	"github.com/fluxconfig/fluxconfig/internal/agent/poller"
)

func (f *fixture) gone(namespace, name string) bool {
	f.t.Helper()
	err := f.kube.Get(context.Background(), key(namespace, name), &v1alpha1.FluxConfig{})
	if err != nil && !apierrors.IsNotFound(err) {
		f.t.Fatal(err)
	}
	return apierrors.IsNotFound(err)
}

func TestAgent_PrunesOnlyItsOwnEndpointAndCluster(t *testing.T) {
	a := newFixture(t, "own-a")
	g, ctx := a.g, context.Background()
	ns := a.ns("agent-own")
	for _, name := range []string{"a1", "a2", "a3"} {
		a.mustPut(name, gitBody(ns, map[string]string{"httpsKey": "dG9rZW4="}))
	}
	a.poll()
	// Every object the agent writes says which agent wrote it.
	g.Expect(a.poller.Identity.Endpoint).To(MatchRegexp(`^[0-9a-f]{16}$`))
	secret := &corev1.Secret{}
	g.Expect(a.kube.Get(ctx, key(ns, "a1-protected-parameters"), secret)).To(Succeed())
	for _, labels := range []map[string]string{a.fluxConfig(ns, "a1").Labels, secret.Labels} {
		g.Expect(labels).To(HaveKeyWithValue(v1alpha1.AgentEndpointLabel, a.poller.Identity.Endpoint))
		g.Expect(labels).To(HaveKeyWithValue(v1alpha1.AgentClusterLabel, "own-a"))
	}
	versions := map[string]string{}
	for _, name := range []string{"a1", "a2", "a3"} {
		versions[name] = a.fluxConfig(ns, name).ResourceVersion
	}

	// A second agent in the cluster, with another endpoint and cluster name, whose set does
	// not hold a2 and a3 but does hold a name of the first agent's.
	b := newFixture(t, "own-b")
	b.mustPut("b1", gitBody(ns, nil))
	b.mustPut("b2", gitBody(ns, nil))
	b.mustPut("a1", gitBody(ns, nil))
	b.poll()
	for name, version := range versions {
		g.Expect(a.fluxConfig(ns, name).ResourceVersion).To(Equal(version), "%s is the first agent's", name)
	}
	g.Expect(b.fluxConfig(ns, "b1").Labels).To(HaveKeyWithValue(v1alpha1.AgentClusterLabel, "own-b"))
	_, c := b.config("a1")
	g.Expect(c.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningFailed))
	g.Expect(c.Properties.ErrorMessage).To(ContainSubstring(`belongs to the agent of cluster "own-a"`))

	// The first agent's cluster renamed (agent.clusterName): same endpoint, another cluster,
	// with a set of its own, so it would prune if it took the configs for its own.
	g.Expect(a.endpoint.Tokens.AddCluster("own-renamed", "renamed-token")).To(Succeed())
	admin, err := client.New(client.Options{Endpoint: a.endpoint.URL, Token: adminToken})
	g.Expect(err).NotTo(HaveOccurred())
	r1 := gitBody(ns, nil)
	var cfg dpv1.FluxConfiguration
	g.Expect(dpv1.DecodeStrict(mustJSON(t, r1), &cfg)).To(Succeed())
	_, err = admin.Cluster("own-renamed").Put(ctx, "r1", &cfg)
	g.Expect(err).NotTo(HaveOccurred())
	renamedClient, err := client.New(client.Options{Endpoint: a.endpoint.URL, TokenFile: a.endpoint.Tokens.AgentTokenFile("own-renamed")})
	g.Expect(err).NotTo(HaveOccurred())
	renamedID, err := agent.NewIdentity(a.endpoint.URL, "own-renamed")
	g.Expect(err).NotTo(HaveOccurred())
	renamed := &poller.Poller{Client: a.kube, Config: renamedClient.Cluster("own-renamed"), Interval: time.Second,
		Now: a.clock.Now, Log: logr.Discard(), Identity: renamedID}
	g.Expect(renamed.Poll(ctx)).To(Succeed())
	g.Expect(a.fluxConfig(ns, "r1").Labels).To(HaveKeyWithValue(v1alpha1.AgentClusterLabel, "own-renamed"))
	for name, version := range versions {
		g.Expect(a.fluxConfig(ns, name).ResourceVersion).To(Equal(version), "%s is the first agent's", name)
	}
	b.fluxConfig(ns, "b1")
	b.fluxConfig(ns, "b2")

	// Each agent still prunes what is its own.
	g.Expect(a.mustDelete("a3", true)).To(BeNil())
	a.poll()
	g.Expect(a.gone(ns, "a3")).To(BeTrue())
	g.Expect(apierrors.IsNotFound(a.kube.Get(ctx, key(ns, "a3-protected-parameters"), &corev1.Secret{}))).To(BeTrue())
	g.Expect(b.mustDelete("b2", true)).To(BeNil())
	b.poll()
	g.Expect(b.gone(ns, "b2")).To(BeTrue())
	for _, name := range []string{"a1", "a2", "b1", "r1"} {
		g.Expect(a.gone(ns, name)).To(BeFalse(), name)
	}
}

func TestAgent_AdoptsWhatAnEarlierAgentWrote(t *testing.T) {
	f := newFixture(t, "adopt")
	g, ctx := f.g, context.Background()
	ns := f.ns("agent-adopt")
	g.Expect(f.kube.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	// What an agent before the identity labels wrote: the managed-by label only.
	earlier := func(name string) map[string]string {
		return map[string]string{v1alpha1.AgentManagedByLabel: v1alpha1.AgentManagedByValue, v1alpha1.NameLabel: name}
	}
	for _, name := range []string{"listed", "unlisted", "deleted"} {
		g.Expect(f.kube.Create(ctx, &v1alpha1.FluxConfig{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: earlier(name)},
			Spec: v1alpha1.FluxConfigSpec{SourceKind: v1alpha1.SourceKindGitRepository,
				GitRepository: &v1alpha1.GitRepositoryDefinition{URL: "https://old.example.com/r"}},
		})).To(Succeed())
	}
	g.Expect(f.kube.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "listed-protected-parameters", Namespace: ns, Labels: earlier("listed")},
		Data: map[string][]byte{"httpsKey": []byte("old-token")}})).To(Succeed())
	unlisted := f.fluxConfig(ns, "unlisted")

	f.mustPut("listed", gitBody(ns, map[string]string{"httpsKey": "bmV3LXRva2Vu"}))
	f.mustPut("fresh", gitBody(ns, nil))
	f.mustPut("deleted", gitBody(ns, nil))
	g.Expect(f.mustDelete("deleted", false)).NotTo(BeNil())
	f.poll()

	// Listed: adopted, labelled as this agent's, and updated to the endpoint's.
	listed := f.fluxConfig(ns, "listed")
	g.Expect(listed.Labels).To(HaveKeyWithValue(v1alpha1.AgentClusterLabel, "adopt"))
	g.Expect(listed.Labels).To(HaveKeyWithValue(v1alpha1.AgentEndpointLabel, f.poller.Identity.Endpoint))
	g.Expect(listed.Spec.GitRepository.URL).To(Equal("https://git.example.com/org/repo"))
	secret := &corev1.Secret{}
	g.Expect(f.kube.Get(ctx, key(ns, "listed-protected-parameters"), secret)).To(Succeed())
	g.Expect(secret.Labels).To(HaveKeyWithValue(v1alpha1.AgentClusterLabel, "adopt"))
	g.Expect(string(secret.Data["httpsKey"])).To(Equal("new-token"))
	f.reconcile(ns, "listed")
	_, c := f.config("listed")
	g.Expect(c.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningSucceeded))
	// Deleted at the endpoint: the endpoint names it, so it goes.
	g.Expect(f.gone(ns, "deleted")).To(BeTrue())
	code, _ := f.config("deleted")
	g.Expect(code).To(Equal(http.StatusNotFound))
	// Unlisted: nothing says it is this agent's, so it stays, even through a poll that prunes.
	g.Expect(f.mustDelete("fresh", true)).To(BeNil())
	f.poll()
	g.Expect(f.gone(ns, "fresh")).To(BeTrue())
	g.Expect(f.fluxConfig(ns, "unlisted").ResourceVersion).To(Equal(unlisted.ResourceVersion))
}

// gauge reads a gauge of the controller-runtime registry, as /metrics serves it.
func gauge(t *testing.T, name string) float64 {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range families {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("metric %s is not registered", name)
	return 0
}

func TestAgent_PruneLimitHoldsBackAMassDeletion(t *testing.T) {
	f := newFixture(t, "limit")
	g, ns := f.g, f.ns("agent-limit")
	name := func(i int) string { return fmt.Sprintf("c%02d", i) }
	for i := range 12 {
		f.mustPut(name(i), gitBody(ns, nil))
	}
	f.poll()
	probe := httptest.NewServer((&health.Server{Checks: f.poller.ReadyChecks()}).Handler())
	defer probe.Close()
	readyz := func() (int, string) {
		resp, err := http.Get(probe.URL + "/readyz")
		g.Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	code, _ := readyz()
	g.Expect(code).To(Equal(http.StatusOK))

	// A store restored from an old backup lacks 7 of the 12: within the limit of 10, but
	// more than half. Meanwhile one config is added and one changed.
	for i := range 7 {
		g.Expect(f.mustDelete(name(i), true)).To(BeNil())
	}
	f.mustPut("late", gitBody(ns, nil))
	changed := gitBody(ns, nil)
	changed["properties"].(map[string]any)["suspend"] = true
	f.mustPut(name(11), changed)
	f.poll()
	for i := range 12 {
		g.Expect(f.gone(ns, name(i))).To(BeFalse(), "%s is held back", name(i))
	}
	g.Expect(f.gone(ns, "late")).To(BeFalse(), "creates go on while deletions are held")
	g.Expect(f.fluxConfig(ns, name(11)).Spec.Suspend).To(BeTrue(), "updates go on while deletions are held")
	code, body := readyz()
	g.Expect(code).To(Equal(http.StatusServiceUnavailable))
	g.Expect(body).To(ContainSubstring("PruneHeld: the endpoint no longer lists 7 of the 13 FluxConfigs"))
	g.Expect(body).To(ContainSubstring("--authoritative"))
	g.Expect(gauge(t, "fluxconfig_agent_prune_refused_fluxconfigs")).To(Equal(7.0))
	// Holding is quiet: polls that bring no change write nothing and keep holding.
	before := f.writes.Writes()
	f.poll()
	f.poll()
	g.Expect(f.writes.Writes()).To(Equal(before))
	code, _ = readyz()
	g.Expect(code).To(Equal(http.StatusServiceUnavailable))

	// The store is mended: four come back, and the three still missing are few enough.
	for i := range 4 {
		f.mustPut(name(i), gitBody(ns, nil))
	}
	f.poll()
	for i := range 7 {
		g.Expect(f.gone(ns, name(i))).To(Equal(i >= 4), name(i))
	}
	code, _ = readyz()
	g.Expect(code).To(Equal(http.StatusOK))
	g.Expect(gauge(t, "fluxconfig_agent_prune_refused_fluxconfigs")).To(BeZero())

	// More than --prune-limit at once is held too, though less than half.
	f.poller.PruneLimit = 2
	for i := 7; i < 10; i++ {
		g.Expect(f.mustDelete(name(i), true)).To(BeNil())
	}
	f.poll()
	code, body = readyz()
	g.Expect(code).To(Equal(http.StatusServiceUnavailable))
	g.Expect(body).To(ContainSubstring("no longer lists 3 of the 10 FluxConfigs"))
	g.Expect(f.gone(ns, name(7))).To(BeFalse())
	g.Expect(gauge(t, "fluxconfig_agent_prune_refused_fluxconfigs")).To(Equal(3.0))

	// The endpoint vouches for its list: the deletions go through.
	f.restartEndpoint(true)
	f.poll()
	for i := 7; i < 10; i++ {
		g.Expect(f.gone(ns, name(i))).To(BeTrue(), name(i))
	}
	g.Expect(f.gone(ns, name(10))).To(BeFalse())
	code, _ = readyz()
	g.Expect(code).To(Equal(http.StatusOK))
	g.Expect(gauge(t, "fluxconfig_agent_prune_refused_fluxconfigs")).To(BeZero())
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
