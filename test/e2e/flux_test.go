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
	"crypto/rsa"

	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
	"golang.org/x/crypto/ssh"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	dpclient "github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/sshkey"
)

// The scenarios share one stack and one git repository, "fleet", and run in order: each
// starts from the state the one before left.
var _ = Describe("GitOps with the real Flux controllers", Ordered, func() {
	const scenarioTimeout = 90 * time.Second
	var (
		st   *fluxStack
		shas []string
	)
	commit := func(message string, files map[string]string) string {
		sha, err := st.repos.Commit("fleet", message, files)
		Expect(err).NotTo(HaveOccurred())
		shas = append(shas, sha)
		return sha
	}
	compliantAt := func(sha string) types.GomegaMatcher {
		return SatisfyAll(
			HaveField("ComplianceState", "Compliant"),
			HaveField("ProvisioningState", dpv1.ProvisioningSucceeded),
			HaveField("SourceSyncedCommitID", ContainSubstring(sha)))
	}
	// appliedThenCompliant waits for app-settings at version, then for the fleet configuration
	// Compliant at sha, and records format with the times from start to each.
	appliedThenCompliant := func(ctx context.Context, version, sha string, start time.Time, format string) {
		Eventually(configMapVersion(ctx, "e2e-apps", "app-settings")).WithTimeout(scenarioTimeout).Should(Equal(version))
		applied := time.Since(start)
		Eventually(st.observed("fleet")).WithTimeout(scenarioTimeout).Should(compliantAt(sha))
		record(format, applied.Round(100*time.Millisecond), time.Since(start).Round(100*time.Millisecond))
	}

	BeforeAll(func(ctx SpecContext) {
		st = startFluxStack(ctx)
	})
	AfterAll(func() {
		// go test shows a passing package's output only with -v; the Makefile prints this file.
		report := "e2e figures:\n  " + strings.Join(figures, "\n  ") + "\n"
		GinkgoWriter.Print(report)
		Expect(os.WriteFile(filepath.Join(binDir, "e2e-figures.txt"), []byte(report), 0o644)).To(Succeed())
	})

	It("1: applies a cluster-scoped configuration over HTTPS with basic auth, infra before apps", func(ctx SpecContext) {
		sha := commit("first", map[string]string{
			"infra/namespace.yaml": namespaceYAML("e2e-apps"),
			"infra/settings.yaml":  configMapYAML("e2e-apps", "infra-settings", "1"),
			"apps/settings.yaml":   configMapYAML("e2e-apps", "app-settings", "1"),
			"apps/web.yaml":        deploymentYAML("e2e-apps", "web"),
		})
		created := watchCreations(ctx, "e2e-apps")
		start := time.Now()
		st.put(ctx, "fleet", properties(map[string]any{
			"scope": "cluster", "namespace": "e2e-flux", "sourceKind": "GitRepository",
			"gitRepository": map[string]any{
				"url": st.httpsURL + "/fleet.git", "httpsUser": gitUser, "httpsCACert": b64(string(st.caPEM)),
				"syncIntervalInSeconds": 2, "repositoryRef": map[string]any{"branch": "main"},
			},
			"kustomizations": map[string]any{
				"infra": map[string]any{"path": "./infra", "prune": true, "retryIntervalInSeconds": 2},
				"apps":  map[string]any{"path": "./apps", "dependsOn": []string{"infra"}, "prune": true, "wait": false, "retryIntervalInSeconds": 2},
			},
			"configurationProtectedSettings": map[string]any{"httpsKey": b64(gitPassword)},
		}))

		appliedThenCompliant(ctx, "1", sha, start,
			"scenario 1: PUT → applied %s, PUT → Compliant at the endpoint %s")

		Expect(created()).To(Equal([]string{"infra-settings", "app-settings"}), "apps depends on infra")
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: "e2e-apps", Name: "web"}, &appsv1.Deployment{})).To(Succeed())
	}, SpecTimeout(3*time.Minute))

	It("2: applies a new commit and reports its id", func(ctx SpecContext) {
		start := time.Now()
		sha := commit("second", map[string]string{"apps/settings.yaml": configMapYAML("e2e-apps", "app-settings", "2")})
		appliedThenCompliant(ctx, "2", sha, start,
			"scenario 2: push → applied %s, push → commit id at the endpoint %s")
	}, SpecTimeout(3*time.Minute))

	It("7: suspended, leaves new commits alone; resumed, applies them", func(ctx SpecContext) {
		start := time.Now()
		st.patch(ctx, "fleet", `{"properties":{"suspend":true}}`)
		Eventually(st.observed("fleet")).WithTimeout(scenarioTimeout).Should(HaveField("ComplianceState", "Suspended"))
		record("scenario 7: PATCH suspend → Suspended at the endpoint %s", time.Since(start).Round(100*time.Millisecond))

		sha := commit("third", map[string]string{"apps/settings.yaml": configMapYAML("e2e-apps", "app-settings", "3")})
		Consistently(configMapVersion(ctx, "e2e-apps", "app-settings")).WithTimeout(8 * time.Second).Should(Equal("2"))

		start = time.Now()
		st.patch(ctx, "fleet", `{"properties":{"suspend":false}}`)
		appliedThenCompliant(ctx, "3", sha, start,
			"scenario 7: PATCH resume → applied %s, → Compliant at the endpoint %s")
	}, SpecTimeout(3*time.Minute))

	It("5: prunes the objects of a kustomization a PATCH removed", func(ctx SpecContext) {
		start := time.Now()
		st.patch(ctx, "fleet", `{"properties":{"kustomizations":{"apps":null}}}`)
		Eventually(configMapVersion(ctx, "e2e-apps", "app-settings")).WithTimeout(scenarioTimeout).Should(Equal("absent"))
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKey{Namespace: "e2e-apps", Name: "web"}, &appsv1.Deployment{}))
		}).WithTimeout(scenarioTimeout).Should(BeTrue())
		record("scenario 5: PATCH removing apps → its objects pruned %s", time.Since(start).Round(100*time.Millisecond))
		Expect(configMapVersion(ctx, "e2e-apps", "infra-settings")()).To(Equal("1"))
		Eventually(st.observed("fleet")).WithTimeout(scenarioTimeout).Should(SatisfyAll(
			compliantAt(shas[len(shas)-1]),
			HaveField("Statuses", Not(ContainElement(HaveField("Name", "fleet-apps"))))))
	}, SpecTimeout(3*time.Minute))

	It("6: DELETE removes workloads, Flux objects, Secrets and RBAC, and the endpoint forgets it", func(ctx SpecContext) {
		start := time.Now()
		_, err := st.mgmt.Delete(ctx, "fleet", dpclient.DeleteOptions{})
		Expect(err).NotTo(HaveOccurred())
		Eventually(st.gone("fleet")).WithTimeout(scenarioTimeout).Should(BeTrue())
		record("scenario 6: DELETE → forgotten by the endpoint %s", time.Since(start).Round(100*time.Millisecond))

		Expect(configMapVersion(ctx, "e2e-apps", "infra-settings")()).To(Equal("absent"))
		// Pruned; envtest runs no namespace controller to finish the deletion.
		ns := &corev1.Namespace{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Name: "e2e-apps"}, ns)).To(Succeed())
		Expect(ns.DeletionTimestamp).NotTo(BeNil(), "the Namespace infra applied is pruned")
		gone := func(obj client.Object, key client.ObjectKey) bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, key, obj))
		}
		Expect(gone(&v1alpha1.FluxConfig{}, client.ObjectKey{Namespace: "e2e-flux", Name: "fleet"})).To(BeTrue())
		Expect(gone(&sourcev1.GitRepository{}, client.ObjectKey{Namespace: "e2e-flux", Name: "fleet"})).To(BeTrue())
		Expect(gone(&kustomizev1.Kustomization{}, client.ObjectKey{Namespace: "e2e-flux", Name: "fleet-infra"})).To(BeTrue())
		Expect(gone(&corev1.Secret{}, client.ObjectKey{Namespace: "e2e-flux", Name: "fleet-auth"})).To(BeTrue())
		Expect(gone(&corev1.ServiceAccount{}, client.ObjectKey{Namespace: "e2e-flux", Name: "flux-applier"})).To(BeTrue())
		Expect(gone(&rbacv1.ClusterRoleBinding{}, client.ObjectKey{Name: "flux-applier-e2e-flux"})).To(BeTrue())
		secrets := &corev1.SecretList{}
		Expect(k8sClient.List(ctx, secrets, client.InNamespace("e2e-flux"))).To(Succeed())
		Expect(secrets.Items).To(BeEmpty(), "the protected parameters go too")
	}, SpecTimeout(3*time.Minute))

	It("3: over SSH, publishes the generated public key and syncs once it is a deploy key; a wrong key fails to authenticate", func(ctx SpecContext) {
		sha := commit("ssh", map[string]string{"ssh/settings.yaml": configMapYAML("e2e-ssh", "ssh-settings", "1")})
		sshConfig := func(protected map[string]any) string {
			return properties(map[string]any{
				"namespace": "e2e-ssh",
				"gitRepository": map[string]any{
					"url": st.ssh.URL("fleet"), "sshKnownHosts": b64(st.ssh.KnownHosts()),
					"syncIntervalInSeconds": 2, "repositoryRef": map[string]any{"branch": "main"},
				},
				"kustomizations":                 map[string]any{"ssh": map[string]any{"path": "./ssh", "retryIntervalInSeconds": 2}},
				"configurationProtectedSettings": protected,
			})
		}
		start := time.Now()
		st.put(ctx, "deploy", sshConfig(map[string]any{}))
		Eventually(st.observed("deploy")).WithTimeout(scenarioTimeout).Should(SatisfyAll(
			HaveField("RepositoryPublicKey", HavePrefix("ssh-ed25519 ")),
			WithTransform(conditionMessages, ContainSubstring("unable to authenticate"))))
		record("scenario 3: PUT → public key and the authentication failure at the endpoint %s", time.Since(start).Round(100*time.Millisecond))

		start = time.Now()
		Expect(st.ssh.Authorize(st.observed("deploy")().RepositoryPublicKey)).To(Succeed())
		Eventually(configMapVersion(ctx, "e2e-ssh", "ssh-settings")).WithTimeout(scenarioTimeout).Should(Equal("1"))
		Eventually(st.observed("deploy")).WithTimeout(scenarioTimeout).Should(compliantAt(sha))
		record("scenario 3: deploy key registered → applied and Compliant %s", time.Since(start).Round(100*time.Millisecond))

		wrongKey, err := sshkey.Generate(rand.Reader, "not-a-deploy-key")
		Expect(err).NotTo(HaveOccurred())
		st.put(ctx, "wrong-key", sshConfig(map[string]any{"sshPrivateKey": b64(string(wrongKey))}))
		Eventually(st.observed("wrong-key")).WithTimeout(scenarioTimeout).Should(SatisfyAll(
			HaveField("ComplianceState", "Non-Compliant"),
			WithTransform(conditionMessages, ContainSubstring("unable to authenticate"))))
	}, SpecTimeout(3*time.Minute))

	// Azure DevOps accepts only RSA keys; sshKeyAlgorithm asks for one where the host does not
	// tell (our server runs on 127.0.0.1).
	It("3b: over SSH with sshKeyAlgorithm rsa-4096, generates an RSA key the git server accepts as a deploy key", func(ctx SpecContext) {
		sha := commit("ssh-rsa", map[string]string{"ssh-rsa/settings.yaml": configMapYAML("e2e-ssh-rsa", "rsa-settings", "1")})
		start := time.Now()
		st.put(ctx, "rsa-deploy", properties(map[string]any{
			"namespace": "e2e-ssh-rsa",
			"gitRepository": map[string]any{
				"url": st.ssh.URL("fleet"), "sshKnownHosts": b64(st.ssh.KnownHosts()), "sshKeyAlgorithm": "rsa-4096",
				"syncIntervalInSeconds": 2, "repositoryRef": map[string]any{"branch": "main"},
			},
			"kustomizations": map[string]any{"rsa": map[string]any{"path": "./ssh-rsa", "retryIntervalInSeconds": 2}},
		}))
		Eventually(st.observed("rsa-deploy")).WithTimeout(scenarioTimeout).Should(HaveField("RepositoryPublicKey", HavePrefix("ssh-rsa ")))
		publicKey := st.observed("rsa-deploy")().RepositoryPublicKey
		Expect(rsaBits(publicKey)).To(Equal(4096))
		record("scenario 3b: PUT → RSA-4096 public key at the endpoint %s", time.Since(start).Round(100*time.Millisecond))

		start = time.Now()
		Expect(st.ssh.Authorize(publicKey)).To(Succeed())
		Eventually(configMapVersion(ctx, "e2e-ssh-rsa", "rsa-settings")).WithTimeout(scenarioTimeout).Should(Equal("1"))
		Eventually(st.observed("rsa-deploy")).WithTimeout(scenarioTimeout).Should(compliantAt(sha))
		record("scenario 3b: RSA deploy key registered → applied and Compliant %s", time.Since(start).Round(100*time.Millisecond))
	}, SpecTimeout(3*time.Minute))

	It("4: a namespace-scoped configuration applies in its namespace and is refused in another", func(ctx SpecContext) {
		sha := commit("tenant", map[string]string{
			"tenant/own/settings.yaml":    configMapYAML("e2e-tenant", "own-settings", "1"),
			"tenant/escape/settings.yaml": configMapYAML("default", "escaped-settings", "1"),
		})
		start := time.Now()
		st.put(ctx, "tenant", properties(map[string]any{
			"scope": "namespace", "namespace": "e2e-tenant",
			"gitRepository": map[string]any{
				"url": st.httpURL + "/fleet.git", "syncIntervalInSeconds": 2, "repositoryRef": map[string]any{"branch": "main"},
			},
			"kustomizations": map[string]any{
				"own":    map[string]any{"path": "./tenant/own", "retryIntervalInSeconds": 2},
				"escape": map[string]any{"path": "./tenant/escape", "retryIntervalInSeconds": 2},
			},
		}))
		Eventually(configMapVersion(ctx, "e2e-tenant", "own-settings")).WithTimeout(scenarioTimeout).Should(Equal("1"))
		applied := time.Since(start)
		Eventually(st.observed("tenant")).WithTimeout(scenarioTimeout).Should(SatisfyAll(
			HaveField("ComplianceState", "Non-Compliant"),
			HaveField("SourceSyncedCommitID", ContainSubstring(sha)),
			WithTransform(conditionMessages, SatisfyAll(
				ContainSubstring("forbidden"), ContainSubstring("system:serviceaccount:e2e-tenant:flux-applier"))),
			WithTransform(hints, ContainSubstring("Kustomization/tenant-escape: the config's scope is namespace, "+
				"so it may change objects of namespace e2e-tenant only, not of default"))))
		record("scenario 4: PUT → own namespace applied %s, → Non-Compliant with the refusal at the endpoint %s",
			applied.Round(100*time.Millisecond), time.Since(start).Round(100*time.Millisecond))
		Expect(configMapVersion(ctx, "default", "escaped-settings")()).To(Equal("absent"))
	}, SpecTimeout(3*time.Minute))

	// Every source kind and auth method against its server on 127.0.0.1, and a config whose
	// Git content applies every Flux kind the controller follows plus an ExternalArtifact,
	// all at once: each must reach Compliant at the endpoint with its revision.
	It("8: every source kind and auth method, and a config applying every Flux kind, reach Compliant", func(ctx SpecContext) {
		runKindCases(ctx, st, kindCases(ctx, st))
	}, SpecTimeout(4*time.Minute))

	It("9: docs/quickstart.sh creates, inspects, changes and deletes a configuration with the fluxconfig CLI", func(ctx SpecContext) {
		runQuickstart(ctx, st)
	}, SpecTimeout(10*time.Minute))
})

// rsaBits is the modulus size of an RSA public key in authorized_keys format, 0 for any
// other key.
func rsaBits(authorizedKey string) int {
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(authorizedKey))
	Expect(err).NotTo(HaveOccurred())
	crypto, ok := key.(ssh.CryptoPublicKey)
	Expect(ok).To(BeTrue())
	if rsaKey, ok := crypto.CryptoPublicKey().(*rsa.PublicKey); ok {
		return rsaKey.N.BitLen()
	}
	return 0
}

// hints joins every hint the endpoint reports for a configuration.
func hints(p dpv1.FluxConfigurationProperties) string {
	var out []string
	for _, s := range p.Statuses {
		if s.Hint != "" {
			out = append(out, s.Kind+"/"+s.Name+": "+s.Hint)
		}
	}
	return strings.Join(out, "\n")
}

// conditionMessages joins every condition message the endpoint reports for a configuration.
func conditionMessages(p dpv1.FluxConfigurationProperties) string {
	var msgs []string
	for _, s := range p.Statuses {
		for _, c := range s.StatusConditions {
			msgs = append(msgs, s.Kind+"/"+s.Name+": "+c.Message)
		}
	}
	return strings.Join(msgs, "\n")
}

// watchCreations records, in order, the names of the labelled ConfigMaps created in
// namespace from now on.
func watchCreations(ctx context.Context, namespace string) func() []string {
	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: scheme.New()})
	Expect(err).NotTo(HaveOccurred())
	w, err := wc.Watch(ctx, &corev1.ConfigMapList{}, client.InNamespace(namespace), client.HasLabels{orderLabel})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(w.Stop)
	var mu sync.Mutex
	var names []string
	go func() {
		for ev := range w.ResultChan() {
			if cm, ok := ev.Object.(*corev1.ConfigMap); ok && ev.Type == watch.Added {
				mu.Lock()
				names = append(names, cm.Name)
				mu.Unlock()
			}
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), names...)
	}
}
