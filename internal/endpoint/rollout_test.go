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
)

func TestRolloutCanaryThenPercentWaves(t *testing.T) {
	forEachStore(t, testRolloutCanaryThenPercentWaves)
}

func testRolloutCanaryThenPercentWaves(t *testing.T, store testStore) {
	g := NewWithT(t)
	e := newRolloutEnv(t, store, 6)
	e.putFleet("web", rolloutSpec("main", nil))
	g.Expect(e.onBranch("main")).To(HaveLen(6), "no rollout: every cluster at once")

	out := e.putFleet("web", rolloutSpec("v2", &dpv1.FleetRollout{
		Waves: []dpv1.RolloutWave{
			{Name: "canary", ClusterSelector: matchLabels("canary", "true")},
			{Name: "half", Percent: pct(50)},
			{Name: "rest", Percent: pct(100)},
		},
		MaxConcurrent: 2, MinCompliantSeconds: 60,
	}))
	g.Expect(out.RolloutStatus.Phase).To(Equal(dpv1.RolloutProgressing))
	g.Expect(out.RolloutStatus.CurrentWave).To(Equal("canary"))
	g.Expect(e.onBranch("v2")).To(Equal([]string{"c0"}), "the canary first")
	g.Expect(e.onBranch("main")).To(HaveLen(5), "the others keep the previous revision")

	// Compliant is not enough: the canary soaks for minCompliantSeconds.
	e.comply("v2")
	e.clock.Advance(30 * time.Second)
	e.tick()
	g.Expect(e.onBranch("v2")).To(Equal([]string{"c0"}))
	g.Expect(e.status().Waves[0].Done).To(Equal(0))
	e.clock.Advance(30 * time.Second)
	e.tick()
	st := e.status()
	g.Expect(st.Waves[0].Done).To(Equal(1))
	g.Expect(st.CurrentWave).To(Equal("half"))
	// The fleet-wide status carries the same rollout phase and wave.
	fleetStatus, err := e.admin.GetFleetStatus(context.Background(), "web", client.FleetStatusOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(fleetStatus.Rollout).NotTo(BeNil())
	g.Expect(fleetStatus.Rollout.Phase).To(Equal(dpv1.RolloutProgressing))
	g.Expect(fleetStatus.Rollout.CurrentWave).To(Equal("half"))
	g.Expect(e.onBranch("v2")).To(HaveLen(3), "two of the half wave at once")

	for i := 0; i < 10 && st.Phase != dpv1.RolloutCompleted; i++ {
		for _, w := range st.Waves {
			g.Expect(w.Updated-w.Done-w.Failed).To(BeNumerically("<=", 2), "maxConcurrent in wave %s", w.Name)
		}
		if st.CurrentWave == "rest" {
			g.Expect(st.Waves[1].Done).To(Equal(st.Waves[1].Clusters), "waves go in order")
		} else {
			g.Expect(st.Waves[2].Updated).To(BeZero(), "waves go in order")
		}
		e.comply("v2")
		e.clock.Advance(time.Minute)
		e.tick()
		st = e.status()
	}
	g.Expect(st.Phase).To(Equal(dpv1.RolloutCompleted))
	g.Expect(st.CurrentWave).To(BeEmpty())
	g.Expect(e.onBranch("v2")).To(HaveLen(6))
	g.Expect(st.Waves[0].Clusters + st.Waves[1].Clusters + st.Waves[2].Clusters).To(Equal(6))
	g.Expect(st.Waves[1].Clusters).To(BeNumerically(">=", 2), "50%% of 6 by rank, the canary aside")

	// A cluster that joins after its wave completed gets the current revision at once.
	e.cluster("c6", map[string]string{"fleet": "yes"})
	e.names = append(e.names, "c6")
	g.Expect(e.onBranch("v2")).To(ContainElement("c6"))
}

func TestRolloutPauseResumeAndHaltOnFailures(t *testing.T) {
	forEachStore(t, testRolloutPauseResumeAndHaltOnFailures)
}

func testRolloutPauseResumeAndHaltOnFailures(t *testing.T, store testStore) {
	g := NewWithT(t)
	ctx := context.Background()
	e := newRolloutEnv(t, store, 5)
	e.putFleet("web", rolloutSpec("main", nil))
	e.putFleet("web", rolloutSpec("v2", &dpv1.FleetRollout{
		Waves:         []dpv1.RolloutWave{{Name: "all", Percent: pct(100)}},
		MaxConcurrent: 2, ProgressDeadlineSeconds: 300, MaxFailures: &dpv1.IntOrPercent{Value: 1},
	}))
	firstTwo := e.onBranch("v2")
	g.Expect(firstTwo).To(HaveLen(2))

	paused, err := e.admin.PauseRollout(ctx, "web")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(paused.RolloutStatus.Phase).To(Equal(dpv1.RolloutPaused))
	e.comply("v2")
	e.clock.Advance(time.Minute)
	e.tick()
	g.Expect(e.onBranch("v2")).To(HaveLen(2), "a paused rollout reaches no more clusters")
	g.Expect(e.status().Waves[0].Done).To(Equal(2), "clusters that have it still count done")
	_, err = e.admin.ResumeRollout(ctx, "web")
	g.Expect(err).NotTo(HaveOccurred())
	first := e.onBranch("v2")
	g.Expect(first).To(HaveLen(4))

	// One failure is within maxFailures; the failed cluster frees its slot.
	failing := without(first, firstTwo)[0]
	e.report(failing, dpv1.ProvisioningFailed, "", "kustomization apps: apply failed: boom")
	e.step()
	st := e.status()
	g.Expect(st.Phase).To(Equal(dpv1.RolloutProgressing))
	g.Expect(e.onBranch("v2")).To(HaveLen(5))

	// The other two pass their deadline: three failures halt the rollout.
	e.clock.Advance(301 * time.Second)
	e.tick()
	st = e.status()
	g.Expect(st.Phase).To(Equal(dpv1.RolloutHalted))
	g.Expect(st.FailedClusters).To(HaveLen(3))
	g.Expect(st.FailedClusters).To(ContainElement(dpv1.RolloutFailure{Cluster: failing, Wave: "all",
		Message: "kustomization apps: apply failed: boom"}))
	for _, f := range st.FailedClusters {
		if f.Cluster != failing {
			g.Expect(f.Message).To(ContainSubstring("progressDeadlineSeconds"))
		}
	}
	_, err = e.admin.ApproveRollout(ctx, "web")
	g.Expect(client.StatusCode(err)).To(Equal(http.StatusConflict), "nothing waits for approval: %v", err)

	// Resuming excuses the failures; every cluster is finished, so it completes.
	resumed, err := e.admin.ResumeRollout(ctx, "web")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(resumed.RolloutStatus.Phase).To(Equal(dpv1.RolloutCompleted))
	g.Expect(resumed.RolloutStatus.FailedClusters).To(HaveLen(3), "still listed")
}
