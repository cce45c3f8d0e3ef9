//go:build e2e

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

package e2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/sshkey"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

// kindCase is one configuration of the source-kind scenario: its properties, and the
// revision (commit or digest) it must report once Compliant.
type kindCase struct {
	name     string
	skip     string
	props    map[string]any
	revision string
	// check, when set, runs once the configuration is Compliant.
	check func(ctx context.Context, p dpv1.FluxConfigurationProperties)
}

// manifestsFor is the content each case syncs: one ConfigMap in the case's namespace.
func manifestsFor(name, version string) map[string]string {
	return map[string]string{"settings.yaml": configMapYAML("k-"+name, name+"-settings", version)}
}

// under prefixes every path of files with dir.
func under(dir string, files map[string]string) map[string]string {
	out := map[string]string{}
	for p, c := range files {
		out[dir+"/"+p] = c
	}
	return out
}

// kindCases publishes each case's content to its server and returns the cases.
func kindCases(ctx context.Context, st *fluxStack) []kindCase {
	ks := func(path string) map[string]any {
		return map[string]any{"k": map[string]any{"path": path, "prune": true, "retryIntervalInSeconds": 2, "syncIntervalInSeconds": 60}}
	}
	git := func(url string, ref map[string]any) map[string]any {
		return map[string]any{"url": url, "syncIntervalInSeconds": 2, "repositoryRef": ref}
	}
	var cases []kindCase

	// Git refs: v1.0.0 at A, v1.2.0 at B, main at C. Every commit carries every case's files.
	files := map[string]string{}
	for _, n := range []string{"git-tag", "git-semver", "git-commit", "git-ssh-user-key"} {
		for p, c := range under("kinds/"+n, manifestsFor(n, "1")) {
			files[p] = c
		}
	}
	for p, c := range fluxKindsContent(ctx, st) {
		files[p] = c
	}
	shaA, err := st.repos.Commit("kinds", "A", files)
	Expect(err).NotTo(HaveOccurred())
	Expect(st.repos.Tag("kinds", "v1.0.0")).To(Succeed())
	shaB, err := st.repos.Commit("kinds", "B", map[string]string{"B": "b"})
	Expect(err).NotTo(HaveOccurred())
	Expect(st.repos.Tag("kinds", "v1.2.0")).To(Succeed())
	shaC, err := st.repos.Commit("kinds", "C", map[string]string{"C": "c"})
	Expect(err).NotTo(HaveOccurred())
	cases = append(cases,
		kindCase{name: "git-tag", revision: shaA, props: map[string]any{
			"gitRepository": git(st.httpURL+"/kinds.git", map[string]any{"tag": "v1.0.0"}), "kustomizations": ks("./kinds/git-tag")}},
		kindCase{name: "git-semver", revision: shaB, props: map[string]any{
			"gitRepository": git(st.httpURL+"/kinds.git", map[string]any{"semver": ">=1.0.0 <2.0.0"}), "kustomizations": ks("./kinds/git-semver")}},
		kindCase{name: "git-commit", revision: shaA, props: map[string]any{
			"gitRepository": git(st.httpURL+"/kinds.git", map[string]any{"branch": "main", "commit": shaA}), "kustomizations": ks("./kinds/git-commit")}},
	)
	userKey, err := sshkey.Generate(rand.Reader, "e2e-user-key")
	Expect(err).NotTo(HaveOccurred())
	pub, err := sshkey.PublicKey(userKey)
	Expect(err).NotTo(HaveOccurred())
	Expect(st.ssh.Authorize(pub)).To(Succeed())
	sshGit := git(st.ssh.URL("kinds"), map[string]any{"branch": "main"})
	sshGit["sshKnownHosts"] = b64(st.ssh.KnownHosts())
	cases = append(cases, kindCase{name: "git-ssh-user-key", revision: shaC, props: map[string]any{
		"gitRepository": sshGit, "kustomizations": ks("./kinds/git-ssh-user-key"),
		"configurationProtectedSettings": map[string]any{"sshPrivateKey": b64(string(userKey))}}})
	cases = append(cases, fluxKindsCase(st, shaC))

	// OCI: tag, semver (the highest wins), digest (not the newest tag), TLS with a CA and basic auth.
	push := func(reg interface {
		PushArtifact(context.Context, string, map[string]string, string, string, ...string) (string, error)
	}, repo string, files map[string]string, tags ...string) string {
		d, err := reg.PushArtifact(ctx, repo, files, "e2e", "main@sha1:0", tags...)
		Expect(err).NotTo(HaveOccurred())
		return d
	}
	oci := func(url string, ref map[string]any) map[string]any {
		return map[string]any{"url": url, "insecure": true, "syncIntervalInSeconds": 2, "repositoryRef": ref}
	}
	tagged := push(st.oci, "oci-tag", manifestsFor("oci-tag", "1"), "v1")
	push(st.oci, "oci-semver", manifestsFor("oci-semver", "1"), "1.0.0")
	newest := push(st.oci, "oci-semver", manifestsFor("oci-semver", "2"), "1.1.0")
	pinned := push(st.oci, "oci-digest", manifestsFor("oci-digest", "1"), "old")
	push(st.oci, "oci-digest", manifestsFor("oci-digest", "2"), "new")
	secure := push(st.ociSecure, "oci-tls-auth", manifestsFor("oci-tls-auth", "1"), "v1")
	secureOCI := map[string]any{"url": st.ociSecure.URL("oci-tls-auth"), "syncIntervalInSeconds": 2,
		"repositoryRef": map[string]any{"tag": "v1"}, "localAuthRef": "registry-login",
		"tlsConfig": map[string]any{"caCertificate": b64(string(st.ociCA.PEM()))}}
	dockerConfig(ctx, "k-oci-tls-auth", "registry-login", st.ociSecure.Host, ociUser, ociPassword)
	cases = append(cases,
		kindCase{name: "oci-tag", revision: tagged, props: map[string]any{"sourceKind": "OCIRepository",
			"ociRepository": oci(st.oci.URL("oci-tag"), map[string]any{"tag": "v1"}), "kustomizations": ks("./")}},
		kindCase{name: "oci-semver", revision: newest, props: map[string]any{"sourceKind": "OCIRepository",
			"ociRepository": oci(st.oci.URL("oci-semver"), map[string]any{"semver": ">=1.0.0"}), "kustomizations": ks("./")},
			check: wantVersion("oci-semver", "2")},
		kindCase{name: "oci-digest", revision: pinned, props: map[string]any{"sourceKind": "OCIRepository",
			"ociRepository": oci(st.oci.URL("oci-digest"), map[string]any{"digest": pinned}), "kustomizations": ks("./")},
			check: wantVersion("oci-digest", "1")},
		kindCase{name: "oci-tls-auth", revision: secure, props: map[string]any{"sourceKind": "OCIRepository",
			"ociRepository": secureOCI, "kustomizations": ks("./")}},
	)

	// Buckets: access key and bucketSecretKey, over plain HTTP (insecure) and TLS.
	for _, b := range []struct {
		name     string
		host     string
		insecure bool
		put      func(string, map[string]string) error
	}{{"bucket-insecure", st.s3.Host, true, st.s3.Put}, {"bucket-tls", st.s3TLS.Host, false, st.s3TLS.Put}} {
		Expect(b.put(b.name, manifestsFor(b.name, "1"))).To(Succeed())
		scheme := map[bool]string{true: "http://", false: "https://"}[b.insecure]
		cases = append(cases, kindCase{name: b.name, props: map[string]any{"sourceKind": "Bucket",
			"bucket": map[string]any{"url": scheme + b.host, "bucketName": b.name, "insecure": b.insecure,
				"accessKey": s3AccessKey, "syncIntervalInSeconds": 2},
			"configurationProtectedSettings": map[string]any{"bucketSecretKey": b64(s3SecretKey)},
			"kustomizations":                 ks("./")}})
	}

	// Azure Blob: a SAS token at the path-style URL, the account key at the host-style URL.
	if st.azurite == nil {
		cases = append(cases, kindCase{name: "azure-sas", skip: st.azuriteMissing}, kindCase{name: "azure-key", skip: st.azuriteMissing})
		return cases
	}
	Expect(st.azurite.Put(ctx, "azure-sas", manifestsFor("azure-sas", "1"))).To(Succeed())
	Expect(st.azurite.Put(ctx, "azure-key", manifestsFor("azure-key", "1"))).To(Succeed())
	token, err := st.azurite.AccountSAS(time.Hour)
	Expect(err).NotTo(HaveOccurred())
	cases = append(cases,
		kindCase{name: "azure-sas", props: map[string]any{"sourceKind": "AzureBlob",
			"azureBlob":      map[string]any{"url": st.azurite.URL(), "containerName": "azure-sas", "sasToken": token, "syncIntervalInSeconds": 2},
			"kustomizations": ks("./")}},
		kindCase{name: "azure-key", props: map[string]any{"sourceKind": "AzureBlob",
			"azureBlob":      map[string]any{"url": st.azurite.HostStyleURL(), "containerName": "azure-key", "accountKey": azuriteKey(), "syncIntervalInSeconds": 2},
			"kustomizations": ks("./")}},
	)
	return cases
}

// runKindCases PUTs every case at once and waits for each to be Compliant at the endpoint
// with its revision and its ConfigMap applied, recording PUT → Compliant.
func runKindCases(ctx context.Context, st *fluxStack, cases []kindCase) {
	const timeout = 2 * time.Minute
	var wg sync.WaitGroup
	for _, c := range cases {
		if c.skip != "" {
			record("%s: skipped: %s", c.name, c.skip)
			continue
		}
		props := map[string]any{"namespace": "k-" + c.name}
		for k, v := range c.props {
			props[k] = v
		}
		wg.Add(1)
		go func() {
			defer GinkgoRecover()
			defer wg.Done()
			start := time.Now()
			st.put(ctx, c.name, properties(props))
			Eventually(st.observed(c.name)).WithTimeout(timeout).WithPolling(250*time.Millisecond).Should(SatisfyAll(
				HaveField("ComplianceState", "Compliant"),
				HaveField("ProvisioningState", dpv1.ProvisioningSucceeded),
				HaveField("SourceSyncedCommitID", ContainSubstring(c.revision))), c.name)
			record("%s: PUT → Compliant at the endpoint %s", c.name, time.Since(start).Round(100*time.Millisecond))
			Expect(configMapVersion(ctx, "k-"+c.name, c.name+"-settings")()).NotTo(Equal("absent"), c.name)
			if c.check != nil {
				c.check(ctx, st.observed(c.name)())
			}
		}()
	}
	wg.Wait()
}

// wantVersion checks the version of the ConfigMap a case applied.
func wantVersion(name, version string) func(context.Context, dpv1.FluxConfigurationProperties) {
	return func(ctx context.Context, _ dpv1.FluxConfigurationProperties) {
		Expect(configMapVersion(ctx, "k-"+name, name+"-settings")()).To(Equal(version), name)
	}
}

// dockerConfig creates the registry login Secret an OCIRepository's localAuthRef names.
func dockerConfig(ctx context.Context, namespace, name, host, user, password string) {
	Expect(testenv.EnsureNamespace(ctx, k8sClient, namespace)).To(Succeed())
	auth := b64(user + ":" + password)
	Expect(k8sClient.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Type:       corev1.SecretTypeDockerConfigJson,
		StringData: map[string]string{corev1.DockerConfigJsonKey: fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, host, auth)},
	})).To(Succeed())
}

// helmIndex serves an empty Helm repository index, enough for a HelmRepository to be Ready.
func helmIndex() string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/index.yaml") {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte("apiVersion: v1\nentries: {}\n"))
	}))
	DeferCleanup(srv.Close)
	return srv.URL
}
