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

package v1alpha1_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

// validSpec is a minimal accepted spec; the table below replaces it case by case.
const validSpec = `
sourceKind: GitRepository
gitRepository:
  url: https://example.com/org/repo
  repositoryRef: {branch: main}
kustomizations:
  - name: infra
    path: ./infra
  - name: apps
    path: ./apps
    dependsOn: [infra]
`

// newFluxConfig builds an unstructured FluxConfig, so cases can send values the typed API
// cannot express (bad durations, unknown enum values, non-base64 bytes).
func newFluxConfig(t *testing.T, namespace, name, spec string) *unstructured.Unstructured {
	t.Helper()
	var s map[string]any
	if err := yaml.Unmarshal([]byte(spec), &s); err != nil {
		t.Fatalf("bad test spec: %v", err)
	}
	u := &unstructured.Unstructured{Object: map[string]any{"spec": s}}
	u.SetAPIVersion(v1alpha1.GroupVersion.String())
	u.SetKind(v1alpha1.FluxConfigKind)
	u.SetNamespace(namespace)
	u.SetName(name)
	return u
}

// newNamespace creates a namespace of its own for one test.
func newNamespace(t *testing.T, prefix string) string {
	t.Helper()
	name := fmt.Sprintf("%s-%d", prefix, nextID())
	if err := testenv.EnsureNamespace(context.Background(), k8sClient, name); err != nil {
		t.Fatal(err)
	}
	return name
}

var idCounter int

func nextID() int { idCounter++; return idCounter }

func TestFluxConfig_ValidSpecAccepted(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t, "valid")
	obj := newFluxConfig(t, ns, "valid", validSpec)
	g.Expect(k8sClient.Create(context.Background(), obj)).To(Succeed())

	// Defaults are filled in by the API server, so users see them with kubectl get -o yaml.
	got := &v1alpha1.FluxConfig{}
	g.Expect(k8sClient.Get(context.Background(), client.ObjectKeyFromObject(obj), got)).To(Succeed())
	g.Expect(got.Spec.Scope).To(Equal(v1alpha1.ScopeCluster))
	g.Expect(got.Spec.GitRepository.SyncInterval.Duration.String()).To(Equal("10m0s"))
	g.Expect(got.Spec.GitRepository.Provider).To(Equal(v1alpha1.GitProviderGeneric))
	g.Expect(*got.Spec.Kustomizations[0].Wait).To(BeTrue())
	g.Expect(got.Spec.Kustomizations[0].Timeout.Duration.String()).To(Equal("10m0s"))
}

func TestFluxConfig_CELValidation(t *testing.T) {
	tooMany := "sourceKind: GitRepository\ngitRepository: {url: https://example.com/r}\nkustomizations:\n"
	for i := 0; i <= 100; i++ {
		tooMany += fmt.Sprintf("  - name: k%d\n", i)
	}

	tests := []struct {
		name    string
		objName string
		spec    string
		// want are substrings of the API server's error: the field path and the advice.
		want []string
	}{
		{
			name: "git kind without gitRepository body",
			spec: `{sourceKind: GitRepository}`,
			want: []string{"spec.gitRepository", "gitRepository is required when sourceKind is GitRepository"},
		},
		{
			name: "git kind with a bucket body too",
			spec: `{sourceKind: GitRepository, gitRepository: {url: https://e.com/r}, bucket: {url: https://s3.e.com, bucketName: b}}`,
			want: []string{"spec.bucket", "bucket must be absent when sourceKind is GitRepository; remove it or set sourceKind: Bucket"},
		},
		{
			name: "bucket kind without bucket body",
			spec: `{sourceKind: Bucket}`,
			want: []string{"spec.bucket", "bucket is required when sourceKind is Bucket"},
		},
		{
			name: "azure blob kind without azureBlob body",
			spec: `{sourceKind: AzureBlob}`,
			want: []string{"spec.azureBlob", "azureBlob is required when sourceKind is AzureBlob"},
		},
		{
			name: "oci kind without ociRepository body",
			spec: `{sourceKind: OCIRepository}`,
			want: []string{"spec.ociRepository", "ociRepository is required when sourceKind is OCIRepository"},
		},
		{
			name: "oci kind with a git body left over",
			spec: `{sourceKind: OCIRepository, ociRepository: {url: "oci://r.e.com/m"}, gitRepository: {url: https://e.com/r}}`,
			want: []string{"spec.gitRepository", "gitRepository must be absent when sourceKind is OCIRepository"},
		},
		{
			name: "default source kind needs a git body",
			spec: `{bucket: {url: https://s3.e.com, bucketName: b}}`,
			want: []string{"spec.gitRepository", "gitRepository is required when sourceKind is GitRepository"},
		},
		{
			name: "unknown source kind",
			spec: `{sourceKind: HelmRepository}`,
			want: []string{"spec.sourceKind", `Unsupported value: "HelmRepository"`},
		},
		{
			name: "unknown scope",
			spec: `{scope: tenant, gitRepository: {url: https://e.com/r}}`,
			want: []string{"spec.scope", `Unsupported value: "tenant"`},
		},
		{
			name: "git url with an unsupported scheme",
			spec: `{gitRepository: {url: "ftp://e.com/r"}}`,
			want: []string{"spec.gitRepository.url", "must start with https://, http://, ssh:// or git@"},
		},
		{
			name: "git url missing",
			spec: `{gitRepository: {httpsUser: me}}`,
			want: []string{"spec.gitRepository.url", "Required value"},
		},
		{
			name: "branch and tag together",
			spec: `{gitRepository: {url: https://e.com/r, repositoryRef: {branch: main, tag: v1}}}`,
			want: []string{"spec.gitRepository.repositoryRef", "set exactly one of branch, tag, semver or commit"},
		},
		{
			name: "empty repositoryRef",
			spec: `{gitRepository: {url: https://e.com/r, repositoryRef: {}}}`,
			want: []string{"spec.gitRepository.repositoryRef", "set exactly one of branch, tag, semver or commit"},
		},
		{
			name: "commit with semver",
			spec: `{gitRepository: {url: https://e.com/r, repositoryRef: {semver: ">=1.0.0", commit: 0123456789abcdef0123456789abcdef01234567}}}`,
			want: []string{"spec.gitRepository.repositoryRef", "(commit may be combined with branch)"},
		},
		{
			name: "short commit sha",
			spec: `{gitRepository: {url: https://e.com/r, repositoryRef: {commit: abc123}}}`,
			want: []string{"spec.gitRepository.repositoryRef.commit", "should match"},
		},
		{
			name: "httpsUser with an ssh url",
			spec: `{gitRepository: {url: "ssh://git@e.com/r", httpsUser: me}}`,
			want: []string{"spec.gitRepository.httpsUser", "httpsUser is only used with an http:// or https:// url"},
		},
		{
			name: "sshKnownHosts with an https url",
			spec: `{gitRepository: {url: https://e.com/r, sshKnownHosts: ZS5jb20gc3NoLWVkMjU1MTkgQUFBQQo=}}`,
			want: []string{"spec.gitRepository.sshKnownHosts", "sshKnownHosts is only used with an ssh:// or git@ url"},
		},
		{
			name: "sshKeyAlgorithm with an https url",
			spec: `{gitRepository: {url: https://e.com/r, sshKeyAlgorithm: rsa-4096}}`,
			want: []string{"spec.gitRepository.sshKeyAlgorithm", "sshKeyAlgorithm is only used with an ssh:// or git@ url"},
		},
		{
			name: "sshKeyAlgorithm unknown",
			spec: `{gitRepository: {url: "git@e.com:org/r", sshKeyAlgorithm: dsa}}`,
			want: []string{"spec.gitRepository.sshKeyAlgorithm", "Unsupported value"},
		},
		{
			name: "sshKnownHosts not base64",
			spec: `{gitRepository: {url: "git@e.com:org/r", sshKnownHosts: "e.com ssh-ed25519 AAAA"}}`,
			want: []string{"spec.gitRepository.sshKnownHosts", "must be of type byte"},
		},
		{
			name: "httpsCACert with a plain http url",
			spec: `{gitRepository: {url: http://e.com/r, httpsCACert: LS0tLS1CRUdJTg==}}`,
			want: []string{"spec.gitRepository.httpsCACert", "httpsCACert is only used with an https:// url"},
		},
		{
			name: "httpsUser with localAuthRef",
			spec: `{gitRepository: {url: https://e.com/r, httpsUser: me, localAuthRef: my-creds}}`,
			want: []string{"spec.gitRepository.httpsUser", "httpsUser has no effect with localAuthRef"},
		},
		{
			name: "localAuthRef not a DNS label",
			spec: `{gitRepository: {url: https://e.com/r, localAuthRef: My_Creds}}`,
			want: []string{"spec.gitRepository.localAuthRef", "should match"},
		},
		{
			name: "unknown git provider",
			spec: `{gitRepository: {url: https://e.com/r, provider: Bitbucket}}`,
			want: []string{"spec.gitRepository.provider", `Unsupported value: "Bitbucket"`},
		},
		{
			name: "sync interval that does not parse",
			spec: `{gitRepository: {url: https://e.com/r, syncInterval: 10x}}`,
			want: []string{"spec.gitRepository.syncInterval", "should match"},
		},
		{
			name: "zero sync interval",
			spec: `{gitRepository: {url: https://e.com/r, syncInterval: 0s}}`,
			want: []string{"spec.gitRepository.syncInterval", "must be a positive duration"},
		},
		{
			name: "negative timeout",
			spec: `{gitRepository: {url: https://e.com/r, timeout: -5m}}`,
			want: []string{"spec.gitRepository.timeout", "should match"},
		},
		{
			name: "bucket url with an unsupported scheme",
			spec: `{sourceKind: Bucket, bucket: {url: "s3://bucket", bucketName: b}}`,
			want: []string{"spec.bucket.url", "must be http:// or https://"},
		},
		{
			name: "bucket url with a path",
			spec: `{sourceKind: Bucket, bucket: {url: "https://s3.e.com/b", bucketName: b}}`,
			want: []string{"spec.bucket.url", "without a path"},
		},
		{
			name: "plain http bucket without insecure",
			spec: `{sourceKind: Bucket, bucket: {url: "http://minio:9000", bucketName: b}}`,
			want: []string{"spec.bucket.insecure", "insecure must be true for an http:// url"},
		},
		{
			name: "https bucket marked insecure",
			spec: `{sourceKind: Bucket, bucket: {url: "https://s3.e.com", bucketName: b, insecure: true}}`,
			want: []string{"spec.bucket.insecure", "false for an https:// url"},
		},
		{
			name: "bucket without a bucket name",
			spec: `{sourceKind: Bucket, bucket: {url: "https://s3.e.com"}}`,
			want: []string{"spec.bucket.bucketName", "Required value"},
		},
		{
			name: "bucket accessKey with localAuthRef",
			spec: `{sourceKind: Bucket, bucket: {url: "https://s3.e.com", bucketName: b, accessKey: AK, localAuthRef: creds}}`,
			want: []string{"spec.bucket.accessKey", "accessKey has no effect with localAuthRef"},
		},
		{
			name: "azure blob with two auth methods",
			spec: `{sourceKind: AzureBlob, azureBlob: {url: "https://a.blob.core.windows.net", containerName: manifests,
				servicePrincipal: {clientId: 00000000-0000-0000-0000-000000000001, tenantId: t},
				managedIdentity: {clientId: 00000000-0000-0000-0000-000000000002}}}`,
			want: []string{"spec.azureBlob", "set at most one of servicePrincipal, managedIdentity or localAuthRef"},
		},
		{
			name: "azure blob service principal client id not a GUID",
			spec: `{sourceKind: AzureBlob, azureBlob: {url: "https://a.blob.core.windows.net", containerName: manifests,
				servicePrincipal: {clientId: my-app, tenantId: t}}}`,
			want: []string{"spec.azureBlob.servicePrincipal.clientId", "should match"},
		},
		{
			name: "azure blob container name too short",
			spec: `{sourceKind: AzureBlob, azureBlob: {url: "https://a.blob.core.windows.net", containerName: ab}}`,
			want: []string{"spec.azureBlob.containerName", "should be at least 3 chars long"},
		},
		{
			name: "oci url with https scheme",
			spec: `{sourceKind: OCIRepository, ociRepository: {url: "https://r.e.com/m"}}`,
			want: []string{"spec.ociRepository.url", "must start with oci://"},
		},
		{
			name: "oci tag and digest together",
			spec: `{sourceKind: OCIRepository, ociRepository: {url: "oci://r.e.com/m", repositoryRef: {tag: v1,
				digest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}}}`,
			want: []string{"spec.ociRepository.repositoryRef", "set exactly one of tag, semver or digest"},
		},
		{
			name: "oci digest that is not sha256",
			spec: `{sourceKind: OCIRepository, ociRepository: {url: "oci://r.e.com/m", repositoryRef: {digest: "md5:abc"}}}`,
			want: []string{"spec.ociRepository.repositoryRef.digest", "should match"},
		},
		{
			name: "oci layer operation unknown",
			spec: `{sourceKind: OCIRepository, ociRepository: {url: "oci://r.e.com/m", layerSelector: {operation: move}}}`,
			want: []string{"spec.ociRepository.layerSelector.operation", `Unsupported value: "move"`},
		},
		{
			name: "oci verify provider unknown",
			spec: `{sourceKind: OCIRepository, ociRepository: {url: "oci://r.e.com/m", verify: {provider: gpg}}}`,
			want: []string{"spec.ociRepository.verify.provider", `Unsupported value: "gpg"`},
		},
		{
			name: "oci workload identity with localAuthRef",
			spec: `{sourceKind: OCIRepository, ociRepository: {url: "oci://r.e.com/m", useWorkloadIdentity: true, localAuthRef: creds}}`,
			want: []string{"spec.ociRepository.localAuthRef", "useWorkloadIdentity and localAuthRef exclude each other"},
		},
		{
			name: "kustomization name with capitals",
			spec: `{gitRepository: {url: https://e.com/r}, kustomizations: [{name: Infra}]}`,
			want: []string{"spec.kustomizations[0].name", "should match"},
		},
		{
			name: "duplicate kustomization names",
			spec: `{gitRepository: {url: https://e.com/r}, kustomizations: [{name: infra}, {name: infra}]}`,
			want: []string{"spec.kustomizations[1]", "Duplicate value"},
		},
		{
			name: "dependsOn names an unknown kustomization",
			spec: `{gitRepository: {url: https://e.com/r}, kustomizations: [{name: apps, dependsOn: [infra]}]}`,
			want: []string{"spec.kustomizations", "every dependsOn entry must be the name of another kustomization in this FluxConfig"},
		},
		{
			name: "kustomization depends on itself",
			spec: `{gitRepository: {url: https://e.com/r}, kustomizations: [{name: apps, dependsOn: [apps]}]}`,
			want: []string{"spec.kustomizations", "a kustomization cannot depend on itself"},
		},
		{
			name:    "generated kustomization name over 63 characters",
			objName: strings.Repeat("c", 40),
			spec:    fmt.Sprintf(`{gitRepository: {url: https://e.com/r}, kustomizations: [{name: %s}]}`, strings.Repeat("k", 23)),
			want:    []string{"spec.kustomizations", "<metadata.name>-<name>, which must be at most 63 characters"},
		},
		{
			name:    "FluxConfig name over 63 characters",
			objName: strings.Repeat("n", 64),
			spec:    `{gitRepository: {url: https://e.com/r}}`,
			want:    []string{"metadata.name must be at most 63 characters"},
		},
		{
			name: "kustomization retry interval that does not parse",
			spec: `{gitRepository: {url: https://e.com/r}, kustomizations: [{name: apps, retryInterval: soon}]}`,
			want: []string{"spec.kustomizations[0].retryInterval", "should match"},
		},
		{
			name: "post-build variable name with a dash",
			spec: `{gitRepository: {url: https://e.com/r}, kustomizations: [{name: apps, postBuild: {substitute: {cluster-name: dev}}}]}`,
			want: []string{"spec.kustomizations[0].postBuild.substitute", "variable names must start with a letter or underscore"},
		},
		{
			name: "post-build substituteFrom of an unsupported kind",
			spec: `{gitRepository: {url: https://e.com/r}, kustomizations: [{name: apps, postBuild: {substituteFrom: [{kind: Pod, name: p}]}}]}`,
			want: []string{"spec.kustomizations[0].postBuild.substituteFrom[0].kind", `Unsupported value: "Pod"`},
		},
		{
			name: "more than 100 kustomizations",
			spec: tooMany,
			want: []string{"spec.kustomizations", "must have at most 100 items"},
		},
		{
			name: "protectedParametersSecretRef without a name",
			spec: `{gitRepository: {url: https://e.com/r}, protectedParametersSecretRef: {}}`,
			want: []string{"spec.protectedParametersSecretRef.name", "Required value"},
		},
	}

	ns := newNamespace(t, "cel")
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			name := tt.objName
			if name == "" {
				name = fmt.Sprintf("case-%d", i)
			}
			err := k8sClient.Create(context.Background(), newFluxConfig(t, ns, name, tt.spec))
			g.Expect(err).To(HaveOccurred(), "the API server accepted an invalid FluxConfig")
			t.Log(err)
			g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want an Invalid error, got %v", err)
			for _, w := range tt.want {
				g.Expect(err.Error()).To(ContainSubstring(w))
			}
		})
	}
	if len(tests) < 30 {
		t.Fatalf("the table must hold at least 30 invalid FluxConfigs, has %d", len(tests))
	}
}

func TestFluxConfig_ScopeImmutable(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t, "scope")
	obj := newFluxConfig(t, ns, "scoped", `{scope: namespace, gitRepository: {url: https://e.com/r}}`)
	g.Expect(k8sClient.Create(ctx, obj)).To(Succeed())

	g.Expect(unstructured.SetNestedField(obj.Object, "cluster", "spec", "scope")).To(Succeed())
	err := k8sClient.Update(ctx, obj)
	g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want an Invalid error, got %v", err)
	g.Expect(err.Error()).To(ContainSubstring("spec.scope"))
	g.Expect(err.Error()).To(ContainSubstring("scope is immutable; delete and recreate the FluxConfig to change it"))

	// Other fields stay mutable.
	g.Expect(unstructured.SetNestedField(obj.Object, "namespace", "spec", "scope")).To(Succeed())
	g.Expect(unstructured.SetNestedField(obj.Object, true, "spec", "suspend")).To(Succeed())
	g.Expect(k8sClient.Update(ctx, obj)).To(Succeed())
}

func TestFluxConfig_SamplesAccepted(t *testing.T) {
	g := NewWithT(t)
	// The values `make run` fills in at start, in the shape it fills them.
	vars := map[string]string{
		"GIT_HTTP_ADDR": "127.0.0.1:30001", "GIT_SSH_ADDR": "127.0.0.1:30002", "S3_ADDR": "127.0.0.1:30003",
		"OCI_ADDR": "127.0.0.1:30004", "AZURITE_ADDR": "127.0.0.1:30005", "AZURITE_SAS_TOKEN": "sv=2024-01-01&sig=x",
		"GIT_SSH_KNOWN_HOSTS_BASE64": base64.StdEncoding.EncodeToString([]byte("[127.0.0.1]:30002 ssh-ed25519 AAAA\n")),
	}
	files, err := testenv.LoadSamples(testenv.RepoRoot()+"/config/samples", vars)
	g.Expect(err).NotTo(HaveOccurred())
	var objs []*unstructured.Unstructured
	for _, f := range files {
		g.Expect(f.Unset).To(BeEmpty(), "%s uses placeholders `make run` does not fill in", f.Path)
		objs = append(objs, f.Objects...)
	}

	kinds := map[string]bool{}
	scopes := map[string]bool{}
	for _, obj := range objs {
		if obj.GetKind() != v1alpha1.FluxConfigKind {
			continue
		}
		kind, _, _ := unstructured.NestedString(obj.Object, "spec", "sourceKind")
		scope, _, _ := unstructured.NestedString(obj.Object, "spec", "scope")
		kinds[kind] = true
		scopes[scope] = true
	}
	g.Expect(kinds).To(HaveLen(4), "want one sample per source kind")
	g.Expect(scopes).To(HaveKey("namespace"), "want a namespace-scoped sample")

	g.Expect(testenv.ApplyManifests(context.Background(), k8sClient, "samples-test", objs)).To(Succeed())
	list := &v1alpha1.FluxConfigList{}
	g.Expect(k8sClient.List(context.Background(), list)).To(Succeed())
	applied := map[string]bool{}
	for _, fc := range list.Items {
		applied[fc.Namespace+"/"+fc.Name] = true
	}
	for _, obj := range objs {
		if obj.GetKind() == v1alpha1.FluxConfigKind {
			g.Expect(applied).To(HaveKey(obj.GetNamespace() + "/" + obj.GetName()))
		}
	}
}
