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
	"testing"
	"time"

	. "github.com/onsi/gomega"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// TestReplicas_RolloutProgressIsShared: a rollout started on one replica is stepped by
// reports and ticks on the other, and read back on the first: its progress lives in the
// fleet configuration's row, under the fleet lock.
func TestReplicas_RolloutProgressIsShared(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	e, first, second, clock := startRolloutReplicas(t)
	e.putFleet("web", rolloutSpec("main", nil))
	r := canaryThenRest(false)
	r.MinCompliantSeconds = 60
	e.putFleet("web", rolloutSpec("v2", r))

	e.moveTo(second)
	g.Eventually(e.onBranch).WithArguments("v2").Should(Equal([]string{"c0"}))
	e.comply("v2")
	clock.Advance(time.Minute)
	g.Eventually(func() []string {
		g.Expect(second.srv.TickRollouts(ctx)).To(Succeed())
		return e.onBranch("v2")
	}).Should(HaveLen(3), "the second replica steps the rollout the first started")

	got, err := first.admin.GetFleet(ctx, "web")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.RolloutStatus.CurrentWave).To(Equal("rest"))
	g.Expect(got.RolloutStatus.Waves[0].Done).To(Equal(1))
	e.comply("v2")
	clock.Advance(time.Minute)
	// The first replica hears of the reports made to the second through their notification,
	// so its tick may come before it has.
	g.Eventually(func() string {
		g.Expect(first.srv.TickRollouts(ctx)).To(Succeed())
		got, err := first.admin.GetFleet(ctx, "web")
		g.Expect(err).NotTo(HaveOccurred())
		return got.RolloutStatus.Phase
	}).Should(Equal(dpv1.RolloutCompleted), "the first replica completes the rollout on the second's reports")
}

// TestReplicas_ReportToAnotherReplicaIsStepped: the stepper of one replica steps a rollout
// on a report made to another, which reaches it by the report's notification alone.
func TestReplicas_ReportToAnotherReplicaIsStepped(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	e, first, second, _ := startRolloutReplicas(t)
	e.putFleet("web", rolloutSpec("main", nil))
	e.putFleet("web", rolloutSpec("v2", canaryThenRest(false)))
	// The stepper's first pass: from now on it steps only what is marked or due.
	g.Expect(first.srv.StepRollouts(ctx)).To(Succeed())

	e.moveTo(second)
	g.Eventually(e.onBranch).WithArguments("v2").Should(Equal([]string{"c0"}))
	e.comply("v2")
	g.Eventually(func() []string {
		g.Expect(first.srv.StepRollouts(ctx)).To(Succeed())
		return e.onBranch("v2")
	}).Should(HaveLen(3), "the first replica steps on the second's report")
}

// startRolloutReplicas starts two endpoints on one PostgreSQL database and a rollout
// environment of three clusters on the first.
func startRolloutReplicas(t *testing.T) (e *rolloutEnv, first, second *registryEndpoint, clock *testutil.Clock) {
	pg := testStore{name: "postgres", databaseURL: testutil.PostgresDB(t)}
	clock = testutil.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	first, second = startRegistry(t, t.TempDir(), pg, clock), startRegistry(t, t.TempDir(), pg, clock)
	e = &rolloutEnv{fleetEnv: fleetEnvOn(first)}
	e.addClusters(3)
	return e, first, second, clock
}
