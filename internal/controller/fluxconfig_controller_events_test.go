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

package controller

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/render"
)

// eventRecorder keeps every event the controller records with the object it is about, and
// writes its text to text, which the tests scan for planted secrets.
type eventRecorder struct {
	text   io.Writer
	mu     sync.Mutex
	events []recordedEvent
}

type recordedEvent struct{ Namespace, Name, Type, Reason, Note string }

var _ events.EventRecorder = (*eventRecorder)(nil)

func (r *eventRecorder) Eventf(regarding, _ runtime.Object, eventType, reason, _, note string, args ...any) {
	e := recordedEvent{Type: eventType, Reason: reason, Note: fmt.Sprintf(note, args...)}
	if o, err := apimeta.Accessor(regarding); err == nil {
		e.Namespace, e.Name = o.GetNamespace(), o.GetName()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	_, _ = fmt.Fprintf(r.text, "%s %s %s\n", e.Type, e.Reason, e.Note)
}

// about returns the events about one FluxConfig, oldest first.
func (r *eventRecorder) about(fc *v1alpha1.FluxConfig) []recordedEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []recordedEvent
	for _, e := range r.events {
		if e.Namespace == fc.Namespace && e.Name == fc.Name {
			out = append(out, e)
		}
	}
	return out
}

func reasons(events []recordedEvent) []string {
	out := make([]string, 0, len(events))
	for _, e := range events {
		out = append(out, e.Reason)
	}
	return out
}

// A change to a config already applied is told by an Applied event naming what changed; the
// first apply is told by the status alone.
func TestFluxConfigReconciler_EventApplied(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	fc := create(t, g, ns, gitConfigDoc("ev", "app"))
	g.Eventually(func(g Gomega) {
		get(g, fc)
		g.Expect(fc.Status.Inventory).NotTo(BeNil())
	}, timeout, poll).Should(Succeed())
	g.Expect(reasons(recorder.about(fc))).NotTo(ContainElement("Applied"))

	fc.Spec.Kustomizations = append(fc.Spec.Kustomizations, v1alpha1.KustomizationDefinition{Name: "more", Path: "./more"})
	g.Expect(k8sClient.Update(context.Background(), fc)).To(Succeed())
	g.Eventually(func() []recordedEvent { return recorder.about(fc) }, timeout, poll).Should(ContainElement(recordedEvent{
		Namespace: ns, Name: "ev", Type: corev1.EventTypeNormal, Reason: "Applied", Note: "Applied Kustomization ev-more"}))
}

// Each way a config fails is a Warning event whose reason is the Ready condition's and whose
// note is its message; staying refused records no further one.
func TestFluxConfigReconciler_EventPerFailureReason(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		reason string
		// setUp prepares the namespace and returns the config that fails.
		setUp func(g *WithT, ns string) *v1alpha1.FluxConfig
	}{
		{v1alpha1.SecretNotFoundReason, func(g *WithT, ns string) *v1alpha1.FluxConfig {
			return create(t, g, ns, httpsConfig)
		}},
		{v1alpha1.ForeignObjectReason, func(g *WithT, ns string) *v1alpha1.FluxConfig {
			g.Expect(k8sClient.Create(ctx, protectedSecret(ns))).To(Succeed())
			g.Expect(k8sClient.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "web-auth", Namespace: ns}})).To(Succeed())
			return create(t, g, ns, httpsConfig)
		}},
		{v1alpha1.ScopeConflictReason, func(g *WithT, ns string) *v1alpha1.FluxConfig {
			create(t, g, ns, `{metadata: {name: platform}, spec: {gitRepository: {url: "https://e.com/p"}}}`)
			return create(t, g, ns, `{metadata: {name: tenant}, spec: {scope: namespace, gitRepository: {url: "https://e.com/r"}}}`)
		}},
		{v1alpha1.InvalidSpecReason, func(g *WithT, ns string) *v1alpha1.FluxConfig {
			return create(t, g, ns, `{metadata: {name: cycle}, spec: {gitRepository: {url: "https://e.com/r"},
				kustomizations: [{name: a, dependsOn: [b]}, {name: b, dependsOn: [a]}]}}`)
		}},
		// The auth Secret is the config's but immutable: the API server refuses the apply.
		{v1alpha1.ApplyFailedReason, func(g *WithT, ns string) *v1alpha1.FluxConfig {
			g.Expect(k8sClient.Create(ctx, protectedSecret(ns))).To(Succeed())
			g.Expect(k8sClient.Create(ctx, &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Name: "web-auth", Namespace: ns, Labels: render.Labels(ns, "web")},
				Immutable:  ptr.To(true), StringData: map[string]string{"username": "someone-else"},
			})).To(Succeed())
			return create(t, g, ns, httpsConfig)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			g := NewWithT(t)
			fc := tc.setUp(g, newNamespace(t))
			var ready *metav1.Condition
			g.Eventually(func(g Gomega) {
				get(g, fc)
				ready = condition(fc, v1alpha1.ReadyCondition)
				g.Expect(ready).NotTo(BeNil())
				g.Expect(ready.Reason).To(Equal(tc.reason))
			}, timeout, poll).Should(Succeed())
			want := recordedEvent{Namespace: fc.Namespace, Name: fc.Name, Type: corev1.EventTypeWarning, Reason: tc.reason, Note: ready.Message}
			g.Eventually(func() []recordedEvent { return recorder.about(fc) }, timeout, poll).Should(ContainElement(want))

			// Once the controller's cache holds the failure, reconciling again records nothing.
			g.Eventually(func(g Gomega) {
				cached := &v1alpha1.FluxConfig{}
				g.Expect(reconciler.Get(ctx, client.ObjectKeyFromObject(fc), cached)).To(Succeed())
				g.Expect(condition(cached, v1alpha1.ReadyCondition)).To(HaveField("Message", ready.Message))
			}, timeout, poll).Should(Succeed())
			failures := func() (n int) {
				for _, e := range recorder.about(fc) {
					if e.Reason == tc.reason {
						n++
					}
				}
				return n
			}
			before := failures()
			_, _ = reconciler.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(fc)})
			g.Expect(failures()).To(Equal(before), "a config that stays refused records its failure once")
			assertNoPlantedSecret(t, fc)
		})
	}
}

// A deletion tells each of its stages once, in order: the Kustomizations first, then, once
// Flux has released them, the source and Secrets, the namespace's RBAC, and the finalizer.
func TestFluxConfigReconciler_EventPerDeletionStage(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns, fc, k := createHeldByFlux(t, g, "gone")

	g.Expect(k8sClient.Delete(ctx, fc)).To(Succeed())
	g.Eventually(func() []string { return reasons(recorder.about(fc)) }, timeout, poll).Should(ContainElement(EventDeletingKustomizations))
	// While Flux holds the Kustomization, the next stages wait, and so do their events.
	g.Consistently(func() []string { return reasons(recorder.about(fc)) }, 2*deletionPoll, poll).ShouldNot(ContainElement(EventDeletingSource))

	get(g, k)
	releaseByFlux(g, k)
	g.Eventually(func() []string { return reasons(recorder.about(fc)) }, timeout, poll).Should(ContainElement(EventFinalized))
	var stages []recordedEvent
	for _, e := range recorder.about(fc) {
		if e.Type == corev1.EventTypeNormal && e.Reason != "Applied" {
			stages = append(stages, e)
		}
	}
	g.Expect(reasons(stages)).To(Equal([]string{EventDeletingKustomizations, EventDeletingSource, EventReleasedTenantRBAC, EventFinalized}))
	g.Expect(stages[0].Note).To(ContainSubstring("Deleting Kustomization gone-app first"))
	g.Expect(stages[1].Note).To(And(ContainSubstring("GitRepository gone"), HavePrefix("Deleting ")))
	g.Expect(stages[2].Note).To(And(ContainSubstring("ClusterRoleBinding "+render.ClusterRoleBindingName(ns)),
		ContainSubstring("ServiceAccount "+render.ApplierServiceAccount)))
}

// Deleting a config whose Kustomizations are suspended warns that Flux leaves what they
// applied, and how to have it pruned; one without an inventory or prune says nothing.
func TestFluxConfigReconciler_EventPruneSkipped(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	fc := create(t, g, ns, `{metadata: {name: paused}, spec: {suspend: true, gitRepository: {url: "https://e.com/r"},
		kustomizations: [{name: app, prune: true}, {name: empty, prune: true}]}}`)
	k := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Name: "paused-app", Namespace: ns}}
	g.Eventually(func(g Gomega) {
		get(g, k)
		g.Expect(k.Spec.Suspend).To(BeTrue())
	}, timeout, poll).Should(Succeed())
	// What kustomize-controller records once it has applied two objects.
	k.Status.Inventory = &kustomizev1.ResourceInventory{Entries: []kustomizev1.ResourceRef{
		{ID: ns + "_web__ConfigMap", Version: "v1"}, {ID: ns + "_web_apps_Deployment", Version: "v1"}}}
	g.Expect(k8sClient.Status().Update(ctx, k)).To(Succeed())

	g.Expect(k8sClient.Delete(ctx, fc)).To(Succeed())
	g.Eventually(func() []string { return reasons(recorder.about(fc)) }, timeout, poll).Should(ContainElement(EventFinalized))
	var skipped []recordedEvent
	for _, e := range recorder.about(fc) {
		if e.Reason == EventPruneSkipped {
			skipped = append(skipped, e)
		}
	}
	g.Expect(skipped).To(ConsistOf(recordedEvent{Namespace: ns, Name: "paused", Type: corev1.EventTypeWarning, Reason: EventPruneSkipped,
		Note: "Kustomization paused-app is suspended, so Flux leaves the 2 objects it applied in place: " +
			"the config is suspended; resume it (spec.suspend: false) before deleting it to have them pruned"}))
}
