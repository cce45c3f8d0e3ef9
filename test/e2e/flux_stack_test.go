//go:build e2e

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

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	ctrl "sigs.k8s.io/controller-runtime"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
	"github.com/fluxconfig/fluxconfig/test/e2e/sourcestandin"
	"github.com/fluxconfig/fluxconfig/test/servers/gitserver"
)

// gitUser and gitPassword guard the HTTPS git server.
const (
	gitUser     = "e2e-bot"
	gitPassword = "e2e-git-password"
	fluxCluster = "e2e-flux"
	adminToken  = "e2e-flux-admin"
)

// fluxStack is everything the GitOps scenarios run against: git servers, the source
// stand-in, the real kustomize-controller, and our controller, endpoint and agent.
type fluxStack struct {
	repos    *gitserver.Repos
	httpsURL string // basic auth, TLS with caPEM
	caPEM    []byte
	httpURL  string // no auth
	ssh      *gitserver.SSHServer
	endpoint string
}

// startFluxStack starts the stack; everything stops when the calling container ends.
func startFluxStack(ctx context.Context) *fluxStack {
	kustomizeController := os.Getenv("FLUXCONFIG_KUSTOMIZE_CONTROLLER")
	Expect(kustomizeController).NotTo(BeEmpty(), "FLUXCONFIG_KUSTOMIZE_CONTROLLER must name the kustomize-controller binary; run `make test-e2e`")
	dir := GinkgoT().TempDir()
	st := &fluxStack{repos: gitserver.NewRepos(filepath.Join(dir, "git"))}

	withAuth, err := st.repos.HTTPHandler(gitUser, gitPassword)
	Expect(err).NotTo(HaveOccurred())
	https := httptest.NewTLSServer(withAuth)
	DeferCleanup(https.Close)
	st.httpsURL = https.URL
	st.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: https.Certificate().Raw})
	noAuth, err := st.repos.HTTPHandler("", "")
	Expect(err).NotTo(HaveOccurred())
	plain := httptest.NewServer(noAuth)
	DeferCleanup(plain.Close)
	st.httpURL = plain.URL
	st.ssh, err = st.repos.ServeSSH()
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(st.ssh.Close)

	startSourceStandIn()
	startBinaryPath(kubeconfig, kustomizeController, "--metrics-addr="+freeAddr(), "--health-addr="+freeAddr(),
		"--log-encoding=console", "--requeue-dependency=2s", "--concurrent=4",
		"--no-cross-namespace-refs=true", "--default-service-account=flux-applier")
	startBinary("fluxconfig-controller", "--metrics-bind-address=0", "--health-probe-bind-address="+freeAddr())

	Expect(os.MkdirAll(filepath.Join(dir, "clusters"), 0o700)).To(Succeed())
	Expect(os.WriteFile(filepath.Join(dir, "admin"), []byte(adminToken), 0o600)).To(Succeed())
	Expect(os.WriteFile(filepath.Join(dir, "clusters", fluxCluster), []byte("e2e-flux-agent"), 0o600)).To(Succeed())
	Expect(os.WriteFile(filepath.Join(dir, "agent-token"), []byte("e2e-flux-agent"), 0o600)).To(Succeed())
	listen := freeAddr()
	st.endpoint = "http://" + listen
	startBinary("fluxconfig-endpoint", "--listen="+listen, "--data="+filepath.Join(dir, "store.db"),
		"--admin-token-file="+filepath.Join(dir, "admin"), "--cluster-tokens-dir="+filepath.Join(dir, "clusters"))
	Expect(testenv.EnsureNamespace(ctx, k8sClient, "fluxconfig-system")).To(Succeed())
	startBinaryAs(agentKubeconfig(ctx, dir), "fluxconfig-agent", "--endpoint="+st.endpoint, "--cluster-name="+fluxCluster,
		"--token-file="+filepath.Join(dir, "agent-token"), "--poll-interval=2s", "--status-interval=2s",
		"--metrics-bind-address=0", "--health-probe-bind-address="+freeAddr())
	Eventually(func() error {
		resp, err := http.Get(st.endpoint + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err
	}).WithTimeout(30 * time.Second).Should(Succeed())
	return st
}

// startSourceStandIn runs the GitRepository stand-in in this process.
func startSourceStandIn() {
	artifacts := sourcestandin.NewArtifactServer()
	DeferCleanup(artifacts.Close)
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:                 scheme.New(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	})
	Expect(err).NotTo(HaveOccurred())
	Expect((&sourcestandin.GitRepositoryReconciler{Client: mgr.GetClient(), Artifacts: artifacts}).SetupWithManager(mgr)).To(Succeed())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(done)
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
	DeferCleanup(func() { cancel(); <-done })
}

// call sends one management request for configuration name; body is JSON or empty.
func (st *fluxStack) call(method, name, body string) (int, dpv1.FluxConfiguration) {
	url := fmt.Sprintf("%s/v1/clusters/%s/fluxConfigurations/%s", st.endpoint, fluxCluster, name)
	req, err := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, dpv1.FluxConfiguration{}
	}
	defer resp.Body.Close()
	var c dpv1.FluxConfiguration
	_ = json.NewDecoder(resp.Body).Decode(&c)
	return resp.StatusCode, c
}

// mustCall is call that expects one of the given status codes.
func (st *fluxStack) mustCall(method, name, body string, codes ...int) {
	code, _ := st.call(method, name, body)
	Expect(codes).To(ContainElement(code), "%s %s", method, name)
}

// observed reads a configuration's properties, as the endpoint reports them.
func (st *fluxStack) observed(name string) func() dpv1.FluxConfigurationProperties {
	return func() dpv1.FluxConfigurationProperties {
		_, c := st.call(http.MethodGet, name, "")
		return c.Properties
	}
}

// figures collects the timings the scenarios print at the end.
var figures []string

func record(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	figures = append(figures, line)
	AddReportEntry("figure", line)
	fmt.Fprintln(GinkgoWriter, "figure:", line)
}
