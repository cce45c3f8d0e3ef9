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
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// startBinary runs one of the built binaries with the test's admin kubeconfig.
func startBinary(name string, args ...string) (*exec.Cmd, chan error) {
	return startBinaryAs(kubeconfig, name, args...)
}

// startBinaryAs runs one of the built binaries with the given kubeconfig; the returned
// channel receives its exit.
func startBinaryAs(kubeconfigPath, name string, args ...string) (*exec.Cmd, chan error) {
	return startBinaryPath(kubeconfigPath, filepath.Join(binDir, name), args...)
}

// startBinaryPath runs the program at path with the given kubeconfig; the returned channel
// receives its exit.
func startBinaryPath(kubeconfigPath, path string, args ...string) (*exec.Cmd, chan error) {
	return startProcess(kubeconfigPath, path, nil, args...)
}

// startProcess runs path with KUBECONFIG and env added to the suite's environment, its
// output in the spec's log, and kills it when the calling node ends.
func startProcess(kubeconfigPath, path string, env []string, args ...string) (*exec.Cmd, chan error) {
	cmd := exec.Command(path, args...)
	cmd.Env = append(append(os.Environ(), "KUBECONFIG="+kubeconfigPath), env...)
	cmd.Stdout, cmd.Stderr = GinkgoWriter, GinkgoWriter
	Expect(cmd.Start()).To(Succeed())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	DeferCleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			Eventually(exited).WithTimeout(30 * time.Second).Should(Receive())
		}
	})
	return cmd, exited
}

// chartAgentProbe is the path of the agent's readiness probe in the chart by default
// (test/packaging pins it there): every check left out.
const chartAgentProbe = "/readyz?exclude=upstream&exclude=prune"

// readyz returns the status code and body of a readiness probe.
func readyz(addr string) (int, string, error) { return probe(addr, "/readyz?verbose") }

// probe returns the status code and body of a GET of path on a probe server.
func probe(addr, path string) (int, string, error) {
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), nil
}

// writeTokens writes, in dir, the endpoint's admin token e2e-admin and cluster's agent token,
// both as the endpoint reads them and as the agent does (agent-token).
func writeTokens(dir, cluster, token string) {
	Expect(os.MkdirAll(filepath.Join(dir, "clusters"), 0o700)).To(Succeed())
	Expect(os.WriteFile(filepath.Join(dir, "admin"), []byte("e2e-admin"), 0o600)).To(Succeed())
	Expect(os.WriteFile(filepath.Join(dir, "clusters", cluster), []byte(token), 0o600)).To(Succeed())
	Expect(os.WriteFile(filepath.Join(dir, "agent-token"), []byte(token), 0o600)).To(Succeed())
}

var _ = Describe("fluxconfig-endpoint and fluxconfig-agent processes", func() {
	It("deliver a configuration, report it, and survive the endpoint being killed with kill -9", func(ctx SpecContext) {
		dir := GinkgoT().TempDir()
		writeTokens(dir, "e2e", "e2e-agent")
		listen, healthAddr := freeAddr(), freeAddr()
		endpointArgs := []string{"--listen=" + listen, "--data=" + filepath.Join(dir, "store.db"),
			"--admin-token-file=" + filepath.Join(dir, "admin"), "--cluster-tokens-dir=" + filepath.Join(dir, "clusters")}
		endpoint, endpointExited := startBinary("fluxconfig-endpoint", endpointArgs...)
		Expect(testenv.EnsureNamespace(ctx, k8sClient, "fluxconfig-system")).To(Succeed())
		startBinaryAs(accounts["fluxconfig-agent"], "fluxconfig-agent", "--endpoint=http://"+listen, "--cluster-name=e2e",
			"--token-file="+filepath.Join(dir, "agent-token"), "--poll-interval=300ms", "--status-interval=1s",
			"--metrics-bind-address=0", "--health-probe-bind-address="+healthAddr,
			"--leader-elect", "--leader-election-namespace=fluxconfig-system")

		body := `{"properties":{"namespace":"e2e-agent","gitRepository":{"url":"https://git.example.com/r","repositoryRef":{"branch":"main"}},
			"kustomizations":{"apps":{"path":"./apps"}},"configurationProtectedSettings":{"httpsKey":"dG9rZW4="}}}`
		url := "http://" + listen + "/v1/clusters/e2e/fluxConfigurations/app"
		Eventually(func() (int, error) {
			req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader([]byte(body)))
			req.Header.Set("Authorization", "Bearer e2e-admin")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return 0, err
			}
			resp.Body.Close()
			return resp.StatusCode, nil
		}).WithTimeout(30 * time.Second).Should(Equal(http.StatusCreated))

		provisioning := func() (string, error) {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			req.Header.Set("Authorization", "Bearer e2e-admin")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return "", err
			}
			defer resp.Body.Close()
			var c dpv1.FluxConfiguration
			err = json.NewDecoder(resp.Body).Decode(&c)
			return c.Properties.ProvisioningState, err
		}
		Eventually(provisioning).WithTimeout(60 * time.Second).Should(Equal(dpv1.ProvisioningSucceeded))
		fc := &v1alpha1.FluxConfig{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: "e2e-agent", Name: "app"}, fc)).To(Succeed())
		lease := &coordinationv1.Lease{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: "fluxconfig-system", Name: "fluxconfig-agent.clusterconfig.azure.com"}, lease)).To(Succeed())
		Expect(lease.Spec.HolderIdentity).NotTo(BeNil())
		Eventually(func() (int, error) { code, _, err := readyz(healthAddr); return code, err }).
			WithTimeout(30 * time.Second).Should(Equal(http.StatusOK))

		// kill -9 the endpoint: the agent's readiness says why, the cluster keeps its state.
		Expect(endpoint.Process.Signal(syscall.SIGKILL)).To(Succeed())
		Eventually(endpointExited).WithTimeout(30 * time.Second).Should(Receive())
		Eventually(func() (string, error) { _, body, err := readyz(healthAddr); return body, err }).
			WithTimeout(30 * time.Second).Should(ContainSubstring("UpstreamConnected=False"))
		code, msg, err := readyz(healthAddr)
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(http.StatusServiceUnavailable))
		Expect(msg).To(ContainSubstring("unreachable"))
		Expect(msg).NotTo(ContainSubstring("e2e-agent"), "the token must not leak into the probe")
		code, _, err = probe(healthAddr, chartAgentProbe)
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(http.StatusOK), "the chart's probe does not make the pod unready for want of the endpoint")
		Consistently(func() error {
			return k8sClient.Get(ctx, client.ObjectKey{Namespace: "e2e-agent", Name: "app"}, &v1alpha1.FluxConfig{})
		}).WithTimeout(2 * time.Second).Should(Succeed())

		// Restarted on the same store, the endpoint still has the configuration and its
		// reported state, and the agent becomes ready again.
		startBinary("fluxconfig-endpoint", endpointArgs...)
		Eventually(provisioning).WithTimeout(30 * time.Second).Should(Equal(dpv1.ProvisioningSucceeded))
		Eventually(func() (int, error) { code, _, err := readyz(healthAddr); return code, err }).
			WithTimeout(60 * time.Second).Should(Equal(http.StatusOK))
	}, SpecTimeout(3*time.Minute))
})

var _ = Describe("fluxconfig-agent killed between apply and report", func() {
	It("reports after a restart, from what it remembered in the cluster", func(ctx SpecContext) {
		dir := GinkgoT().TempDir()
		writeTokens(dir, "e2e-restart", "e2e-restart")
		listen := freeAddr()
		startBinary("fluxconfig-endpoint", "--listen="+listen, "--data="+filepath.Join(dir, "store.db"),
			"--admin-token-file="+filepath.Join(dir, "admin"), "--cluster-tokens-dir="+filepath.Join(dir, "clusters"))

		// A proxy that loses every status report while blocked: the agent applies but
		// cannot report.
		var blocked atomic.Bool
		blocked.Store(true)
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if blocked.Load() && r.Method == http.MethodPut {
				http.Error(w, `{"error":{"code":"InternalError","message":"lost"}}`, http.StatusInternalServerError)
				return
			}
			testutil.Forward(w, r, "http://"+listen)
		}))
		DeferCleanup(proxy.Close)
		agentArgs := []string{"--endpoint=" + proxy.URL, "--cluster-name=e2e-restart",
			"--token-file=" + filepath.Join(dir, "agent-token"), "--poll-interval=300ms", "--status-interval=1s",
			"--metrics-bind-address=0", "--health-probe-bind-address=0"}
		agent, agentExited := startBinary("fluxconfig-agent", agentArgs...)

		url := "http://" + listen + "/v1/clusters/e2e-restart/fluxConfigurations/app"
		admin := func(method, body string) (int, dpv1.FluxConfiguration) {
			req, _ := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
			req.Header.Set("Authorization", "Bearer e2e-admin")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return 0, dpv1.FluxConfiguration{} // not listening yet; callers retry
			}
			defer resp.Body.Close()
			var c dpv1.FluxConfiguration
			_ = json.NewDecoder(resp.Body).Decode(&c)
			return resp.StatusCode, c
		}
		Eventually(func() int {
			code, _ := admin(http.MethodPut, `{"properties":{"namespace":"e2e-restart","gitRepository":{"url":"https://git.example.com/r"}}}`)
			return code
		}).WithTimeout(30 * time.Second).Should(Equal(http.StatusCreated))

		key := client.ObjectKey{Namespace: "e2e-restart", Name: "app"}
		Eventually(func() error { return k8sClient.Get(ctx, key, &v1alpha1.FluxConfig{}) }).WithTimeout(60 * time.Second).Should(Succeed())
		_, c := admin(http.MethodGet, "")
		Expect(c.Properties.ProvisioningState).To(Equal(dpv1.ProvisioningCreating), "no report got through")

		Expect(agent.Process.Signal(syscall.SIGKILL)).To(Succeed())
		Eventually(agentExited).WithTimeout(30 * time.Second).Should(Receive())
		blocked.Store(false)
		startBinary("fluxconfig-agent", agentArgs...)
		Eventually(func() string {
			_, c := admin(http.MethodGet, "")
			return c.Properties.ProvisioningState
		}).WithTimeout(60 * time.Second).Should(Equal(dpv1.ProvisioningSucceeded))
		fc := &v1alpha1.FluxConfig{}
		Eventually(func() map[string]string {
			_ = k8sClient.Get(ctx, key, fc)
			return fc.Annotations
		}).WithTimeout(30 * time.Second).Should(HaveKey("clusterconfig.azure.com/last-reported-digest"))
	}, SpecTimeout(3*time.Minute))
})
