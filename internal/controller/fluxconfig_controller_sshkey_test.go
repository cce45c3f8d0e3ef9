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
	"testing"
	"time"

	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/render"
)

// laggingCache is the controller's cache before it has seen one object.
type laggingCache struct {
	client.Client
	hidden client.ObjectKey
}

func (c laggingCache) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if _, secret := obj.(*corev1.Secret); secret && key == c.hidden {
		return apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, key.Name)
	}
	return c.Client.Get(ctx, key, obj, opts...)
}

const deployKeyConfig = `
metadata: {name: deploy}
spec:
  gitRepository: {url: "git@github.com:org/repo.git", repositoryRef: {branch: main}}
  kustomizations: [{name: app}]
`

// createDeployKeyConfig creates deployKeyConfig in a new namespace and waits for the
// ed25519 public key generated for it.
func createDeployKeyConfig(t *testing.T, g *WithT) (ns string, fc *v1alpha1.FluxConfig, publicKey string) {
	t.Helper()
	ns = newNamespace(t)
	fc = create(t, g, ns, deployKeyConfig)
	return ns, fc, publicKeyOf(t, g, fc, "ssh-ed25519 ")
}

func publicKeyOf(t *testing.T, g *WithT, fc *v1alpha1.FluxConfig, prefix string) string {
	t.Helper()
	var key string
	g.Eventually(func(g Gomega) {
		get(g, fc)
		g.Expect(fc.Status.RepositoryPublicKey).To(HavePrefix(prefix))
		key = fc.Status.RepositoryPublicKey
	}, timeout, poll).Should(Succeed())
	return key
}

// A cache that has not seen the auth Secret yet must not make the controller generate a new
// key over the one a user already registered.
func TestFluxConfigReconciler_GeneratedSSHKeySurvivesCacheLag(t *testing.T) {
	reconcileKeepsTheKey(t, func(_ *v1alpha1.FluxConfig, auth client.ObjectKey) client.Client {
		return laggingCache{Client: reconciler.Client, hidden: auth}
	})
}

// reconcileKeepsTheKey reconciles a new deploy-key config once more through the client
// cacheOf makes of the manager's, and checks that the key generated and published for it
// stays.
func reconcileKeepsTheKey(t *testing.T, cacheOf func(fc *v1alpha1.FluxConfig, auth client.ObjectKey) client.Client) {
	g := NewWithT(t)
	ctx := context.Background()
	ns, fc, first := createDeployKeyConfig(t, g)
	auth := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "deploy-auth", Namespace: ns}}
	get(g, auth)
	identity := auth.Data["identity"]

	r := *reconciler
	r.Client = cacheOf(fc.DeepCopy(), client.ObjectKeyFromObject(auth))
	_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(fc)})
	g.Expect(err).NotTo(HaveOccurred())
	get(g, auth)
	g.Expect(auth.Data["identity"]).To(Equal(identity), "the registered key was replaced")
	g.Consistently(func(g Gomega) {
		get(g, fc)
		g.Expect(fc.Status.RepositoryPublicKey).To(Equal(first))
	}, time.Second, 200*time.Millisecond).Should(Succeed())
}

// staleCache is the controller's cache having seen nothing of one config since its creation:
// neither its finalizer, its status, nor its auth Secret.
type staleCache struct {
	client.Client
	created *v1alpha1.FluxConfig
	hidden  client.ObjectKey
}

func (c staleCache) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	switch o := obj.(type) {
	case *corev1.Secret:
		if key == c.hidden {
			return apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, key.Name)
		}
	case *v1alpha1.FluxConfig:
		if key == client.ObjectKeyFromObject(c.created) {
			c.created.DeepCopyInto(o)
			return nil
		}
	}
	return c.Client.Get(ctx, key, obj, opts...)
}

// Patch answers for the config as the API server would after a reconcile that published a
// key but failed before recording an inventory.
func (c staleCache) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	if err := c.Client.Patch(ctx, obj, patch, opts...); err != nil {
		return err
	}
	if fc, ok := obj.(*v1alpha1.FluxConfig); ok && client.ObjectKeyFromObject(fc) == client.ObjectKeyFromObject(c.created) {
		fc.Status.Inventory = nil
	}
	return nil
}

// A first reconcile reads nothing past the cache for the key it generates, since a config
// that never had a status never published one; it learns that from the API server's answer
// to its finalizer patch, not from the cache. So a cache that lags the whole config keeps
// the key a user registered, even when the status that published it has no inventory to
// name the auth Secret (a reconcile failed after publishing).
func TestFluxConfigReconciler_GeneratedSSHKeySurvivesAStaleConfig(t *testing.T) {
	reconcileKeepsTheKey(t, func(fc *v1alpha1.FluxConfig, auth client.ObjectKey) client.Client {
		created := &v1alpha1.FluxConfig{ObjectMeta: metav1.ObjectMeta{Name: fc.Name, Namespace: fc.Namespace, Generation: 1}, Spec: fc.Spec}
		return staleCache{Client: reconciler.Client, created: created, hidden: auth}
	})
}

// ssh → https → ssh keeps the generated key: it waits in the auth Secret while https is used.
func TestFluxConfigReconciler_GeneratedSSHKeyKeptThroughHTTPS(t *testing.T) {
	g := NewWithT(t)
	ns, fc, first := createDeployKeyConfig(t, g)

	patchSpec(g, fc, func(fc *v1alpha1.FluxConfig) { fc.Spec.GitRepository.URL = "https://github.com/org/repo.git" })
	repo := &sourcev1.GitRepository{ObjectMeta: metav1.ObjectMeta{Name: "deploy", Namespace: ns}}
	auth := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "deploy-auth", Namespace: ns}}
	g.Eventually(func(g Gomega) {
		get(g, repo)
		g.Expect(repo.Spec.URL).To(HavePrefix("https://"))
		g.Expect(repo.Spec.SecretRef).To(BeNil(), "an https source without credentials uses no Secret")
		get(g, fc)
		g.Expect(fc.Status.RepositoryPublicKey).To(BeEmpty())
		get(g, auth)
		g.Expect(auth.Data).NotTo(HaveKey("identity"), "Flux must not offer the key over https")
		g.Expect(auth.Data).To(HaveKey(render.KeptKeyDataKey))
	}, timeout, poll).Should(Succeed())

	// A restart in between changes nothing.
	g.Expect(restart(fc)).To(Succeed())
	patchSpec(g, fc, func(fc *v1alpha1.FluxConfig) { fc.Spec.GitRepository.URL = "ssh://git@github.com/org/repo.git" })
	g.Eventually(func(g Gomega) {
		get(g, repo)
		g.Expect(repo.Spec.URL).To(HavePrefix("ssh://"))
		get(g, fc)
		g.Expect(fc.Status.RepositoryPublicKey).To(Equal(first))
	}, timeout, poll).Should(Succeed())
}

// Only a change of sshKeyAlgorithm replaces the generated key, and it is announced; a change
// of host is not a reason to replace a key that may be registered.
func TestFluxConfigReconciler_SSHKeyRegeneratedOnlyOnAlgorithmChange(t *testing.T) {
	g := NewWithT(t)
	_, fc, first := createDeployKeyConfig(t, g)

	// Another host whose default algorithm differs (Azure DevOps: RSA) keeps the key.
	patchSpec(g, fc, func(fc *v1alpha1.FluxConfig) { fc.Spec.GitRepository.URL = "git@ssh.dev.azure.com:v3/org/project/repo" })
	g.Eventually(func(g Gomega) {
		get(g, fc)
		g.Expect(fc.Status.ObservedGeneration).To(Equal(fc.Generation))
		g.Expect(fc.Status.ProvisioningState).To(Equal(v1alpha1.ProvisioningSucceeded))
	}, timeout, poll).Should(Succeed())
	g.Expect(fc.Status.RepositoryPublicKey).To(Equal(first))
	g.Expect(condition(fc, v1alpha1.SSHKeyRegeneratedCondition)).To(BeNil())

	patchSpec(g, fc, func(fc *v1alpha1.FluxConfig) { fc.Spec.GitRepository.SSHKeyAlgorithm = "ecdsa-p256" })
	second := publicKeyOf(t, g, fc, "ecdsa-sha2-nistp256 ")
	g.Expect(second).NotTo(Equal(first))
	regenerated := condition(fc, v1alpha1.SSHKeyRegeneratedCondition)
	g.Expect(regenerated).NotTo(BeNil())
	g.Expect(regenerated.Reason).To(Equal(v1alpha1.AlgorithmChangedReason))
	g.Expect(regenerated.Message).To(ContainSubstring("ed25519 SSH key was replaced by a new ecdsa-p256 key"))
	g.Eventually(eventLog.String, timeout, poll).Should(ContainSubstring("Normal AlgorithmChanged spec.gitRepository.sshKeyAlgorithm changed"))

	// A restart keeps the new key.
	g.Expect(restart(fc)).To(Succeed())
	get(g, fc)
	g.Expect(fc.Status.RepositoryPublicKey).To(Equal(second))
}
