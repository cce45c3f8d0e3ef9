/*
Copyright 2026 The fluxconfig Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package agent_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/arm"
)

// TestValidation_MirrorsTheCRD checks that the endpoint's validation and the CRD's agree: a
// configuration the endpoint accepts is accepted by the API server once converted, and one
// it refuses is refused there too, so nothing the endpoint takes can fail in the cluster.
func TestValidation_MirrorsTheCRD(t *testing.T) {
	f := newFixture(t, "mirror")
	ctx := context.Background()
	ns := f.ns("agent-mirror")
	f.g.Expect(f.kube.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	git := `"gitRepository":{"url":"https://git.example.com/r"}`
	cases := []struct {
		name, props string
		valid       bool
		// secretRule marks a rule about write-only fields, which never reach the CRD.
		secretRule bool
	}{
		{"minimal git", git, true, false},
		{"git ssh url", `"gitRepository":{"url":"git@github.com:org/repo"}`, true, false},
		{"git bad scheme", `"gitRepository":{"url":"ftp://x"}`, false, false},
		{"git httpsUser with ssh", `"gitRepository":{"url":"ssh://git@x/r","httpsUser":"u"}`, false, false},
		{"git caCert with http", `"gitRepository":{"url":"http://x/r","httpsCACert":"UEVN"}`, false, false},
		{"git knownHosts with https", `"gitRepository":{"url":"https://x/r","sshKnownHosts":"UEVN"}`, false, false},
		{"git localAuthRef with httpsUser", `"gitRepository":{"url":"https://x/r","localAuthRef":"s","httpsUser":"u"}`, false, false},
		{"git two refs", `"gitRepository":{"url":"https://x/r","repositoryRef":{"tag":"a","semver":"b"}}`, false, false},
		{"git branch and commit", `"gitRepository":{"url":"https://x/r","repositoryRef":{"branch":"main","commit":"0123456789abcdef0123456789abcdef01234567"}}`, true, false},
		{"git short commit", `"gitRepository":{"url":"https://x/r","repositoryRef":{"commit":"0123abc"}}`, false, false},
		{"git bad provider", `"gitRepository":{"url":"https://x/r","provider":"Gitea"}`, false, false},
		{"git bad localAuthRef", `"gitRepository":{"url":"https://x/r","localAuthRef":"Bad_Name"}`, false, false},
		{"zero interval", `"gitRepository":{"url":"https://x/r","syncIntervalInSeconds":0}`, false, false},
		{"missing body", `"sourceKind":"Bucket",` + git, false, false},
		{"bucket", `"sourceKind":"Bucket","bucket":{"url":"https://s3.example.com","bucketName":"b","accessKey":"k"}`, true, false},
		{"bucket path in url", `"sourceKind":"Bucket","bucket":{"url":"https://s3.example.com/b","bucketName":"b"}`, false, false},
		{"bucket insecure https", `"sourceKind":"Bucket","bucket":{"url":"https://s3.example.com","bucketName":"b","insecure":true}`, false, false},
		{"bucket bad name", `"sourceKind":"Bucket","bucket":{"url":"https://s3.example.com","bucketName":"B_b"}`, false, false},
		{"blob sp", `"sourceKind":"AzureBlob","azureBlob":{"url":"https://a.blob.core.windows.net","containerName":"abc","servicePrincipal":{"clientId":"00000000-0000-0000-0000-000000000000","tenantId":"t","clientSecret":"s"}}`, true, false},
		{"blob sp without secret", `"sourceKind":"AzureBlob","azureBlob":{"url":"https://a.blob.core.windows.net","containerName":"abc","servicePrincipal":{"clientId":"00000000-0000-0000-0000-000000000000","tenantId":"t"}}`, false, true},
		{"blob accountKey and sasToken", `"sourceKind":"AzureBlob","azureBlob":{"url":"https://a","containerName":"abc","accountKey":"k","sasToken":"t"}`, false, true},
		{"blob mi", `"sourceKind":"AzureBlob","azureBlob":{"url":"https://a.blob.core.windows.net","containerName":"abc","managedIdentity":{"clientId":"00000000-0000-0000-0000-000000000000"}}`, true, false},
		{"blob mi and localAuthRef", `"sourceKind":"AzureBlob","azureBlob":{"url":"https://a","containerName":"abc","managedIdentity":{"clientId":"00000000-0000-0000-0000-000000000000"},"localAuthRef":"s"}`, false, false},
		{"blob short container", `"sourceKind":"AzureBlob","azureBlob":{"url":"https://a","containerName":"ab"}`, false, false},
		{"blob bad client id", `"sourceKind":"AzureBlob","azureBlob":{"url":"https://a","containerName":"abc","managedIdentity":{"clientId":"nope"}}`, false, false},
		{"oci", `"sourceKind":"OCIRepository","ociRepository":{"url":"oci://r/a","repositoryRef":{"tag":"v1"},"layerSelector":{"operation":"extract"}}`, true, false},
		{"oci https url", `"sourceKind":"OCIRepository","ociRepository":{"url":"https://r/a"}`, false, false},
		{"oci two refs", `"sourceKind":"OCIRepository","ociRepository":{"url":"oci://r/a","repositoryRef":{"tag":"v1","digest":"sha256:` + strings.Repeat("a", 64) + `"}}`, false, false},
		{"oci bad digest", `"sourceKind":"OCIRepository","ociRepository":{"url":"oci://r/a","repositoryRef":{"digest":"sha256:xyz"}}`, false, false},
		{"oci bad operation", `"sourceKind":"OCIRepository","ociRepository":{"url":"oci://r/a","layerSelector":{"operation":"move"}}`, false, false},
		{"oci bad verify provider", `"sourceKind":"OCIRepository","ociRepository":{"url":"oci://r/a","verify":{"provider":"gpg"}}`, false, false},
		{"oci workload identity and localAuthRef", `"sourceKind":"OCIRepository","ociRepository":{"url":"oci://r/a","useWorkloadIdentity":true,"localAuthRef":"s"}`, false, false},
		{"kustomizations", git + `,"kustomizations":{"a":{"path":"./a","dependsOn":["b"]},"b":{"retryIntervalInSeconds":30}}`, true, false},
		{"unknown dependsOn", git + `,"kustomizations":{"a":{"dependsOn":["z"]}}`, false, false},
		{"self dependsOn", git + `,"kustomizations":{"a":{"dependsOn":["a"]}}`, false, false},
		{"bad kustomization name", git + `,"kustomizations":{"A_b":{}}`, false, false},
		{"long kustomization name", git + `,"kustomizations":{"` + strings.Repeat("k", 55) + `":{}}`, false, false},
		{"bad substitute variable", git + `,"kustomizations":{"a":{"postBuild":{"substitute":{"1x":"v"}}}}`, false, false},
		{"bad substituteFrom kind", git + `,"kustomizations":{"a":{"postBuild":{"substituteFrom":[{"kind":"Pod","name":"p"}]}}}`, false, false},
		{"bad scope", `"scope":"world",` + git, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			var props dpv1.FluxConfigurationProperties
			g.Expect(json.Unmarshal([]byte("{"+tc.props+"}"), &props)).To(Succeed())
			const name = "mirror-config"
			endpointErr := arm.Properties(name, &props)
			spec, convErr := arm.ToSpec(&props)
			g.Expect(convErr).NotTo(HaveOccurred())
			fc := &v1alpha1.FluxConfig{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: spec}
			crdErr := f.kube.Create(ctx, fc, ctrlclient.DryRunAll)
			switch {
			case tc.secretRule:
				g.Expect(endpointErr).To(HaveOccurred())
				g.Expect(crdErr).NotTo(HaveOccurred(), "the CRD now sees this rule; drop secretRule")
			case tc.valid:
				g.Expect(endpointErr).NotTo(HaveOccurred())
				g.Expect(crdErr).NotTo(HaveOccurred())
			default:
				g.Expect(endpointErr).To(HaveOccurred(), "the endpoint accepts what the CRD refuses: %v", crdErr)
				g.Expect(crdErr).To(HaveOccurred(), "the CRD accepts what the endpoint refuses: %v", endpointErr)
			}
		})
	}
}
