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
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

func canaryThenRest(approve bool) *dpv1.FleetRollout {
	return &dpv1.FleetRollout{Waves: []dpv1.RolloutWave{
		{Name: "canary", ClusterSelector: matchLabels("canary", "true")},
		{Name: "rest", Percent: pct(100), RequireApproval: approve},
	}}
}

func TestRolloutApprovalGateAndImmediateRollback(t *testing.T) {
	forEachStore(t, testRolloutApprovalGateAndImmediateRollback)
}

func testRolloutApprovalGateAndImmediateRollback(t *testing.T, store testStore) {
	g := NewWithT(t)
	ctx := context.Background()
	e := newRolloutEnv(t, store, 4)
	e.putFleet("web", rolloutSpec("main", nil))
	e.putFleet("web", rolloutSpec("v2", canaryThenRest(true)))
	e.comply("v2")
	e.step()
	st := e.status()
	g.Expect(st.Phase).To(Equal(dpv1.RolloutWaitingForApproval))
	g.Expect(st.CurrentWave).To(Equal("rest"))
	e.clock.Advance(time.Hour)
	e.tick()
	g.Expect(e.onBranch("v2")).To(Equal([]string{"c0"}), "an unapproved wave waits however long")

	approved, err := e.admin.ApproveRollout(ctx, "web")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(approved.RolloutStatus.Phase).To(Equal(dpv1.RolloutProgressing))
	g.Expect(e.onBranch("v2")).To(HaveLen(4), "no maxConcurrent: the whole wave")
	e.comply("v2")
	e.step()
	g.Expect(e.status().Phase).To(Equal(dpv1.RolloutCompleted))

	back, err := e.admin.RollbackFleet(ctx, "web", true)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(back.Revision).To(Equal(int64(3)))
	g.Expect(back.Rollout).To(BeNil())
	g.Expect(back.RolloutStatus).To(BeNil())
	g.Expect(e.onBranch("main")).To(HaveLen(4), "immediately everywhere")

	code, body, _ := e.do(http.MethodPost, "/v1/fleetConfigurations/web/rollback?immediate=soon", adminToken, nil)
	g.Expect(code).To(Equal(http.StatusBadRequest), "%s", body)
	g.Expect(string(body)).To(ContainSubstring("immediate"))
	_, err = e.admin.PauseRollout(ctx, "web")
	g.Expect(client.StatusCode(err)).To(Equal(http.StatusConflict), "no rollout to pause: %v", err)
}

func TestRolloutRefusesBadStrategyNamingTheField(t *testing.T) {
	forEachStore(t, testRolloutRefusesBadStrategyNamingTheField)
}

func testRolloutRefusesBadStrategyNamingTheField(t *testing.T, store testStore) {
	g := NewWithT(t)
	e := newRolloutEnv(t, store, 1)
	bad := rolloutSpec("main", &dpv1.FleetRollout{Waves: []dpv1.RolloutWave{{Name: "a", Percent: pct(150)}}})
	_, err := e.admin.PutFleet(context.Background(), "web", bad)
	g.Expect(client.StatusCode(err)).To(Equal(http.StatusBadRequest))
	g.Expect(err.Error()).To(ContainSubstring("rollout.waves[0].percent"))
	code, body, _ := e.do(http.MethodPut, "/v1/fleetConfigurations/web", adminToken,
		[]byte(`{"properties": {}, "placement": {"clusterSelector": {}}, "rollout": {"waves": [{"name": "a", "percent": 5}], "maxFailures": "ten"}}`))
	g.Expect(code).To(Equal(http.StatusBadRequest), "%s", body)
	g.Expect(string(body)).To(ContainSubstring("maxFailures"))
	_, err = e.admin.RollbackFleet(context.Background(), "nothing", false)
	g.Expect(client.IsNotFound(err)).To(BeTrue(), "%v", err)
}

func TestRolloutSurvivesRestartAndRollsBack(t *testing.T) {
	forEachStore(t, testRolloutSurvivesRestartAndRollsBack)
}

func testRolloutSurvivesRestartAndRollsBack(t *testing.T, store testStore) {
	g := NewWithT(t)
	ctx := context.Background()
	dir := t.TempDir()
	clock := testutil.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	e := &rolloutEnv{fleetEnv: fleetEnvOn(startRegistry(t, dir, store, clock))}
	e.addClusters(4)
	e.putFleet("web", rolloutSpec("main", nil))
	r := canaryThenRest(false)
	r.MinCompliantSeconds, r.MaxConcurrent = 60, 1
	e.putFleet("web", rolloutSpec("v2", r))
	e.comply("v2")
	clock.Advance(30 * time.Second)
	e.tick()

	e.http.Close()
	e.moveTo(startRegistry(t, dir, store, clock))
	g.Expect(e.srv.ReconcileFleets(ctx)).To(Succeed())
	g.Expect(e.onBranch("v2")).To(Equal([]string{"c0"}), "placing at start keeps the rollout where it was")
	clock.Advance(30 * time.Second)
	e.tick()
	g.Expect(e.status().CurrentWave).To(Equal("rest"), "the soak begun before the restart counts")
	second := without(e.onBranch("v2"), []string{"c0"})
	g.Expect(second).To(HaveLen(1))

	e.report(second[0], dpv1.ProvisioningSucceeded, "Non-Compliant", "")
	e.step()
	st := e.status()
	g.Expect(st.Phase).To(Equal(dpv1.RolloutHalted), "no maxFailures: the first failure halts")
	g.Expect(st.FailedClusters).To(Equal([]dpv1.RolloutFailure{{Cluster: second[0], Wave: "rest", Message: "Non-Compliant"}}))
	e.clock.Advance(time.Hour)
	e.tick()
	g.Expect(e.onBranch("v2")).To(HaveLen(2), "a halted rollout reaches no more clusters")

	// Rolling back a halted rollout: the clusters it reached go back to the revision it
	// rolled out from at once; the canary gets the new revision first as always.
	untouched := without(e.names, []string{"c0", second[0]})
	ops := map[string]string{}
	for _, c := range untouched {
		ops[c] = e.entry(c, "web").OperationID
	}
	back, err := e.admin.RollbackFleet(ctx, "web", false)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(back.Revision).To(Equal(int64(3)))
	g.Expect(back.RolloutStatus.FromRevision).To(Equal(int64(1)))
	g.Expect(back.RolloutStatus.CurrentWave).To(Equal("canary"))
	g.Expect(e.onBranch("main")).To(HaveLen(4))
	for _, c := range untouched {
		g.Expect(e.entry(c, "web").OperationID).To(Equal(ops[c]), "%s never had v2: no new operation", c)
	}
	for i := 0; i < 6 && e.status().Phase != dpv1.RolloutCompleted; i++ {
		e.comply("main")
		clock.Advance(time.Minute)
		e.tick()
	}
	g.Expect(e.status().Phase).To(Equal(dpv1.RolloutCompleted))
	revs, err := e.admin.ListFleetRevisions(ctx, "web")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(revs[0].Rollout).NotTo(BeNil(), "the rollback keeps the strategy")
}

func TestRolloutPlacesNewClustersByTheirWave(t *testing.T) {
	forEachStore(t, testRolloutPlacesNewClustersByTheirWave)
}

func testRolloutPlacesNewClustersByTheirWave(t *testing.T, store testStore) {
	g := NewWithT(t)
	e := newRolloutEnv(t, store, 3)
	e.putFleet("web", rolloutSpec("main", nil))
	e.putFleet("web", rolloutSpec("v2", canaryThenRest(true)))
	e.comply("v2")
	e.step()
	g.Expect(e.status().Phase).To(Equal(dpv1.RolloutWaitingForApproval))

	// A cluster of the finished canary wave gets the new revision; one of the waiting wave
	// the revision before it.
	e.cluster("late-canary", map[string]string{"fleet": "yes", "canary": "true"})
	e.cluster("late", map[string]string{"fleet": "yes"})
	e.names = append(e.names, "late-canary", "late")
	g.Expect(e.onBranch("v2")).To(Equal([]string{"c0", "late-canary"}))
	g.Expect(e.onBranch("main")).To(Equal([]string{"c1", "c2", "late"}))

	// Relabelled into the canary wave, a cluster catches up with it.
	g.Expect(e.relabel("c1", map[string]string{"fleet": "yes", "canary": "true"})).To(Succeed())
	g.Expect(e.onBranch("v2")).To(Equal([]string{"c0", "c1", "late-canary"}))
	e.tick()
	st := e.status()
	g.Expect(st.Waves[0].Clusters).To(Equal(3))
	g.Expect(st.Waves[0].Updated).To(Equal(3))
	g.Expect(st.Waves[1].Clusters).To(Equal(2))
	g.Expect(st.Waves[1].Updated).To(BeZero())
}
