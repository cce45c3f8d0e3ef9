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

package render

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func testKey(t testing.TB) []byte {
	t.Helper()
	key, err := os.ReadFile(filepath.Join("testdata", "id_ed25519_test"))
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// config parses a FluxConfig from YAML, the way tests read best.
func config(t testing.TB, doc string) *v1alpha1.FluxConfig {
	t.Helper()
	fc := &v1alpha1.FluxConfig{}
	if err := yaml.UnmarshalStrict([]byte(doc), fc); err != nil {
		t.Fatalf("bad test config: %v", err)
	}
	return fc
}

func TestRender_Golden(t *testing.T) {
	key := testKey(t)
	tests := []struct {
		name   string
		config string
		params map[string][]byte
		opts   Options
	}{
		{
			name: "git-https-cluster",
			config: `
metadata: {name: cluster-config, namespace: apps}
spec:
  scope: cluster
  sourceKind: GitRepository
  gitRepository:
    url: https://git.example.com/org/repo
    repositoryRef: {branch: main}
    httpsUser: bot
    httpsCACert: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
    syncInterval: 1m
    ignore: "/*\n!/deploy\n*.tar.gz\n"
  kustomizations:
  - {name: infra, path: ./infra, prune: true, retryInterval: 30s}
  - {name: apps, path: ./apps, dependsOn: [infra], wait: false, postBuild: {substitute: {env: prod}, substituteFrom: [{kind: ConfigMap, name: vars, optional: true}]}}
`,
			params: map[string][]byte{v1alpha1.ProtectedHTTPSKey: []byte("s3cr3t-token")},
			opts:   Options{MultiTenancy: true},
		},
		{
			name: "git-ssh-generated-key-namespace",
			config: `
metadata: {name: tenant, namespace: team-a}
spec:
  scope: namespace
  gitRepository:
    url: git@github.com:org/tenant.git
    repositoryRef: {tag: v1.2.3}
  kustomizations:
  - {name: app}
`,
			opts: Options{MultiTenancy: true, KnownHosts: []byte("github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n")},
		},
		{
			name: "git-ssh-user-key-no-tenancy-suspended",
			config: `
metadata: {name: legacy, namespace: ops}
spec:
  suspend: true
  gitRepository:
    url: ssh://git@git.example.com:2222/org/repo
    repositoryRef: {branch: main, commit: 0123456789abcdef0123456789abcdef01234567}
    sshKnownHosts: Z2l0LmV4YW1wbGUuY29tIHNzaC1lZDI1NTE5IEFBQUFDM056YUMxbFpESTFOVEU1QUFBQUlPTXFxbmtWenJtMFNkRzZVT29xS0xzYWJnSDVDOW9rV2kwZGgybDlHS0psCg==
  kustomizations:
  - {name: all}
`,
			params: map[string][]byte{v1alpha1.ProtectedSSHPrivateKey: key},
		},
		{
			name: "bucket",
			config: `
metadata: {name: objects, namespace: team-b}
spec:
  sourceKind: Bucket
  bucket: {url: "http://minio.minio:9000/", bucketName: manifests, insecure: true, accessKey: AKIA}
  kustomizations:
  - {name: all, force: true}
`,
			params: map[string][]byte{v1alpha1.ProtectedBucketSecretKey: []byte("bucket-secret")},
			opts:   Options{MultiTenancy: true},
		},
		{
			name: "git-github-app",
			config: `
metadata: {name: app-config, namespace: apps}
spec:
  gitRepository:
    url: https://github.com/org/repo
    repositoryRef: {branch: main}
    provider: GitHub
  kustomizations:
  - {name: all}
`,
			params: map[string][]byte{
				"githubAppID": []byte("12345"), "githubAppInstallationOwner": []byte("org"),
				"githubAppPrivateKey": []byte("-----BEGIN RSA PRIVATE KEY-----\nQVBQLUtFWQ==\n-----END RSA PRIVATE KEY-----\n"),
			},
			opts: Options{MultiTenancy: true},
		},
		{
			name: "azureblob-service-principal-certificate",
			config: `
metadata: {name: blob, namespace: team-c}
spec:
  sourceKind: AzureBlob
  azureBlob:
    url: https://acct.blob.core.windows.net
    containerName: manifests
    servicePrincipal: {clientId: 00000000-0000-0000-0000-000000000001, tenantId: contoso.onmicrosoft.com, clientCertificateSendChain: true}
  kustomizations:
  - {name: all}
`,
			params: map[string][]byte{
				v1alpha1.ProtectedClientCertificate:         []byte("CERT+KEY PEM"),
				v1alpha1.ProtectedClientCertificatePassword: []byte("cert-password"),
			},
			opts: Options{MultiTenancy: true},
		},
		{
			// Managed identity and the account key cannot reach Azure offline; their render is
			// what is tested (the e2e suite syncs the SAS token and account key from Azurite).
			name: "azureblob-managed-identity",
			config: `
metadata: {name: blob-mi, namespace: team-c}
spec:
  sourceKind: AzureBlob
  azureBlob: {url: https://acct.blob.core.windows.net, containerName: manifests, managedIdentity: {clientId: 00000000-0000-0000-0000-000000000002}}
  kustomizations:
  - {name: all}
`,
			opts: Options{MultiTenancy: true},
		},
		{
			name: "azureblob-account-key",
			config: `
metadata: {name: blob-key, namespace: team-c}
spec:
  sourceKind: AzureBlob
  azureBlob: {url: https://acct.blob.core.windows.net, containerName: manifests}
  kustomizations:
  - {name: all}
`,
			params: map[string][]byte{v1alpha1.ProtectedAccountKey: []byte("account-key")},
			opts:   Options{MultiTenancy: true},
		},
		{
			name: "oci-tls-verify-workload-identity",
			config: `
metadata: {name: podinfo, namespace: team-d}
spec:
  sourceKind: OCIRepository
  ociRepository:
    url: oci://registry.example.com/manifests/podinfo
    repositoryRef: {semver: ">=6.0.0"}
    layerSelector: {mediaType: application/vnd.cncf.flux.content.v1.tar+gzip, operation: copy}
    verify:
      provider: cosign
      verificationConfig: {cosign.pub: LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0K}
      matchOidcIdentity: [{issuer: "^https://token.actions.githubusercontent.com$", subject: "^https://github.com/org/.*$"}]
    useWorkloadIdentity: true
    serviceAccountName: registry-reader
  kustomizations:
  - {name: podinfo, timeout: 3m}
`,
			params: map[string][]byte{
				v1alpha1.ProtectedTLSClientCertificate: []byte("CLIENT CERT"),
				v1alpha1.ProtectedTLSPrivateKey:        []byte("CLIENT KEY"),
				v1alpha1.ProtectedTLSCACertificate:     []byte("CA CERT"),
			},
			opts: Options{MultiTenancy: true},
		},
		{
			name: "refused-config-rendered-suspended",
			config: `
metadata: {name: refused, namespace: shared}
spec:
  scope: namespace
  gitRepository: {url: https://git.example.com/org/repo}
  kustomizations:
  - {name: app}
`,
			opts: Options{MultiTenancy: true, ForceSuspend: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			in := Inputs{ProtectedParameters: tt.params, GeneratedSSHKey: key}
			res, err := Render(config(t, tt.config), in, tt.opts)
			g.Expect(err).NotTo(HaveOccurred())

			var out bytes.Buffer
			if res.RepositoryPublicKey != "" {
				out.WriteString("# repositoryPublicKey: " + res.RepositoryPublicKey + "\n")
			}
			for _, obj := range res.Objects {
				data, err := yaml.Marshal(obj)
				g.Expect(err).NotTo(HaveOccurred())
				out.WriteString("---\n")
				out.Write(data)
			}
			golden := filepath.Join("testdata", tt.name+".yaml")
			if *update {
				g.Expect(os.WriteFile(golden, out.Bytes(), 0o644)).To(Succeed())
			}
			want, err := os.ReadFile(golden)
			g.Expect(err).NotTo(HaveOccurred(), "run go test ./internal/render -update to create it")
			g.Expect(out.String()).To(Equal(string(want)))
		})
	}
}

func TestRender_GeneratedKeyOnlyWhenNeeded(t *testing.T) {
	g := NewWithT(t)
	ssh := config(t, `{metadata: {name: a, namespace: n}, spec: {gitRepository: {url: "ssh://git@h/r"}}}`)
	g.Expect(NeedsGeneratedSSHKey(ssh, nil)).To(BeTrue())
	g.Expect(NeedsGeneratedSSHKey(ssh, map[string][]byte{v1alpha1.ProtectedSSHPrivateKey: testKey(t)})).To(BeFalse())
	ssh.Spec.GitRepository.LocalAuthRef = "mine"
	g.Expect(NeedsGeneratedSSHKey(ssh, nil)).To(BeFalse())
	https := config(t, `{metadata: {name: a, namespace: n}, spec: {gitRepository: {url: "https://h/r"}}}`)
	g.Expect(NeedsGeneratedSSHKey(https, nil)).To(BeFalse())

	res, err := Render(ssh, Inputs{}, Options{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Objects).To(HaveLen(1), "with localAuthRef only the source is rendered")
}

func TestGeneratedKeyAlgorithm(t *testing.T) {
	for url, want := range map[string]string{
		"ssh://git@github.com/org/repo":                "ed25519",
		"git@ssh.dev.azure.com:v3/org/project/repo":    "rsa-4096",
		"ssh://git@ssh.dev.azure.com/v3/org/proj/repo": "rsa-4096",
		"git@vs-ssh.visualstudio.com:v3/org/proj/repo": "rsa-4096",
		"ssh://ssh.dev.azure.com.example.org/r":        "ed25519",
	} {
		fc := config(t, `{spec: {gitRepository: {url: "`+url+`"}}}`)
		if got := GeneratedKeyAlgorithm(fc); got != want {
			t.Errorf("%s: got %s, want %s", url, got, want)
		}
		fc.Spec.GitRepository.SSHKeyAlgorithm = "ecdsa-p256"
		if got := GeneratedKeyAlgorithm(fc); got != "ecdsa-p256" {
			t.Errorf("%s: sshKeyAlgorithm ecdsa-p256 must win, got %s", url, got)
		}
	}
}

func TestRender_InvalidInput(t *testing.T) {
	planted := "PLANTED-SECRET-VALUE"
	tests := []struct {
		name      string
		config    string
		params    map[string][]byte
		wantField string
		wantMsg   string
	}{
		{
			name:      "dependsOn cycle",
			config:    `{metadata: {name: c, namespace: n}, spec: {gitRepository: {url: "https://h/r"}, kustomizations: [{name: a, dependsOn: [b]}, {name: b, dependsOn: [c]}, {name: c, dependsOn: [a]}]}}`,
			wantField: "spec.kustomizations",
			wantMsg:   "dependsOn forms a cycle (a -> b -> c -> a)",
		},
		{
			name:      "httpsUser without httpsKey",
			config:    `{metadata: {name: c, namespace: n}, spec: {gitRepository: {url: "https://h/r", httpsUser: u}}}`,
			wantField: "spec.protectedParametersSecretRef[httpsKey]",
			wantMsg:   "httpsKey (its password or token) is missing",
		},
		{
			name:      "httpsKey without httpsUser",
			config:    `{metadata: {name: c, namespace: n}, spec: {gitRepository: {url: "https://h/r"}}}`,
			params:    map[string][]byte{v1alpha1.ProtectedHTTPSKey: []byte(planted)},
			wantField: "spec.gitRepository.httpsUser",
			wantMsg:   "needs a user name",
		},
		{
			name:      "ssh key that does not parse",
			config:    `{metadata: {name: c, namespace: n}, spec: {gitRepository: {url: "ssh://git@h/r"}}}`,
			params:    map[string][]byte{v1alpha1.ProtectedSSHPrivateKey: []byte("-----BEGIN OPENSSH PRIVATE KEY-----\n" + planted + "\n-----END OPENSSH PRIVATE KEY-----\n")},
			wantField: "spec.protectedParametersSecretRef[sshPrivateKey]",
			wantMsg:   "not a PEM or OpenSSH encoded",
		},
		{
			name:      "known_hosts that does not parse",
			config:    `{metadata: {name: c, namespace: n}, spec: {gitRepository: {url: "ssh://git@h/r", sshKnownHosts: bm90IGEga2V5}}}`,
			wantField: "spec.gitRepository.sshKnownHosts",
			wantMsg:   "line 1 is not a known_hosts entry",
		},
		{
			name:      "scp url without a path",
			config:    `{metadata: {name: c, namespace: n}, spec: {gitRepository: {url: "git@host"}}}`,
			wantField: "spec.gitRepository.url",
			wantMsg:   "git@host:org/repo",
		},
		{
			name:      "bucket accessKey without its secret",
			config:    `{metadata: {name: c, namespace: n}, spec: {sourceKind: Bucket, bucket: {url: "https://s3", bucketName: b, accessKey: AK}}}`,
			wantField: "spec.protectedParametersSecretRef[bucketSecretKey]",
			wantMsg:   "bucketSecretKey is missing",
		},
		{
			name:      "bucket secret without accessKey",
			config:    `{metadata: {name: c, namespace: n}, spec: {sourceKind: Bucket, bucket: {url: "https://s3", bucketName: b}}}`,
			params:    map[string][]byte{v1alpha1.ProtectedBucketSecretKey: []byte(planted)},
			wantField: "spec.bucket.accessKey",
			wantMsg:   "needs accessKey",
		},
		{
			name:      "service principal with secret and certificate",
			config:    `{metadata: {name: c, namespace: n}, spec: {sourceKind: AzureBlob, azureBlob: {url: "https://a", containerName: abc, servicePrincipal: {clientId: x, tenantId: t}}}}`,
			params:    map[string][]byte{v1alpha1.ProtectedClientSecret: []byte(planted), v1alpha1.ProtectedClientCertificate: []byte(planted)},
			wantField: "spec.azureBlob.servicePrincipal",
			wantMsg:   "exactly one of the protected parameters clientSecret or clientCertificate",
		},
		{
			name:      "managed identity and account key",
			config:    `{metadata: {name: c, namespace: n}, spec: {sourceKind: AzureBlob, azureBlob: {url: "https://a", containerName: abc, managedIdentity: {clientId: x}}}}`,
			params:    map[string][]byte{v1alpha1.ProtectedAccountKey: []byte(planted)},
			wantField: "spec.azureBlob",
			wantMsg:   "use one authentication method",
		},
		{
			name:      "oci client certificate without key",
			config:    `{metadata: {name: c, namespace: n}, spec: {sourceKind: OCIRepository, ociRepository: {url: "oci://r/m"}}}`,
			params:    map[string][]byte{v1alpha1.ProtectedTLSClientCertificate: []byte(planted)},
			wantField: "spec.protectedParametersSecretRef[tlsPrivateKey]",
			wantMsg:   "must be given together",
		},
		{
			name:      "github app without its private key",
			config:    `{metadata: {name: c, namespace: n}, spec: {gitRepository: {url: "https://github.com/o/r", provider: GitHub}}}`,
			params:    map[string][]byte{"githubAppID": []byte("1"), "githubAppInstallationID": []byte("2")},
			wantField: "spec.protectedParametersSecretRef[githubAppPrivateKey]",
			wantMsg:   "githubAppPrivateKey is missing; gitRepository.provider GitHub authenticates as a GitHub App",
		},
		{
			name:   "github app with both installation ID and owner",
			config: `{metadata: {name: c, namespace: n}, spec: {gitRepository: {url: "https://github.com/o/r", provider: GitHub}}}`,
			params: map[string][]byte{"githubAppID": []byte("1"), "githubAppInstallationID": []byte("2"), "githubAppInstallationOwner": []byte("o"),
				"githubAppPrivateKey": []byte("-----BEGIN RSA PRIVATE KEY-----\n" + planted + "\n-----END RSA PRIVATE KEY-----\n")},
			wantField: "spec.protectedParametersSecretRef[githubAppInstallationID]",
			wantMsg:   "exactly one of githubAppInstallationID or githubAppInstallationOwner",
		},
		{
			name:      "github app private key not PEM",
			config:    `{metadata: {name: c, namespace: n}, spec: {gitRepository: {url: "https://github.com/o/r", provider: GitHub}}}`,
			params:    map[string][]byte{"githubAppID": []byte("1"), "githubAppInstallationID": []byte("2"), "githubAppPrivateKey": []byte(planted)},
			wantField: "spec.protectedParametersSecretRef[githubAppPrivateKey]",
			wantMsg:   "not a PEM-encoded private key",
		},
		{
			name:      "oci verification key not base64",
			config:    `{metadata: {name: c, namespace: n}, spec: {sourceKind: OCIRepository, ociRepository: {url: "oci://r/m", verify: {provider: cosign, verificationConfig: {k.pub: "%%%"}}}}}`,
			wantField: "spec.ociRepository.verify.verificationConfig[k.pub]",
			wantMsg:   "is not base64",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			_, err := Render(config(t, tt.config), Inputs{ProtectedParameters: tt.params, GeneratedSSHKey: testKey(t)}, Options{MultiTenancy: true, KnownHosts: BuiltInKnownHosts})
			g.Expect(err).To(HaveOccurred())
			var invalidErr *InvalidSpecError
			g.Expect(errors.As(err, &invalidErr)).To(BeTrue(), "an InvalidSpecError")
			g.Expect(invalidErr.Field).To(Equal(tt.wantField))
			g.Expect(err.Error()).To(ContainSubstring(tt.wantMsg))
			g.Expect(err.Error()).NotTo(ContainSubstring(planted), "an error must never carry a secret value")
		})
	}
}

func TestRender_DefaultsWithoutAPIServerDefaulting(t *testing.T) {
	g := NewWithT(t)
	res, err := Render(config(t, `{metadata: {name: c, namespace: n}, spec: {gitRepository: {url: "https://h/r"}, kustomizations: [{name: k}]}}`),
		Inputs{}, Options{})
	g.Expect(err).NotTo(HaveOccurred())
	out, _ := yaml.Marshal(res.Objects)
	g.Expect(string(out)).To(ContainSubstring("interval: 10m0s"))
	g.Expect(string(out)).To(ContainSubstring("wait: true"))
	g.Expect(string(out)).NotTo(ContainSubstring("serviceAccountName"), "no impersonation without multi-tenancy")
}

func FuzzRender(f *testing.F) {
	f.Add("https://h/r", "k1", "k2", "main", []byte("token"), uint8(0))
	f.Add("git@h:o/r", "a", "a", "", []byte{}, uint8(1))
	f.Add("ssh://git@h/r", "x", "y", "v1", []byte("-----BEGIN"), uint8(2))
	f.Add("http://minio:9000", "k", "k", "", []byte("s"), uint8(3))
	key := testKey(f)
	f.Fuzz(func(t *testing.T, url, k1, k2, ref string, secret []byte, kind uint8) {
		fc := &v1alpha1.FluxConfig{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "n"}}
		fc.Spec.Kustomizations = []v1alpha1.KustomizationDefinition{{Name: k1, DependsOn: []string{k2}}, {Name: k2}}
		params := map[string][]byte{}
		switch kind % 4 {
		case 0:
			fc.Spec.SourceKind = v1alpha1.SourceKindGitRepository
			fc.Spec.GitRepository = &v1alpha1.GitRepositoryDefinition{URL: url, HTTPSUser: ref,
				RepositoryRef: &v1alpha1.RepositoryRefDefinition{Branch: ref}}
			params[v1alpha1.ProtectedHTTPSKey] = secret
			params[v1alpha1.ProtectedSSHPrivateKey] = secret
		case 1:
			fc.Spec.SourceKind = v1alpha1.SourceKindBucket
			fc.Spec.Bucket = &v1alpha1.BucketDefinition{URL: url, BucketName: ref, AccessKey: k1}
			params[v1alpha1.ProtectedBucketSecretKey] = secret
		case 2:
			fc.Spec.SourceKind = v1alpha1.SourceKindAzureBlob
			fc.Spec.AzureBlob = &v1alpha1.AzureBlobDefinition{URL: url, ContainerName: ref}
			params[v1alpha1.ProtectedSASToken] = secret
		default:
			fc.Spec.SourceKind = v1alpha1.SourceKindOCIRepository
			fc.Spec.OCIRepository = &v1alpha1.OCIRepositoryDefinition{URL: url,
				Verify: &v1alpha1.OCIVerifyDefinition{Provider: "cosign", VerificationConfig: map[string]string{k1: string(secret)}}}
			params[v1alpha1.ProtectedTLSClientCertificate] = secret
		}
		res, err := Render(fc, Inputs{ProtectedParameters: params, GeneratedSSHKey: key}, Options{MultiTenancy: true, KnownHosts: BuiltInKnownHosts})
		if err != nil {
			if len(secret) >= 8 && strings.Contains(err.Error(), string(secret)) {
				t.Fatalf("error carries the secret: %v", err)
			}
			return
		}
		if len(res.Objects) < 3 {
			t.Fatalf("want RBAC, the source and Kustomizations, got %d objects", len(res.Objects))
		}
	})
}

// A generated key the source does not use now stays in the auth Secret, under its own key,
// so a switch back to ssh finds it; Flux's own keys do not carry it.
func TestRender_KeepsUnusedGeneratedKey(t *testing.T) {
	g := NewWithT(t)
	key := testKey(t)
	for doc, params := range map[string]map[string][]byte{
		`{metadata: {name: a, namespace: n}, spec: {gitRepository: {url: "https://h/r"}}}`: nil,
		`{metadata: {name: a, namespace: n}, spec: {gitRepository: {url: "https://h/r", httpsUser: bot}, protectedParametersSecretRef: {name: p}}}`: {
			v1alpha1.ProtectedHTTPSKey: []byte("t"),
		},
	} {
		res, err := Render(config(t, doc), Inputs{KeptSSHKey: key, ProtectedParameters: params}, Options{})
		g.Expect(err).NotTo(HaveOccurred())
		var auth *corev1.Secret
		for _, o := range res.Objects {
			if s, ok := o.(*corev1.Secret); ok && s.Name == "a-auth" {
				auth = s
			}
		}
		g.Expect(auth).NotTo(BeNil(), doc)
		g.Expect(auth.Data).NotTo(HaveKey("identity"))
		g.Expect(GeneratedKeyOf(auth)).To(Equal(key))
	}
	// A user's localAuthRef of that very name is never overwritten.
	fc := config(t, `{metadata: {name: a, namespace: n}, spec: {gitRepository: {url: "https://h/r", localAuthRef: a-auth}}}`)
	res, err := Render(fc, Inputs{KeptSSHKey: key}, Options{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Objects).To(HaveLen(1))
}
