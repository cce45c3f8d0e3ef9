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
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	"github.com/fluxcd/pkg/apis/meta"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/render"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

const (
	timeout = 30 * time.Second
	poll    = 100 * time.Millisecond
	// planted is a secret value that must never surface in logs, events or status.
	planted = "PLANTED-9f3c-SECRET-VALUE"
)

var nsCounter int

func newNamespace(t *testing.T) string {
	t.Helper()
	nsCounter++
	name := fmt.Sprintf("ctrl-%d-%d", time.Now().UnixNano()%100000, nsCounter)
	if err := testenv.EnsureNamespace(context.Background(), k8sClient, name); err != nil {
		t.Fatal(err)
	}
	return name
}

func create(t *testing.T, g *WithT, ns, doc string) *v1alpha1.FluxConfig {
	t.Helper()
	fc := &v1alpha1.FluxConfig{}
	g.Expect(yaml.UnmarshalStrict([]byte(doc), fc)).To(Succeed())
	fc.Namespace = ns
	g.Expect(k8sClient.Create(context.Background(), fc)).To(Succeed())
	return fc
}

// fluxFinalizer is the finalizer by which Flux holds a Kustomization while it prunes.
const fluxFinalizer = "finalizers.fluxcd.io"

// holdByFlux adds Flux's finalizer to k, as Flux does while it prunes what k applied.
func holdByFlux(g Gomega, k *kustomizev1.Kustomization) {
	controllerutil.AddFinalizer(k, fluxFinalizer)
	g.Expect(k8sClient.Update(context.Background(), k)).To(Succeed())
}

// releaseByFlux takes Flux's finalizer off k, as Flux does once it has pruned.
func releaseByFlux(g Gomega, k *kustomizev1.Kustomization) {
	controllerutil.RemoveFinalizer(k, fluxFinalizer)
	g.Expect(k8sClient.Update(context.Background(), k)).To(Succeed())
}

// createHeldByFlux creates, in a new namespace, the FluxConfig name of one Git source and
// one kustomization, app, and holds that Kustomization by Flux's finalizer once it exists.
func createHeldByFlux(t *testing.T, g *WithT, name string) (ns string, fc *v1alpha1.FluxConfig, k *kustomizev1.Kustomization) {
	t.Helper()
	ns = newNamespace(t)
	fc, k = createGitConfig(t, g, ns, name, "app")
	holdByFlux(g, k)
	return ns, fc, k
}

// gitConfigDoc is the FluxConfig name of one Git source and one kustomization.
func gitConfigDoc(name, kustomization string) string {
	return `{metadata: {name: ` + name + `}, spec: {gitRepository: {url: "https://e.com/r"}, kustomizations: [{name: ` +
		kustomization + `}]}}`
}

// createGitConfig creates gitConfigDoc(name, kustomization) in ns and waits for its Kustomization.
func createGitConfig(t *testing.T, g *WithT, ns, name, kustomization string) (*v1alpha1.FluxConfig, *kustomizev1.Kustomization) {
	t.Helper()
	fc := create(t, g, ns, gitConfigDoc(name, kustomization))
	k := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Name: name + "-" + kustomization, Namespace: ns}}
	g.Eventually(func(g Gomega) { get(g, k) }, timeout, poll).Should(Succeed())
	return fc, k
}

// createHTTPSConfig creates httpsConfig, with its protected parameters, in a new namespace.
func createHTTPSConfig(t *testing.T, g *WithT) (ns string, fc *v1alpha1.FluxConfig) {
	t.Helper()
	ns = newNamespace(t)
	g.Expect(k8sClient.Create(context.Background(), protectedSecret(ns))).To(Succeed())
	return ns, create(t, g, ns, httpsConfig)
}

// expectCondition checks, after a fresh read, that fc has the condition of type condType
// with reason and a message containing each of msgs.
func expectCondition(g Gomega, fc *v1alpha1.FluxConfig, condType, reason string, msgs ...string) {
	get(g, fc)
	c := condition(fc, condType)
	g.Expect(c).NotTo(BeNil())
	g.Expect(c.Reason).To(Equal(reason))
	for _, m := range msgs {
		g.Expect(c.Message).To(ContainSubstring(m))
	}
}

func get(g Gomega, obj client.Object) {
	g.Expect(k8sClient.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)).To(Succeed())
}

func condition(fc *v1alpha1.FluxConfig, typ string) *metav1.Condition {
	return apimeta.FindStatusCondition(fc.Status.Conditions, typ)
}

// setReady sets a Flux object's Ready condition the way its controller would.
func setReady(g Gomega, obj client.Object, status metav1.ConditionStatus, reason, msg string) {
	get(g, obj)
	cond := metav1.Condition{Type: meta.ReadyCondition, Status: status, Reason: reason, Message: msg,
		LastTransitionTime: metav1.Now(), ObservedGeneration: obj.GetGeneration()}
	switch o := obj.(type) {
	case *sourcev1.GitRepository:
		o.Status.ObservedGeneration = o.Generation
		o.Status.Conditions = []metav1.Condition{cond}
		o.Status.Artifact = &meta.Artifact{Revision: "main@sha1:0123456789abcdef0123456789abcdef01234567",
			Path: "p", URL: "http://127.0.0.1/p", Digest: "sha256:00", LastUpdateTime: metav1.Now()}
	case *kustomizev1.Kustomization:
		o.Status.ObservedGeneration = o.Generation
		o.Status.Conditions = []metav1.Condition{cond}
	}
	g.Expect(k8sClient.Status().Update(context.Background(), obj)).To(Succeed())
}

const httpsConfig = `
metadata: {name: web}
spec:
  gitRepository:
    url: https://git.example.com/org/repo
    repositoryRef: {branch: main}
    httpsUser: bot
  protectedParametersSecretRef: {name: web-protected-parameters}
  kustomizations:
  - {name: infra, path: ./infra}
  - {name: apps, path: ./apps, dependsOn: [infra]}
`

func protectedSecret(ns string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "web-protected-parameters", Namespace: ns},
		StringData: map[string]string{v1alpha1.ProtectedHTTPSKey: planted},
	}
}

func TestFluxConfigReconciler_HTTPSLifecycle(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns, fc := createHTTPSConfig(t, g)

	repo := &sourcev1.GitRepository{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns}}
	infra := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Name: "web-infra", Namespace: ns}}
	apps := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Name: "web-apps", Namespace: ns}}
	g.Eventually(func(g Gomega) {
		get(g, repo)
		get(g, infra)
		get(g, apps)
	}, timeout, poll).Should(Succeed())
	g.Expect(repo.Spec.SecretRef.Name).To(Equal("web-auth"))
	g.Expect(apps.Spec.DependsOn[0].Name).To(Equal("web-infra"))
	g.Expect(apps.Spec.ServiceAccountName).To(Equal(render.ApplierServiceAccount))

	auth := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "web-auth", Namespace: ns}}
	get(g, auth)
	g.Expect(string(auth.Data["username"])).To(Equal("bot"))
	g.Expect(string(auth.Data["password"])).To(Equal(planted))
	get(g, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: render.ApplierServiceAccount, Namespace: ns}})
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: render.ClusterRoleBindingName(ns)}}
	get(g, crb)
	g.Expect(crb.RoleRef.Name).To(Equal("cluster-admin"))

	// Pending until Flux reports.
	g.Eventually(func(g Gomega) {
		get(g, fc)
		g.Expect(fc.Status.ComplianceState).To(Equal(v1alpha1.Pending))
		g.Expect(fc.Status.ProvisioningState).To(Equal(v1alpha1.ProvisioningSucceeded))
		g.Expect(condition(fc, v1alpha1.ReconcilingCondition)).NotTo(BeNil())
	}, timeout, poll).Should(Succeed())

	// Compliant once every Flux object is ready.
	setReady(g, repo, metav1.ConditionTrue, "Succeeded", "stored artifact")
	setReady(g, infra, metav1.ConditionTrue, "ReconciliationSucceeded", "applied")
	setReady(g, apps, metav1.ConditionTrue, "ReconciliationSucceeded", "applied")
	g.Eventually(func(g Gomega) {
		get(g, fc)
		g.Expect(fc.Status.ComplianceState).To(Equal(v1alpha1.Compliant))
		g.Expect(condition(fc, v1alpha1.ReadyCondition).Status).To(Equal(metav1.ConditionTrue))
		g.Expect(condition(fc, v1alpha1.ReconcilingCondition)).To(BeNil())
		g.Expect(fc.Status.SourceSyncedCommitID).To(HavePrefix("main@sha1:"))
		g.Expect(fc.Status.ObservedGeneration).To(Equal(fc.Generation))
		g.Expect(fc.Status.Statuses).To(HaveLen(3))
	}, timeout, poll).Should(Succeed())

	// A steady-state resync sends no write.
	writes.settled(t, ns)
	before := writes.mark()
	_, err := reconciler.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(fc)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(writes.in(before, fc.Namespace)).To(BeEmpty(), "a reconcile that finds everything as rendered must not write")

	// Non-Compliant when a Kustomization fails, with its message.
	setReady(g, apps, metav1.ConditionFalse, "BuildFailed", "kustomize build failed")
	g.Eventually(func(g Gomega) {
		get(g, fc)
		g.Expect(fc.Status.ComplianceState).To(Equal(v1alpha1.NonCompliant))
		g.Expect(condition(fc, v1alpha1.ReadyCondition).Message).To(ContainSubstring("kustomize build failed"))
	}, timeout, poll).Should(Succeed())

	// Suspended: every Flux object suspended too.
	get(g, fc)
	fc.Spec.Suspend = true
	g.Expect(k8sClient.Update(ctx, fc)).To(Succeed())
	g.Eventually(func(g Gomega) {
		get(g, fc)
		get(g, repo)
		get(g, infra)
		g.Expect(fc.Status.ComplianceState).To(Equal(v1alpha1.Suspended))
		g.Expect(repo.Spec.Suspend).To(BeTrue())
		g.Expect(infra.Spec.Suspend).To(BeTrue())
	}, timeout, poll).Should(Succeed())

	// Removing a kustomization deletes its object.
	get(g, fc)
	fc.Spec.Kustomizations = fc.Spec.Kustomizations[:1]
	g.Expect(k8sClient.Update(ctx, fc)).To(Succeed())
	g.Eventually(func() bool {
		return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(apps), &kustomizev1.Kustomization{}))
	}, timeout, poll).Should(BeTrue())

	assertNoPlantedSecret(t, fc)
}

func assertNoPlantedSecret(t *testing.T, fc *v1alpha1.FluxConfig) {
	t.Helper()
	g := NewWithT(t)
	get(g, fc)
	status, _ := yaml.Marshal(fc.Status)
	g.Expect(string(status)).NotTo(ContainSubstring(planted))
	g.Expect(logs.String()).NotTo(ContainSubstring(planted))
	g.Expect(eventLog.String()).NotTo(ContainSubstring(planted))
}

func TestFluxConfigReconciler_GeneratedSSHKeyIsKept(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	fc := create(t, g, ns, `
metadata: {name: deploy}
spec:
  gitRepository: {url: "git@github.com:org/repo.git", repositoryRef: {branch: main}}
  kustomizations: [{name: app}]
`)
	var first string
	g.Eventually(func(g Gomega) {
		get(g, fc)
		g.Expect(fc.Status.RepositoryPublicKey).To(HavePrefix("ssh-ed25519 "))
		first = fc.Status.RepositoryPublicKey
	}, timeout, poll).Should(Succeed())
	repo := &sourcev1.GitRepository{ObjectMeta: metav1.ObjectMeta{Name: "deploy", Namespace: ns}}
	get(g, repo)
	g.Expect(repo.Spec.URL).To(Equal("ssh://git@github.com/org/repo.git"))
	auth := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "deploy-auth", Namespace: ns}}
	get(g, auth)
	g.Expect(string(auth.Data["known_hosts"])).To(ContainSubstring("github.com ssh-ed25519"))

	// A spec change and a fresh reconciler (a restart) keep the key.
	get(g, fc)
	fc.Spec.Kustomizations[0].Path = "./other"
	g.Expect(k8sClient.Update(ctx, fc)).To(Succeed())
	fresh := *reconciler
	_, err := fresh.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(fc)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Consistently(func(g Gomega) {
		get(g, fc)
		g.Expect(fc.Status.RepositoryPublicKey).To(Equal(first))
	}, 2*time.Second, 200*time.Millisecond).Should(Succeed())
}

func TestFluxConfigReconciler_DeletionOrder(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns, fc, k := createHeldByFlux(t, g, "gone")

	g.Expect(k8sClient.Delete(ctx, fc)).To(Succeed())
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: render.ApplierServiceAccount, Namespace: ns}}
	repo := &sourcev1.GitRepository{ObjectMeta: metav1.ObjectMeta{Name: "gone", Namespace: ns}}
	g.Eventually(func(g Gomega) {
		get(g, k)
		g.Expect(k.DeletionTimestamp).NotTo(BeNil())
	}, timeout, poll).Should(Succeed())

	// While Flux holds it: the source, the applier account and the FluxConfig stay, even
	// across a restart of the controller.
	fresh := *reconciler
	_, err := fresh.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(fc)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Consistently(func(g Gomega) {
		get(g, repo)
		get(g, sa)
		get(g, fc)
		g.Expect(fc.Status.ProvisioningState).To(Equal(v1alpha1.ProvisioningDeleting))
	}, 2*time.Second, 200*time.Millisecond).Should(Succeed())

	// Flux finishes: everything goes.
	get(g, k)
	releaseByFlux(g, k)
	for _, obj := range []client.Object{fc, repo, sa,
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: render.ClusterRoleBindingName(ns)}}} {
		g.Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), obj))
		}, timeout, poll).Should(BeTrue(), "%T %s should be gone", obj, obj.GetName())
	}
}

func TestFluxConfigReconciler_BadInput(t *testing.T) {
	ctx := context.Background()
	t.Run("missing protected parameters", func(t *testing.T) {
		g := NewWithT(t)
		ns := newNamespace(t)
		fc := create(t, g, ns, httpsConfig)
		g.Eventually(func(g Gomega) {
			expectCondition(g, fc, v1alpha1.ReadyCondition, v1alpha1.SecretNotFoundReason, "web-protected-parameters not found")
		}, timeout, poll).Should(Succeed())
		err := k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web"}, &sourcev1.GitRepository{})
		g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "nothing is applied without its credentials")

		// The Secret arrives: the config proceeds.
		g.Expect(k8sClient.Create(ctx, protectedSecret(ns))).To(Succeed())
		get(g, fc)
		fc.Spec.CorrelationID = "retry"
		g.Expect(k8sClient.Update(ctx, fc)).To(Succeed())
		g.Eventually(func() error {
			return k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web"}, &sourcev1.GitRepository{})
		}, timeout, poll).Should(Succeed())
	})

	t.Run("foreign object is never overwritten", func(t *testing.T) {
		g := NewWithT(t)
		ns := newNamespace(t)
		g.Expect(k8sClient.Create(ctx, protectedSecret(ns))).To(Succeed())
		foreign := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "web-auth", Namespace: ns},
			StringData: map[string]string{"mine": "keep"}}
		g.Expect(k8sClient.Create(ctx, foreign)).To(Succeed())
		fc := create(t, g, ns, httpsConfig)
		g.Eventually(func(g Gomega) {
			expectRefused(g, fc, v1alpha1.ForeignObjectReason, "Secret "+ns+"/web-auth already exists")
		}, timeout, poll).Should(Succeed())
		// Staying refused is quiet too: no write, no repeated event; the error is terminal,
		// so it is logged but not retried.
		writes.settled(t, ns)
		before := writes.mark()
		_, err := reconciler.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(fc)})
		g.Expect(errors.Is(err, reconcile.TerminalError(nil))).To(BeTrue(), "terminal: %v", err)
		g.Expect(writes.in(before, fc.Namespace)).To(BeEmpty())

		get(g, foreign)
		g.Expect(foreign.Data).To(HaveKey("mine"))
		g.Expect(foreign.Data).NotTo(HaveKey("password"))
		assertNoPlantedSecret(t, fc)
	})

	t.Run("undecodable ssh key", func(t *testing.T) {
		g := NewWithT(t)
		ns := newNamespace(t)
		g.Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "keys", Namespace: ns},
			StringData: map[string]string{v1alpha1.ProtectedSSHPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\n" + planted + "\n-----END OPENSSH PRIVATE KEY-----\n"},
		})).To(Succeed())
		fc := create(t, g, ns, `{metadata: {name: k}, spec: {gitRepository: {url: "ssh://git@e.com/r"}, protectedParametersSecretRef: {name: keys}}}`)
		g.Eventually(func(g Gomega) {
			get(g, fc)
			stalled := condition(fc, v1alpha1.StalledCondition)
			g.Expect(stalled).NotTo(BeNil())
			g.Expect(stalled.Message).To(ContainSubstring("sshPrivateKey"))
			g.Expect(fc.Status.ProvisioningState).To(Equal(v1alpha1.ProvisioningFailed))
		}, timeout, poll).Should(Succeed())
		assertNoPlantedSecret(t, fc)
		g.Expect(strings.Contains(fc.Status.ErrorMessage, "not a PEM")).To(BeTrue())
	})
}
