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
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/agent/drift"
	"github.com/fluxconfig/fluxconfig/internal/agent/poller"
)

// repairDeadline is how soon a drifted FluxConfig must be back (issue 15: within 5 s).
const repairDeadline = 5 * time.Second

const (
	editedRepairs  = `fluxconfig_agent_repairs_total{reason="Edited"}`
	deletedRepairs = `fluxconfig_agent_repairs_total{reason="Deleted"}`
)

// settled waits until the agent has applied name, reported on it and recorded its Created
// event (events are sent in the background), so what follows starts from the steady state.
func (f *fixture) settled(g Gomega, ns, name string) *v1alpha1.FluxConfig {
	fc := &v1alpha1.FluxConfig{}
	g.Eventually(func(g Gomega) {
		g.Expect(f.kube.Get(context.Background(), key(ns, name), fc)).To(Succeed())
		g.Expect(fc.Annotations).To(HaveKey(v1alpha1.LastReportedAnnotation))
		created, _ := f.events(g, ns, name, poller.EventCreated)
		g.Expect(created).To(Equal(1))
	}, 30*time.Second, 50*time.Millisecond).Should(Succeed())
	return fc
}

// An edit in the cluster, of a field the agent sets or of one it does not (kubectl edit
// suspending the config, a kustomization of one's own), is undone within seconds, with the
// poller asleep for an hour: the endpoint's answer does not change, so only the repair can.
func TestDrift_EditedConfigIsRestored(t *testing.T) {
	f, ns := newAppFixture(t, "drift-edit", "drift-edit")
	g, ctx := f.g, context.Background()
	a := f.startAgent(f.poller.Config, time.Hour)
	applied := f.settled(g, ns, "app")
	a.quiet(t, "the steady state sends no writes")
	repairs := a.metric(g, editedRepairs)
	// The create event of what the agent applied is answered from the watch, without a read.
	g.Expect(a.repairReads.gets.Load()).To(BeZero(), "drift repair read a FluxConfig the agent had just applied")

	edit := func(mutate func(fc *v1alpha1.FluxConfig)) {
		t.Helper()
		fc := &v1alpha1.FluxConfig{}
		g.Expect(f.kube.Get(ctx, key(ns, "app"), fc)).To(Succeed())
		mutate(fc)
		g.Expect(f.kube.Update(ctx, fc)).To(Succeed())
	}
	restored := func(g Gomega) {
		fc := &v1alpha1.FluxConfig{}
		g.Expect(f.kube.Get(ctx, key(ns, "app"), fc)).To(Succeed())
		g.Expect(fc.Spec).To(Equal(applied.Spec))
	}

	start := time.Now()
	edit(func(fc *v1alpha1.FluxConfig) { fc.Spec.Kustomizations[0].Path = "./edited-by-hand" })
	g.Eventually(restored, repairDeadline, 20*time.Millisecond).Should(Succeed())
	t.Logf("edit → restored: %s", time.Since(start).Round(10*time.Millisecond))
	g.Eventually(func(g Gomega) float64 { return a.metric(g, editedRepairs) }, 10*time.Second, 50*time.Millisecond).Should(Equal(repairs + 1))
	g.Expect(a.repairReads.gets.Load()).To(BeNumerically(">", 0), "an edit is read live before it is repaired")

	edit(func(fc *v1alpha1.FluxConfig) {
		fc.Spec.Suspend = true
		fc.Spec.Kustomizations = append(fc.Spec.Kustomizations, v1alpha1.KustomizationDefinition{Name: "mine", Path: "./mine"})
	})
	g.Eventually(restored, repairDeadline, 50*time.Millisecond).Should(Succeed())
	g.Eventually(func(g Gomega) float64 { return a.metric(g, editedRepairs) }, 10*time.Second, 50*time.Millisecond).Should(Equal(repairs + 2))

	g.Eventually(func(g Gomega) int {
		n, notes := f.events(g, ns, "app", drift.EventRepaired)
		for _, note := range notes {
			g.Expect(note).To(ContainSubstring("change it through the configuration endpoint"))
		}
		return n
	}, 10*time.Second, 100*time.Millisecond).Should(Equal(2), "one event per repair")
	a.quiet(t, "a repaired config is quiet again")
}

// A FluxConfig deleted in the cluster comes back within seconds, with its protected
// parameters, while the agent still holds them; a Secret of someone else's is left alone.
func TestDrift_DeletedConfigIsRestored(t *testing.T) {
	f := newFixture(t, "drift-delete")
	g, ctx := f.g, context.Background()
	ns := f.ns("drift-delete")
	f.mustPut("app", gitBody(ns, map[string]string{"httpsKey": "dG9rZW4="}))
	a := f.startAgent(f.poller.Config, time.Hour)
	applied := f.settled(g, ns, "app")
	repairs := a.metric(g, deletedRepairs)

	// The Secret first: it is not watched, and comes back with the repair of its FluxConfig.
	secret := &corev1.Secret{}
	g.Expect(f.kube.Get(ctx, key(ns, "app-protected-parameters"), secret)).To(Succeed())
	g.Expect(f.kube.Delete(ctx, secret)).To(Succeed())
	start := time.Now()
	g.Expect(f.kube.Delete(ctx, applied)).To(Succeed())

	back := &v1alpha1.FluxConfig{}
	g.Eventually(func(g Gomega) {
		g.Expect(f.kube.Get(ctx, key(ns, "app"), back)).To(Succeed())
		g.Expect(back.UID).NotTo(Equal(applied.UID))
	}, repairDeadline, 20*time.Millisecond).Should(Succeed())
	t.Logf("delete → recreated: %s", time.Since(start).Round(10*time.Millisecond))
	g.Expect(back.Spec).To(Equal(applied.Spec))
	g.Expect(back.Spec.ProtectedParametersSecretRef).NotTo(BeNil())
	g.Expect(back.Labels).To(Equal(applied.Labels))
	g.Eventually(func(g Gomega) {
		g.Expect(f.kube.Get(ctx, key(ns, "app-protected-parameters"), secret)).To(Succeed())
		g.Expect(string(secret.Data["httpsKey"])).To(Equal("token"))
	}, repairDeadline, 50*time.Millisecond).Should(Succeed())
	g.Eventually(func(g Gomega) float64 { return a.metric(g, deletedRepairs) }, 10*time.Second, 50*time.Millisecond).Should(Equal(repairs + 1))
	g.Eventually(func(g Gomega) []string {
		_, notes := f.events(g, ns, "app", drift.EventRepaired)
		return notes
	}, 10*time.Second, 100*time.Millisecond).Should(ConsistOf(ContainSubstring("Recreated the FluxConfig deleted in the cluster")))
	a.quiet(t, "a recreated config is quiet again")
}

// A suspension through the endpoint is the desired state, so it is never undone; a resume by
// hand in the cluster is drift, and suspends the config again.
func TestDrift_SuspendThroughEndpointIsNotFought(t *testing.T) {
	f, ns := newAppFixture(t, "drift-suspend", "drift-suspend")
	g, ctx := f.g, context.Background()
	a := f.startAgent(f.poller.Config, 200*time.Millisecond)
	f.settled(g, ns, "app")
	repairs := a.metric(g, editedRepairs)

	f.mustPatch("app", `{"properties":{"suspend":true}}`)
	suspended := func(g Gomega) bool {
		fc := &v1alpha1.FluxConfig{}
		g.Expect(f.kube.Get(ctx, key(ns, "app"), fc)).To(Succeed())
		return fc.Spec.Suspend
	}
	g.Eventually(suspended, 30*time.Second, 50*time.Millisecond).Should(BeTrue())
	g.Consistently(suspended, 2*time.Second, 100*time.Millisecond).Should(BeTrue())
	g.Expect(a.metric(g, editedRepairs)).To(Equal(repairs), "following the endpoint is no repair")
	n, _ := f.events(g, ns, "app", drift.EventRepaired)
	g.Expect(n).To(BeZero())

	fc := &v1alpha1.FluxConfig{}
	g.Expect(f.kube.Get(ctx, key(ns, "app"), fc)).To(Succeed())
	fc.Spec.Suspend = false
	g.Expect(f.kube.Update(ctx, fc)).To(Succeed())
	g.Eventually(suspended, repairDeadline, 50*time.Millisecond).Should(BeTrue())
	g.Eventually(func(g Gomega) float64 { return a.metric(g, editedRepairs) }, 10*time.Second, 50*time.Millisecond).Should(Equal(repairs + 1))
}

// An edit made while no agent ran (a restart, a new leader) is found by the next agent's first
// poll and undone, fields the agent never sets included.
func TestDrift_EditWhileNoAgentRanIsRestored(t *testing.T) {
	f, ns := newAppFixture(t, "drift-down", "drift-down")
	g, ctx := f.g, context.Background()
	first := f.startAgent(f.poller.Config, time.Hour)
	applied := f.settled(g, ns, "app")
	first.stop()

	fc := &v1alpha1.FluxConfig{}
	g.Expect(f.kube.Get(ctx, key(ns, "app"), fc)).To(Succeed())
	fc.Spec.Suspend = true
	g.Expect(f.kube.Update(ctx, fc)).To(Succeed())

	second := f.startAgent(f.poller.Config, time.Hour)
	g.Eventually(func(g Gomega) {
		g.Expect(f.kube.Get(ctx, key(ns, "app"), fc)).To(Succeed())
		g.Expect(fc.Spec).To(Equal(applied.Spec))
	}, repairDeadline, 20*time.Millisecond).Should(Succeed())
	g.Eventually(func(g Gomega) int {
		n, _ := f.events(g, ns, "app", drift.EventRepaired)
		return n
	}, 10*time.Second, 100*time.Millisecond).Should(Equal(1))
	second.quiet(t, "a repaired config is quiet again")
}

// A FluxConfig the agent deletes, because the endpoint deletes the configuration, is not
// brought back.
func TestDrift_DeletionByTheEndpointIsNotRepaired(t *testing.T) {
	f, ns := newAppFixture(t, "drift-endpoint-delete", "drift-endpoint-delete")
	g, ctx := f.g, context.Background()
	f.mustPut("other", gitBody(ns, nil))
	// A third config stays, so pruning "other" is not more than half of the agent's configs,
	// which the prune limit would hold back.
	f.mustPut("stays", gitBody(ns, nil))
	a := f.startAgent(f.poller.Config, 200*time.Millisecond)
	f.settled(g, ns, "app")
	repairs := a.metric(g, deletedRepairs)

	g.Expect(f.mustDelete("app", false)).NotTo(BeNil())
	g.Expect(f.mustDelete("other", true)).To(BeNil(), "forceDelete: pruned as unlisted")
	for _, name := range []string{"app", "other"} {
		g.Eventually(func() bool {
			return apierrors.IsNotFound(f.kube.Get(ctx, key(ns, name), &v1alpha1.FluxConfig{}))
		}, 30*time.Second, 50*time.Millisecond).Should(BeTrue(), name)
	}
	g.Consistently(func() bool {
		return apierrors.IsNotFound(f.kube.Get(ctx, key(ns, "app"), &v1alpha1.FluxConfig{})) &&
			apierrors.IsNotFound(f.kube.Get(ctx, key(ns, "other"), &v1alpha1.FluxConfig{}))
	}, 2*time.Second, 100*time.Millisecond).Should(BeTrue())
	g.Expect(a.metric(g, deletedRepairs)).To(Equal(repairs))
}
