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
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

func key(namespace, name string) types.NamespacedName {
	return types.NamespacedName{Namespace: namespace, Name: name}
}

func (f *fixture) fluxConfig(namespace, name string) *v1alpha1.FluxConfig {
	f.t.Helper()
	fc := &v1alpha1.FluxConfig{}
	f.g.Expect(f.kube.Get(context.Background(), key(namespace, name), fc)).To(Succeed())
	return fc
}

func TestAgent_CreateUpdateDelete(t *testing.T) {
	f := newFixture(t, "lifecycle")
	g, ctx := f.g, context.Background()
	ns, name := f.ns("agent-lifecycle"), "app"

	// Create with a protected setting: namespace, Secret and FluxConfig appear.
	f.mustPut(name, gitBody(ns, map[string]string{"httpsKey": "cGVyc29uYWwtYWNjZXNzLXRva2Vu"}))
	f.poll()
	fc := f.fluxConfig(ns, name)
	g.Expect(fc.Labels).To(HaveKeyWithValue(v1alpha1.AgentManagedByLabel, v1alpha1.AgentManagedByValue))
	g.Expect(fc.Spec.GitRepository.URL).To(Equal("https://git.example.com/org/repo"))
	g.Expect(fc.Spec.GitRepository.SyncInterval.Duration).To(Equal(2 * time.Minute))
	g.Expect(fc.Spec.Kustomizations).To(HaveLen(2))
	g.Expect(fc.Spec.Kustomizations[1].Name).To(Equal("infra"))
	g.Expect(fc.Spec.Kustomizations[1].Timeout.Duration).To(Equal(5 * time.Minute))
	g.Expect(fc.Spec.OperationID).NotTo(BeEmpty())
	g.Expect(fc.Spec.CorrelationID).NotTo(BeEmpty())
	g.Expect(fc.Spec.ProtectedParametersSecretRef.Name).To(Equal("app-protected-parameters"))
	g.Expect(fc.Annotations).To(HaveKeyWithValue(v1alpha1.OperationStateAnnotation, "Creating"))
	secret := &corev1.Secret{}
	g.Expect(f.kube.Get(ctx, key(ns, "app-protected-parameters"), secret)).To(Succeed())
	g.Expect(string(secret.Data["httpsKey"])).To(Equal("personal-access-token"))

	// The report acknowledges the operation: Succeeded, and the endpoint forgets the secret.
	f.reconcile(ns, name)
	_, c := f.config(name)
	g.Expect(c.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningSucceeded))
	list, err := f.poller.Config.ListDesired(ctx, "")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(list.Items[0].ConfigurationProtectedSettings).To(BeEmpty())

	// Update via PATCH: kustomization apps set to null is removed; the Secret is kept.
	f.mustPatch(name, `{"properties":{"kustomizations":{"apps":null}}}`)
	f.poll()
	fc = f.fluxConfig(ns, name)
	g.Expect(fc.Spec.Kustomizations).To(HaveLen(1))
	g.Expect(fc.Spec.Kustomizations[0].Name).To(Equal("infra"))
	g.Expect(fc.Spec.ProtectedParametersSecretRef).NotTo(BeNil())
	g.Expect(fc.Annotations).To(HaveKeyWithValue(v1alpha1.OperationStateAnnotation, "Updating"))
	g.Expect(f.kube.Get(ctx, key(ns, "app-protected-parameters"), secret)).To(Succeed())
	f.reconcile(ns, name)
	_, c = f.config(name)
	g.Expect(c.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningSucceeded))
	g.Expect(c.Properties.Kustomizations).NotTo(HaveKey("apps"))

	// Delete: the agent removes the FluxConfig and its Secret, then the endpoint forgets it.
	g.Expect(f.mustDelete(name, false)).NotTo(BeNil())
	f.poll()
	g.Expect(apierrors.IsNotFound(f.kube.Get(ctx, key(ns, name), &v1alpha1.FluxConfig{}))).To(BeTrue())
	g.Expect(apierrors.IsNotFound(f.kube.Get(ctx, key(ns, "app-protected-parameters"), &corev1.Secret{}))).To(BeTrue())
	code, _ := f.config(name)
	g.Expect(code).To(Equal(http.StatusNotFound))
}

func TestAgent_ForceDelete(t *testing.T) {
	f := newFixture(t, "force")
	g, ctx := f.g, context.Background()
	ns := f.ns("agent-force")
	f.mustPut("keep", gitBody(ns, nil))
	f.mustPut("gone", gitBody(ns, nil))
	f.poll()
	f.fluxConfig(ns, "gone")

	// forceDelete removes it at the endpoint at once; the agent prunes it as unlisted.
	g.Expect(f.mustDelete("gone", true)).To(BeNil())
	code, _ := f.config("gone")
	g.Expect(code).To(Equal(http.StatusNotFound))
	f.poll()
	g.Expect(apierrors.IsNotFound(f.kube.Get(ctx, key(ns, "gone"), &v1alpha1.FluxConfig{}))).To(BeTrue())
	f.fluxConfig(ns, "keep")

	// The last configuration force-deleted leaves an empty list, which never deletes
	// anything: it looks the same as an endpoint that lost its store.
	g.Expect(f.mustDelete("keep", true)).To(BeNil())
	f.poll()
	f.fluxConfig(ns, "keep")
}

func TestAgent_AllSourceKindsPassTheCRD(t *testing.T) {
	f := newFixture(t, "kinds")
	g := f.g
	ns := f.ns("agent-kinds")
	bodies := map[string]string{
		"bucket": `{"properties":{"namespace":"` + ns + `","sourceKind":"Bucket","bucket":{"url":"http://minio.local:9000","bucketName":"manifests","accessKey":"id","syncIntervalInSeconds":60},
			"configurationProtectedSettings":{"bucketSecretKey":"c2VjcmV0"},"kustomizations":{"all":{"path":"./","wait":false}}}}`,
		"blob": `{"properties":{"namespace":"` + ns + `","sourceKind":"AzureBlob","azureBlob":{"url":"https://acct.blob.core.windows.net","containerName":"manifests",
			"servicePrincipal":{"clientId":"00000000-0000-0000-0000-000000000001","tenantId":"tenant","clientSecret":"sp-secret"}}}}`,
		"oci": `{"properties":{"namespace":"` + ns + `","sourceKind":"OCIRepository","ociRepository":{"url":"oci://registry.example.com/app","repositoryRef":{"semver":">=1.0.0"},
			"layerSelector":{"operation":"copy"},"verify":{"provider":"cosign","matchOidcIdentity":[{"issuer":"^https://token$","subject":"^repo$"}]},
			"tlsConfig":{"caCertificate":"LS0tLS1CRUdJTi0tLS0t"}},"kustomizations":{"a":{"postBuild":{"substitute":{"cluster_name":"dev"},"substituteFrom":[{"kind":"ConfigMap","name":"vars","optional":true}]}}}}}`,
		"ssh": `{"properties":{"namespace":"` + ns + `","scope":"namespace","gitRepository":{"url":"ssh://git@example.com/org/repo","sshKnownHosts":"ZXhhbXBsZS5jb20gc3NoLWVkMjU1MTkgQUFBQQ==",
			"repositoryRef":{"branch":"main","commit":"0123456789abcdef0123456789abcdef01234567"}},"configurationProtectedSettings":{"sshPrivateKey":"a2V5"}}}`,
	}
	for name, body := range bodies {
		f.mustPut(name, body)
	}
	f.poll()
	for name := range bodies {
		fc := f.fluxConfig(ns, name)
		f.reconcile(ns, name)
		_, c := f.config(name)
		g.Expect(c.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningSucceeded), name)
		g.Expect(fc.Spec.OperationID).To(Equal(fc.Spec.OperationID))
	}
	blobSecret := &corev1.Secret{}
	g.Expect(f.kube.Get(context.Background(), key(ns, "blob-protected-parameters"), blobSecret)).To(Succeed())
	g.Expect(string(blobSecret.Data[v1alpha1.ProtectedClientSecret])).To(Equal("sp-secret"))
	g.Expect(string(f.fluxConfig(ns, "oci").Spec.OCIRepository.LayerSelector.Operation)).To(Equal("copy"))
	g.Expect(f.fluxConfig(ns, "ssh").Spec.Scope).To(Equal(v1alpha1.ScopeNamespace))
}
