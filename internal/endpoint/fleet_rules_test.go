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
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

// refused expects err to be an answer with code whose message holds every want, and
// returns the endpoint's error.
func refused(g *WithT, err error, code int, want ...string) dpv1.ErrorDetail {
	g.THelper()
	g.Expect(client.StatusCode(err)).To(Equal(code), "%v", err)
	var ce *client.Error
	g.Expect(errors.As(err, &ce)).To(BeTrue())
	for _, w := range want {
		g.Expect(ce.Detail.Message).To(ContainSubstring(w))
	}
	return ce.Detail
}

func TestFleetNameClashesAreRefusedNamingBoth(t *testing.T) {
	onThreeClusters(t, testFleetNameClashesAreRefusedNamingBoth)
}

func testFleetNameClashesAreRefusedNamingBoth(g *WithT, e *fleetEnv) {
	ctx := context.Background()

	// A fleet configuration may not replace a cluster's own configuration.
	own := fleetSpec(nil)
	_, err := e.admin.Cluster("east-2").Put(ctx, "web", &dpv1.FluxConfiguration{Properties: own.Properties})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = e.admin.PutFleet(ctx, "web", fleetSpec(matchLabels("region", "eu")))
	refused(g, err, http.StatusConflict, "cluster east-2", "configuration web")
	g.Expect(e.entry("east-1", "web")).To(BeNil(), "all or none: east-1 did not get it either")
	_, err = e.admin.GetFleet(ctx, "web")
	g.Expect(client.IsNotFound(err)).To(BeTrue())

	// A cluster's own write may not change a fleet's record.
	e.putFleet("web", fleetSpec(matchLabels("tier", "prod")))
	for _, call := range []func() error{
		func() error {
			_, err := e.admin.Cluster("east-1").Put(ctx, "web", &dpv1.FluxConfiguration{Properties: own.Properties})
			return err
		},
		func() error {
			_, err := e.admin.Cluster("east-1").Patch(ctx, "web", map[string]any{"properties": map[string]any{"suspend": true}})
			return err
		},
		func() error {
			_, err := e.admin.Cluster("east-1").Delete(ctx, "web", client.DeleteOptions{Force: true})
			return err
		},
	} {
		refused(g, call(), http.StatusConflict, "configuration web of cluster east-1", "fleet configuration web")
	}
	g.Expect(e.entry("east-1", "web").Deleting).To(BeFalse())

	// Nor may a label change put a fleet's configuration over the cluster's own.
	err = e.relabel("east-2", map[string]string{"region": "eu", "tier": "prod"})
	refused(g, err, http.StatusConflict, "cluster east-2", "configuration web")
	got, err := e.admin.GetCluster(ctx, "east-2")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.Labels).To(HaveKeyWithValue("tier", "dev"), "the refused change kept the old labels")
}

func TestFleetSubstitutesPerCluster(t *testing.T) { forEachStore(t, testFleetSubstitutesPerCluster) }

func testFleetSubstitutesPerCluster(t *testing.T, store testStore) {
	g := NewWithT(t)
	e := newFleetEnv(t, store)
	e.cluster("east-1", map[string]string{"topology.kubernetes.io/region": "eu-west", "tier": "prod"})
	e.cluster("east-2", map[string]string{"topology.kubernetes.io/region": "eu-north", "tier": "dev"})
	f := fleetSpec(&dpv1.LabelSelector{})
	f.Properties.Kustomizations["apps"].PostBuild.Substitute = map[string]string{
		"host":               "${cluster_name}.${cluster_label_topology_kubernetes_io_region}.example.com",
		"cluster_label_tier": "pinned",
		"missing":            "${cluster_label_nope}",
	}
	f.Properties.Kustomizations["opt-in"] = &dpv1.KustomizationDefinition{Path: "./opt-in", PostBuild: &dpv1.PostBuildDefinition{}}
	e.putFleet("web", f)
	for cluster, region := range map[string]string{"east-1": "eu-west", "east-2": "eu-north"} {
		d := e.entry(cluster, "web")
		g.Expect(d.Properties.Kustomizations["apps"].PostBuild.Substitute).To(Equal(map[string]string{
			"host":         cluster + "." + region + ".example.com",
			"cluster_name": cluster,
			"cluster_label_topology_kubernetes_io_region": region,
			"cluster_label_tier":                          "pinned",
			"missing":                                     "${cluster_label_nope}",
		}), cluster)
		g.Expect(d.Properties.Kustomizations["infra"].PostBuild).To(BeNil(), "no substitution where none was asked for")
		g.Expect(d.Properties.Kustomizations["opt-in"].PostBuild.Substitute).To(HaveKeyWithValue("cluster_name", cluster),
			"an empty postBuild opts in")
	}

	// A relabel that changes a value is a new operation; the same values are none.
	op := e.entry("east-1", "web").OperationID
	g.Expect(e.relabel("east-1", map[string]string{"topology.kubernetes.io/region": "eu-west", "tier": "prod", "x": "y"})).To(Succeed())
	g.Expect(e.entry("east-1", "web").OperationID).NotTo(Equal(op))
	op = e.entry("east-1", "web").OperationID
	g.Expect(e.relabel("east-1", map[string]string{"topology.kubernetes.io/region": "us-east", "tier": "prod", "x": "y"})).To(Succeed())
	d := e.entry("east-1", "web")
	g.Expect(d.OperationID).NotTo(Equal(op))
	g.Expect(d.Properties.Kustomizations["apps"].PostBuild.Substitute["host"]).To(Equal("east-1.us-east.example.com"))

	// A value that expands past the limit on one cluster refuses the fleet change, naming it.
	e.cluster("a-cluster-with-a-long-name", map[string]string{"tier": "prod"})
	big := fleetSpec(&dpv1.LabelSelector{})
	big.Properties.Kustomizations["apps"].PostBuild.Substitute = map[string]string{
		"v": strings.Repeat("${cluster_name}", dpv1.MaxSubstituteValueBytes/len("${cluster_name}")),
	}
	_, err := e.admin.PutFleet(context.Background(), "web", big)
	ce := refused(g, err, http.StatusBadRequest, "for cluster a-cluster-with-a-long-name", "more than 16384")
	g.Expect(ce.Target).To(Equal("properties.kustomizations[apps].postBuild.substitute.v"))
	g.Expect(e.entry("east-1", "web").OperationID).To(Equal(d.OperationID), "no cluster got the refused change")
}

func TestFleetRevisions(t *testing.T) { onThreeClusters(t, testFleetRevisions) }

func testFleetRevisions(g *WithT, e *fleetEnv) {
	ctx := context.Background()
	var ops []string
	for i := 1; i <= 12; i++ {
		f := fleetSpec(matchLabels("region", "eu"))
		f.Properties.Kustomizations["infra"].Path = fmt.Sprintf("./infra/v%d", i)
		g.Expect(e.putFleet("web", f).Revision).To(Equal(int64(i)))
		ops = append(ops, e.entry("east-1", "web").OperationID)
	}
	g.Expect(ops[11]).NotTo(Equal(ops[10]), "each change is a new operation")
	revs, err := e.admin.ListFleetRevisions(ctx, "web")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(revs).To(HaveLen(10))
	g.Expect(revs[0].Revision).To(Equal(int64(12)))
	g.Expect(revs[9].Revision).To(Equal(int64(3)))
	g.Expect(revs[9].Properties.Kustomizations["infra"].Path).To(Equal("./infra/v3"))

	// The current body again: no revision, no write, the clusters' operations unchanged.
	cur, err := e.admin.GetFleet(ctx, "web")
	g.Expect(err).NotTo(HaveOccurred())
	again := e.putFleet("web", cur)
	g.Expect(again.Revision).To(Equal(int64(12)))
	g.Expect(again.UpdatedAt).To(Equal(cur.UpdatedAt))
	g.Expect(e.entry("east-1", "web").OperationID).To(Equal(ops[11]))
	revs, err = e.admin.ListFleetRevisions(ctx, "web")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(revs).To(HaveLen(10))
	g.Expect(revs[0].Revision).To(Equal(int64(12)))

	// A placement-only change is a revision; a cluster still selected keeps its operation.
	moved := fleetSpec(matchLabels("tier", "prod"))
	moved.Properties = cur.Properties
	g.Expect(e.putFleet("web", moved).Revision).To(Equal(int64(13)))
	g.Expect(e.entry("east-1", "web").OperationID).To(Equal(ops[11]))
	g.Expect(e.entry("east-2", "web").Deleting).To(BeTrue())
	g.Expect(e.entry("west-1", "web")).NotTo(BeNil())
}

func TestFleetValidation(t *testing.T) { onThreeClusters(t, testFleetValidation) }

func testFleetValidation(g *WithT, e *fleetEnv) {
	ctx := context.Background()
	for _, tc := range []struct {
		change func(*dpv1.FleetConfiguration)
		target string
		want   string
	}{
		{func(f *dpv1.FleetConfiguration) { f.Placement.ClusterSelector = nil }, "placement.clusterSelector", "is required"},
		{func(f *dpv1.FleetConfiguration) {
			f.Placement.ClusterSelector.MatchExpressions = []dpv1.LabelSelectorRequirement{{Key: "tier", Operator: "Equals"}}
		}, "placement.clusterSelector.matchExpressions[0].operator", `"Equals" is not In, NotIn, Exists or DoesNotExist`},
		{func(f *dpv1.FleetConfiguration) {
			f.Placement.ClusterSelector.MatchExpressions = []dpv1.LabelSelectorRequirement{{Key: "tier", Operator: "In"}}
		}, "placement.clusterSelector.matchExpressions[0].values", "must not be empty"},
		{func(f *dpv1.FleetConfiguration) {
			f.Placement.ClusterSelector.MatchLabels = map[string]string{"bad key!": "x"}
		},
			`placement.clusterSelector.matchLabels["bad key!"]`, "not a valid label key"},
		{func(f *dpv1.FleetConfiguration) {
			f.Properties.ConfigurationProtectedSettings = map[string]string{"httpsKey": "c2VjcmV0"}
		}, "properties.configurationProtectedSettings", "localAuthRef"},
		{func(f *dpv1.FleetConfiguration) { f.Properties.GitRepository = nil }, "properties.sourceKind", "must contain corresponding body"},
		{func(f *dpv1.FleetConfiguration) { f.Properties.Namespace = "kube-system" }, "properties.namespace", ""},
	} {
		f := fleetSpec(matchLabels("region", "eu"))
		tc.change(f)
		_, err := e.admin.PutFleet(ctx, "web", f)
		ce := refused(g, err, http.StatusBadRequest, tc.want)
		if tc.target != "" {
			g.Expect(ce.Target).To(Equal(tc.target))
		}
		g.Expect(ce.Message).NotTo(ContainSubstring("c2VjcmV0"), "a secret value is never echoed")
	}
	g.Expect(e.entry("east-1", "web")).To(BeNil())

	e.putFleet("web", fleetSpec(matchLabels("region", "eu")))
	f := fleetSpec(matchLabels("region", "eu"))
	f.Properties.Namespace = "team-b"
	_, err := e.admin.PutFleet(ctx, "web", f)
	refused(g, err, http.StatusBadRequest, "create-only")
}

// An agent holding a long-poll of a selected cluster is answered as soon as the fleet
// configuration changes.
func TestFleetChangeWakesHeldPolls(t *testing.T) { onThreeClusters(t, testFleetChangeWakesHeldPolls) }

func testFleetChangeWakesHeldPolls(g *WithT, e *fleetEnv) {
	ctx := context.Background()
	first, err := e.agents["east-1"].ListDesired(ctx, "")
	g.Expect(err).NotTo(HaveOccurred())
	got := make(chan *client.ListResult, 1)
	go func() {
		res, err := e.agents["east-1"].ListDesired(ctx, first.ETag, client.WithWait(30*time.Second))
		if err != nil {
			e.t.Error(err)
		}
		got <- res
	}()
	g.Eventually(e.srv.HeldPolls).Should(Equal(int64(1)))
	start := time.Now()
	e.putFleet("web", fleetSpec(matchLabels("region", "eu")))
	var res *client.ListResult
	g.Eventually(got).Should(Receive(&res))
	g.Expect(time.Since(start)).To(BeNumerically("<", 5*time.Second))
	g.Expect(res.NotModified).To(BeFalse())
	g.Expect(res.Items).To(ContainElement(HaveField("Name", "web")))
}
