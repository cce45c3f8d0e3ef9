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

	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// Every source kind and auth method renders objects the Flux CRDs accept.
func TestFluxConfigReconciler_SourceKinds(t *testing.T) {
	tests := []struct {
		name     string
		config   string
		params   map[string]string
		source   client.Object
		check    func(g Gomega, source client.Object)
		authKeys []string
	}{
		{
			name:   "bucket with access keys",
			config: `{metadata: {name: s3}, spec: {sourceKind: Bucket, bucket: {url: "http://minio:9000", bucketName: manifests, insecure: true, accessKey: AK}, protectedParametersSecretRef: {name: p}, kustomizations: [{name: all}]}}`,
			params: map[string]string{v1alpha1.ProtectedBucketSecretKey: planted},
			source: &sourcev1.Bucket{},
			check: func(g Gomega, o client.Object) {
				b := o.(*sourcev1.Bucket)
				g.Expect(b.Spec.Endpoint).To(Equal("minio:9000"))
				g.Expect(b.Spec.Provider).To(Equal("generic"))
				g.Expect(b.Spec.Insecure).To(BeTrue())
			},
			authKeys: []string{"accesskey", "secretkey"},
		},
		{
			name:   "azure blob with a SAS token",
			config: `{metadata: {name: blob}, spec: {sourceKind: AzureBlob, azureBlob: {url: "https://a.blob.core.windows.net", containerName: manifests}, protectedParametersSecretRef: {name: p}, kustomizations: [{name: all}]}}`,
			params: map[string]string{v1alpha1.ProtectedSASToken: "?sv=" + planted},
			source: &sourcev1.Bucket{},
			check: func(g Gomega, o client.Object) {
				b := o.(*sourcev1.Bucket)
				g.Expect(b.Spec.Provider).To(Equal("azure"))
				g.Expect(b.Spec.BucketName).To(Equal("manifests"))
			},
			authKeys: []string{"sasKey"},
		},
		{
			name:     "azure blob with a service principal secret",
			config:   `{metadata: {name: sp}, spec: {sourceKind: AzureBlob, azureBlob: {url: "https://a.blob.core.windows.net", containerName: manifests, servicePrincipal: {clientId: 00000000-0000-0000-0000-000000000001, tenantId: t}}, protectedParametersSecretRef: {name: p}}}`,
			params:   map[string]string{v1alpha1.ProtectedClientSecret: planted},
			source:   &sourcev1.Bucket{},
			check:    func(g Gomega, o client.Object) {},
			authKeys: []string{"tenantId", "clientId", "clientSecret"},
		},
		{
			name:   "oci with mTLS and cosign keys",
			config: `{metadata: {name: oci}, spec: {sourceKind: OCIRepository, ociRepository: {url: "oci://r.example.com/m", repositoryRef: {tag: v1}, verify: {provider: cosign, verificationConfig: {cosign.pub: "a2V5"}}}, protectedParametersSecretRef: {name: p}, kustomizations: [{name: all}]}}`,
			params: map[string]string{v1alpha1.ProtectedTLSClientCertificate: "cert", v1alpha1.ProtectedTLSPrivateKey: planted},
			source: &sourcev1.OCIRepository{},
			check: func(g Gomega, o client.Object) {
				r := o.(*sourcev1.OCIRepository)
				g.Expect(r.Spec.CertSecretRef.Name).To(Equal("oci-auth"))
				g.Expect(r.Spec.Verify.SecretRef.Name).To(Equal("oci-verify"))
			},
			authKeys: []string{"tls.crt", "tls.key"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ctx := context.Background()
			ns := newNamespace(t)
			g.Expect(k8sClient.Create(ctx, &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: ns}, StringData: tt.params,
			})).To(Succeed())
			fc := create(t, g, ns, tt.config)
			tt.source.SetNamespace(ns)
			tt.source.SetName(fc.Name)
			g.Eventually(func(g Gomega) {
				get(g, tt.source)
				tt.check(g, tt.source)
				auth := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: fc.Name + "-auth", Namespace: ns}}
				get(g, auth)
				for _, k := range tt.authKeys {
					g.Expect(auth.Data).To(HaveKey(k))
				}
				get(g, fc)
				g.Expect(fc.Status.ProvisioningState).To(Equal(v1alpha1.ProvisioningSucceeded))
			}, timeout, poll).Should(Succeed())

			// Switching to a Git source replaces the source object.
			get(g, fc)
			fc.Spec = v1alpha1.FluxConfigSpec{SourceKind: v1alpha1.SourceKindGitRepository,
				GitRepository: &v1alpha1.GitRepositoryDefinition{URL: "https://e.com/r"}}
			g.Expect(k8sClient.Update(ctx, fc)).To(Succeed())
			g.Eventually(func(g Gomega) {
				get(g, &sourcev1.GitRepository{ObjectMeta: metav1.ObjectMeta{Name: fc.Name, Namespace: ns}})
				err := k8sClient.Get(ctx, client.ObjectKeyFromObject(tt.source), tt.source)
				g.Expect(client.IgnoreNotFound(err)).To(Succeed())
				g.Expect(err).To(HaveOccurred(), "the old source must be pruned")
			}, timeout, poll).Should(Succeed())
			assertNoPlantedSecret(t, fc)
		})
	}
}
