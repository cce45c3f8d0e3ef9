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
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
)

// readCountingStore counts the record reads that go through it to the real store.
type readCountingStore struct {
	endpoint.Store
	reads atomic.Int64
}

func (s *readCountingStore) Get(ctx context.Context, cluster, name string) (*endpoint.Record, error) {
	s.reads.Add(1)
	return s.Store.Get(ctx, cluster, name)
}

func (s *readCountingStore) List(ctx context.Context, cluster string) ([]*endpoint.Record, error) {
	s.reads.Add(1)
	return s.Store.List(ctx, cluster)
}

func (s *readCountingStore) ListAll(ctx context.Context) ([]*endpoint.Record, error) {
	s.reads.Add(1000)
	return s.Store.ListAll(ctx)
}

// TestRolloutReportReadsOnlyItsOwnRecord: during a rollout over many clusters, a status
// report reads its own record and no other, and the stepper steps the rollout from memory:
// neither walks the fleet's records, which let reports queue behind the fleet lock at scale.
func TestRolloutReportReadsOnlyItsOwnRecord(t *testing.T) {
	g := NewWithT(t)
	const n = 30
	e := newRolloutEnv(t, onBolt, n)
	e.putFleet("web", rolloutSpec("main", nil))
	e.putFleet("web", rolloutSpec("v2", &dpv1.FleetRollout{
		Waves:               []dpv1.RolloutWave{{Name: "canary", Percent: pct(10)}, {Name: "rest", Percent: pct(100)}},
		MinCompliantSeconds: 60,
	}))
	e.step() // the first pass, which loads the fleet status
	canaries := e.onBranch("v2")
	g.Expect(canaries).To(HaveLen(3))

	reports := map[string]*dpv1.StatusReport{}
	for _, c := range canaries {
		rep := &dpv1.StatusReport{OperationID: e.entry(c, "web").OperationID, ProvisioningState: dpv1.ProvisioningSucceeded}
		rep.ComplianceState = "Compliant"
		reports[c] = rep
	}
	counting := &readCountingStore{Store: e.srv.Store}
	e.srv.Store = counting
	for c, rep := range reports {
		g.Expect(e.agents[c].ReportStatus(context.Background(), "web", rep)).To(Succeed())
	}
	g.Expect(counting.reads.Load()).To(BeNumerically("==", len(canaries)), "one read per report")

	counting.reads.Store(0)
	e.step()
	g.Expect(counting.reads.Load()).To(BeZero(), "a step that starts no cluster reads no record")
	g.Expect(e.status().Waves[0].Done).To(BeZero(), "soaking")

	// The soak ends with no report: the stepper alone opens the next wave, and reads only
	// the records of the clusters it starts.
	e.clock.Advance(time.Minute)
	counting.reads.Store(0)
	e.step()
	g.Expect(counting.reads.Load()).To(BeNumerically("<=", 2*(n-len(canaries))), "a read and a size check per cluster started")
	st := e.status()
	g.Expect(st.Waves[0].Done).To(Equal(3))
	g.Expect(st.CurrentWave).To(Equal("rest"))
	g.Expect(e.onBranch("v2")).To(HaveLen(n))
}

// TestRolloutStepperSteps: a report alone changes no progress; the stepper's next step
// takes it.
func TestRolloutStepperSteps(t *testing.T) {
	g := NewWithT(t)
	e := newRolloutEnv(t, onBolt, 4)
	e.putFleet("web", rolloutSpec("main", nil))
	r := canaryThenRest(false)
	r.MaxFailures = &dpv1.IntOrPercent{Value: 1}
	e.putFleet("web", rolloutSpec("v2", r))
	g.Expect(e.onBranch("v2")).To(Equal([]string{"c0"}))

	e.report("c0", dpv1.ProvisioningFailed, "", "boom")
	st := e.status()
	g.Expect(st.FailedClusters).To(BeEmpty(), "not stepped yet")
	g.Expect(st.CurrentWave).To(Equal("canary"))
	e.step()
	st = e.status()
	g.Expect(st.FailedClusters).To(Equal([]dpv1.RolloutFailure{{Cluster: "c0", Wave: "canary", Message: "boom"}}))
	g.Expect(st.CurrentWave).To(Equal("rest"), "within maxFailures: the failed canary finished its wave")
	g.Expect(e.onBranch("v2")).To(HaveLen(4))
	e.step()
	g.Expect(e.status()).To(Equal(st), "nothing more to step")
}
