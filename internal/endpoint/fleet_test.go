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
	"net/http"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

func TestFleetPlacesByMatchLabelsAndExpressions(t *testing.T) {
	onThreeClusters(t, testFleetPlacesByMatchLabelsAndExpressions)
}

func testFleetPlacesByMatchLabelsAndExpressions(g *WithT, e *fleetEnv) {
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
	onThreeClusters(t, testFleetFollowsLabelsAndRegistrations)
}

func testFleetFollowsLabelsAndRegistrations(g *WithT, e *fleetEnv) {
	ctx := context.Background()
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
	onThreeClusters(t, testDeletingFleetMarksRecordsDeleting)
}

func testDeletingFleetMarksRecordsDeleting(g *WithT, e *fleetEnv) {
	ctx := context.Background()
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

func TestFleetSurvivesRestart(t *testing.T) { forEachStore(t, testFleetSurvivesRestart) }

func testFleetSurvivesRestart(t *testing.T, store testStore) {
	g := NewWithT(t)
	dir := t.TempDir()
	clock := testutil.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	e := fleetEnvOn(startRegistry(t, dir, store, clock))
	ctx := context.Background()
	e.threeClusters()
	e.putFleet("web", fleetSpec(matchLabels("region", "eu")))
	second := fleetSpec(matchLabels("tier", "prod"))
	e.putFleet("web", second)
	op := e.entry("east-1", "web").OperationID
	e.http.Close()

	e.moveTo(startRegistry(t, dir, store, clock))
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

// Relabelling clusters while the fleet configuration changes ends with every cluster placed
// by its last labels: the two paths take the same locks in the same order.
func TestFleetPlacementUnderConcurrentChanges(t *testing.T) {
	onThreeClusters(t, testFleetPlacementUnderConcurrentChanges)
}

func testFleetPlacementUnderConcurrentChanges(g *WithT, e *fleetEnv) {
	ctx := context.Background()
	var wg sync.WaitGroup
	for _, c := range []string{"east-1", "east-2", "west-1"} {
		wg.Go(func() {
			for i := range 10 {
				region := []string{"eu", "us"}[i%2]
				if err := e.relabel(c, map[string]string{"region": region}); err != nil {
					e.t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 10 {
			f := fleetSpec(matchLabels("region", "us"))
			f.Properties.Kustomizations["infra"].Path = fmt.Sprintf("./infra/v%d", i)
			if _, err := e.admin.PutFleet(ctx, "web", f); err != nil {
				e.t.Error(err)
			}
		}
	})
	wg.Wait()
	// Each cluster's last label was "us" (i = 9).
	g.Expect(e.placed("web")).To(Equal([]string{"east-1", "east-2", "west-1"}))
	g.Expect(e.entry("east-1", "web").Properties.Kustomizations["infra"].Path).To(Equal("./infra/v9"))
}
