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
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/agent/poller"
	"github.com/fluxconfig/fluxconfig/internal/agent/reporter"
)

// setStatus writes the status the controller would, through the status subresource.
func (f *fixture) setStatus(namespace, name string, mutate func(fc *v1alpha1.FluxConfig)) {
	f.t.Helper()
	fc := f.fluxConfig(namespace, name)
	patch := ctrlclient.MergeFrom(fc.DeepCopy())
	mutate(fc)
	f.g.Expect(f.kube.Status().Patch(context.Background(), fc, patch)).To(Succeed())
}

func TestReporter_PushesOnChangeOnlyAndAtMostOncePerInterval(t *testing.T) {
	f, ns := newAppFixture(t, "report", "agent-report")
	g := f.g
	f.poll()

	f.reconcile(ns, "app")
	g.Expect(f.reports.Load()).To(Equal(int64(1)))
	fc := f.fluxConfig(ns, "app")
	g.Expect(fc.Annotations[v1alpha1.LastReportedAnnotation]).To(HavePrefix(fc.Spec.OperationID + "/Succeeded/"))

	// Nothing changed: nothing is sent, however often the reconciler runs.
	for range 3 {
		f.reconcile(ns, "app")
	}
	g.Expect(f.reports.Load()).To(Equal(int64(1)))

	// A status change within the interval waits for the rest of the interval.
	f.setStatus(ns, "app", func(fc *v1alpha1.FluxConfig) {
		fc.Status.ComplianceState = v1alpha1.Compliant
		fc.Status.SourceSyncedCommitID = "main@sha1:0123456789abcdef"
		fc.Status.ObservedGeneration = fc.Generation
	})
	f.clock.Advance(20 * time.Second)
	res := f.reconcile(ns, "app")
	g.Expect(f.reports.Load()).To(Equal(int64(1)))
	g.Expect(res.RequeueAfter).To(Equal(40 * time.Second))

	// After the interval it goes out, with the §B.1 fields.
	f.clock.Advance(41 * time.Second)
	f.reconcile(ns, "app")
	g.Expect(f.reports.Load()).To(Equal(int64(2)))
	_, c := f.config("app")
	g.Expect(c.Properties.ComplianceState).To(Equal("Compliant"))
	g.Expect(c.Properties.SourceSyncedCommitID).To(Equal("main@sha1:0123456789abcdef"))
	g.Expect(c.Properties.StatusUpdatedAt).NotTo(BeNil())
}

func TestReporter_AgentKilledBetweenApplyAndReport(t *testing.T) {
	f := newFixture(t, "restart")
	g := f.g
	ns := f.ns("agent-restart")
	f.mustPut("app", gitBody(ns, map[string]string{"httpsKey": "dG9rZW4="}))
	f.poll() // applied, then the agent dies before any report

	_, c := f.config("app")
	g.Expect(c.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningCreating))

	// A new agent process: new reporter, no memory. The report is not lost...
	restarted := &reporter.Reporter{Client: f.kube, Config: f.poller.Config, Interval: time.Minute, Now: f.clock.Now, Identity: f.poller.Identity}
	_, err := restarted.Reconcile(context.Background(), reconcileRequest(ns, "app"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.reports.Load()).To(Equal(int64(1)))
	_, c = f.config("app")
	g.Expect(c.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningSucceeded))

	// ...and yet another restart does not send it again.
	again := &reporter.Reporter{Client: f.kube, Config: f.poller.Config, Interval: time.Minute, Now: f.clock.Now, Identity: f.poller.Identity}
	_, err = again.Reconcile(context.Background(), reconcileRequest(ns, "app"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.reports.Load()).To(Equal(int64(1)))

	// The poller's next apply keeps the reporter's annotations (separate field ownership).
	f.mustPatch("app", `{"properties":{"suspend":true}}`)
	f.poll()
	g.Expect(f.fluxConfig(ns, "app").Annotations).To(HaveKey(v1alpha1.LastReportedAnnotation))
}

func TestReporter_WaitForReconciliation(t *testing.T) {
	f := newFixture(t, "wait")
	g := f.g
	ns := f.ns("agent-wait")
	body := gitBody(ns, nil)
	props := body["properties"].(map[string]any)
	props["waitForReconciliation"] = true
	props["reconciliationWaitDuration"] = "PT5M"
	f.mustPut("ok", body)
	f.mustPut("slow", body)
	f.poll()

	// Not reconciled yet: Creating, and a recheck when the wait ends.
	res := f.reconcile(ns, "ok")
	_, c := f.config("ok")
	g.Expect(c.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningCreating))
	g.Expect(res.RequeueAfter).To(BeNumerically("~", 5*time.Minute, 2*time.Second))
	f.reconcile(ns, "slow")

	// Compliant at the current generation: Succeeded at once (a new provisioning state is
	// not held back by the status interval).
	f.setStatus(ns, "ok", func(fc *v1alpha1.FluxConfig) {
		fc.Status.ObservedGeneration = fc.Generation
		fc.Status.ComplianceState = v1alpha1.Compliant
	})
	f.reconcile(ns, "ok")
	_, c = f.config("ok")
	g.Expect(c.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningSucceeded))

	// Never reconciled: Failed once the wait passes.
	f.setStatus(ns, "slow", func(fc *v1alpha1.FluxConfig) {
		fc.Status.ObservedGeneration = fc.Generation
		fc.Status.ComplianceState = v1alpha1.Pending
		apimeta.SetStatusCondition(&fc.Status.Conditions, metav1.Condition{Type: "Ready", Status: metav1.ConditionUnknown, Reason: "Progressing", Message: "applying"})
	})
	f.clock.Advance(5*time.Minute + time.Second)
	f.reconcile(ns, "slow")
	_, c = f.config("slow")
	g.Expect(c.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningFailed))
	g.Expect(c.Properties.ErrorMessage).To(ContainSubstring("did not finish reconciling within reconciliationWaitDuration 5m0s"))
}

func TestReporter_RetriesWhenTheEndpointIsDown(t *testing.T) {
	f, ns := newAppFixture(t, "retry", "agent-retry")
	g := f.g
	f.poll()

	down := newFaultServer(t, f.endpoint.URL)
	down.set("500")
	f.reporter.Config = f.configClient(down.URL, time.Second)
	_, err := f.reporter.Reconcile(context.Background(), reconcileRequest(ns, "app"))
	g.Expect(err).To(MatchError(ContainSubstring("answered 500")), "an error makes the workqueue retry with backoff")
	g.Expect(f.fluxConfig(ns, "app").Annotations).NotTo(HaveKey(v1alpha1.LastReportedAnnotation), "nothing is marked as reported")

	down.set("")
	f.reconcile(ns, "app")
	_, c := f.config("app")
	g.Expect(c.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningSucceeded))
}

func TestReporter_ForgottenConfigurationIsNotRetried(t *testing.T) {
	f, ns := newAppFixture(t, "forgotten", "agent-forgotten")
	g := f.g
	f.poll()
	g.Expect(f.mustDelete("app", true)).To(BeNil())
	// The endpoint answers 404: no error, so the workqueue does not retry for ever.
	res := f.reconcile(ns, "app")
	g.Expect(res.RequeueAfter).To(BeZero())
	g.Expect(f.fluxConfig(ns, "app").Annotations).NotTo(HaveKey(v1alpha1.LastReportedAnnotation))
}

// TestReporter_HoldsReportsUntilTheFirstPollRoundEnds: the agent's reporter waits for the
// poller's first round, which on a fresh cluster creates every FluxConfig, and then reports
// what waited.
func TestReporter_HoldsReportsUntilTheFirstPollRoundEnds(t *testing.T) {
	f := newFixture(t, "hold")
	g := f.g
	ns := f.ns("agent-hold")
	round := f.poller.FirstRound()
	g.Expect(round).NotTo(BeClosed())
	held := &reporter.Reporter{Client: f.kube, Config: f.poller.Config, Interval: time.Minute, Now: f.clock.Now,
		Identity: f.poller.Identity, Hold: round}

	// A FluxConfig of this agent from before (an earlier run) waits while the round has not ended.
	f.mustPut("app", gitBody(ns, nil))
	other := &poller.Poller{Client: f.kube, Config: f.poller.Config, Interval: time.Second, Now: f.clock.Now,
		Log: f.poller.Log, Identity: f.poller.Identity}
	g.Expect(other.Poll(context.Background())).To(Succeed())
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := held.Reconcile(ctx, reconcileRequest(ns, "app"))
	g.Expect(err).To(MatchError(context.DeadlineExceeded))
	g.Expect(f.reports.Load()).To(BeZero())

	// The round ends, even one that changes nothing, and the report goes out.
	f.poll()
	g.Expect(round).To(BeClosed())
	g.Expect(f.poller.FirstRound()).To(BeClosed())
	_, err = held.Reconcile(context.Background(), reconcileRequest(ns, "app"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.reports.Load()).To(Equal(int64(1)))
}
