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
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	dpclient "github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
	"github.com/fluxconfig/fluxconfig/test/servers/azurite"
	"github.com/fluxconfig/fluxconfig/test/servers/gitserver"
	"github.com/fluxconfig/fluxconfig/test/servers/ociregistry"
	"github.com/fluxconfig/fluxconfig/test/servers/s3server"
	"github.com/fluxconfig/fluxconfig/test/servers/tlsca"
)

// Credentials of the local servers.
const (
	gitUser     = "e2e-bot"
	gitPassword = "e2e-git-password"
	ociUser     = "e2e-oci"
	ociPassword = "e2e-oci-password"
	s3AccessKey = "E2EACCESSKEY"
	s3SecretKey = "e2e-s3-secret-key"
	fluxCluster = "e2e-flux"
	adminToken  = "e2e-flux-admin"
)

// fluxStack is everything the GitOps scenarios run against: a server on 127.0.0.1 for each
// source kind, the real source-, kustomize- and helm-controller, and our controller,
// endpoint and agent, the last two as their chart ServiceAccounts.
type fluxStack struct {
	repos    *gitserver.Repos
	httpsURL string // basic auth, TLS with caPEM
	caPEM    []byte
	httpURL  string // no auth
	ssh      *gitserver.SSHServer

	oci       *ociregistry.Registry // plain HTTP, no auth
	ociSecure *ociregistry.Registry // TLS with ociCA, basic auth
	ociCA     *tlsca.CA
	s3        *s3server.Server // plain HTTP
	s3TLS     *s3server.Server // TLS with a CA source-controller trusts as a system root

	azurite        *azurite.Azurite // nil when it cannot run here; azuriteMissing says why
	azuriteMissing string

	endpoint string
	mgmt     *dpclient.Cluster
}

// startFluxStack starts the stack; everything stops when the calling container ends.
func startFluxStack(ctx context.Context) *fluxStack {
	flux := map[string]string{}
	for _, name := range []string{"SOURCE", "KUSTOMIZE", "HELM"} {
		flux[name] = os.Getenv("FLUXCONFIG_" + name + "_CONTROLLER")
		Expect(flux[name]).NotTo(BeEmpty(), "FLUXCONFIG_%s_CONTROLLER must name the Flux controller binary; run `make test-e2e`", name)
	}
	dir := GinkgoT().TempDir()
	st := &fluxStack{repos: gitserver.NewRepos(filepath.Join(dir, "git"))}
	st.startGit()
	st.startArtifactServers()
	st.startAzurite(ctx, filepath.Join(dir, "azurite"))

	// source-controller trusts s3TLS's CA as a system root: a Bucket has no field of ours for
	// a CA, so `insecure: false` is tested as against a server with a public certificate.
	roots := filepath.Join(dir, "system-roots.pem")
	st.startS3TLS(roots)
	sourceEnv := []string{"RUNTIME_NAMESPACE=flux-system", "SSL_CERT_FILE=" + roots}
	if st.azurite != nil {
		proxy, stop, err := st.azurite.HostStyleProxy()
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(stop)
		// Only for devstoreaccount1.blob.localhost: Go never proxies loopback addresses.
		sourceEnv = append(sourceEnv, "HTTP_PROXY="+proxy)
	}
	storage := freeAddr()
	Expect(os.MkdirAll(filepath.Join(dir, "artifacts"), 0o700)).To(Succeed()) // source-controller refuses a missing dir
	startProcess(kubeconfig, flux["SOURCE"], sourceEnv, "--storage-path="+filepath.Join(dir, "artifacts"),
		"--storage-addr="+storage, "--storage-adv-addr="+storage, "--enable-leader-election=false",
		"--metrics-addr=0", "--health-addr=0", "--log-encoding=console", "--concurrent=8",
		"--requeue-dependency=2s")
	// kustomize- and helm-controller with the chart's lockdown flags.
	// No metrics or health listeners: a port picked free and bound later can be taken in
	// between by a client connection's source port, and the controller would exit.
	lockdown := []string{"--enable-leader-election=false", "--metrics-addr=0", "--health-addr=0",
		"--log-encoding=console", "--requeue-dependency=2s", "--concurrent=8",
		"--no-cross-namespace-refs=true", "--default-service-account=flux-applier"}
	startProcess(kubeconfig, flux["KUSTOMIZE"], nil, lockdown...)
	startProcess(kubeconfig, flux["HELM"], nil, lockdown...)
	startBinaryAs(accounts["fluxconfig-controller"], "fluxconfig-controller", "--metrics-bind-address=0",
		"--health-probe-bind-address="+freeAddr(), "--multi-tenancy-enforce=true")

	Expect(os.MkdirAll(filepath.Join(dir, "clusters"), 0o700)).To(Succeed())
	Expect(os.WriteFile(filepath.Join(dir, "admin"), []byte(adminToken), 0o600)).To(Succeed())
	Expect(os.WriteFile(filepath.Join(dir, "clusters", fluxCluster), []byte("e2e-flux-agent"), 0o600)).To(Succeed())
	Expect(os.WriteFile(filepath.Join(dir, "agent-token"), []byte("e2e-flux-agent"), 0o600)).To(Succeed())
	listen := freeAddr()
	st.endpoint = "http://" + listen
	startBinary("fluxconfig-endpoint", "--listen="+listen, "--data="+filepath.Join(dir, "store.db"),
		"--admin-token-file="+filepath.Join(dir, "admin"), "--cluster-tokens-dir="+filepath.Join(dir, "clusters"))
	Expect(testenv.EnsureNamespace(ctx, k8sClient, releaseNamespace)).To(Succeed())
	startBinaryAs(accounts["fluxconfig-agent"], "fluxconfig-agent", "--endpoint="+st.endpoint, "--cluster-name="+fluxCluster,
		"--token-file="+filepath.Join(dir, "agent-token"), "--poll-interval=1s", "--status-interval=1s",
		"--metrics-bind-address=0", "--health-probe-bind-address="+freeAddr())
	c, err := dpclient.New(dpclient.Options{Endpoint: st.endpoint, Token: adminToken, Timeout: 10 * time.Second})
	Expect(err).NotTo(HaveOccurred())
	st.mgmt = c.Cluster(fluxCluster)
	Eventually(func() error {
		resp, err := http.Get(st.endpoint + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err
	}).WithTimeout(30 * time.Second).Should(Succeed())
	return st
}

func (st *fluxStack) startGit() {
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
}

func (st *fluxStack) startArtifactServers() {
	var err error
	st.oci, err = ociregistry.Start(ociregistry.Options{})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(st.oci.Close)
	st.ociCA, err = tlsca.New("e2e OCI CA")
	Expect(err).NotTo(HaveOccurred())
	st.ociSecure, err = ociregistry.Start(ociregistry.Options{CA: st.ociCA, Username: ociUser, Password: ociPassword})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(st.ociSecure.Close)
	st.s3, err = s3server.Start(s3server.Options{AccessKey: s3AccessKey, SecretKey: s3SecretKey})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(st.s3.Close)
}

func (st *fluxStack) startS3TLS(roots string) {
	ca, err := tlsca.New("e2e public CA")
	Expect(err).NotTo(HaveOccurred())
	Expect(os.WriteFile(roots, ca.PEM(), 0o600)).To(Succeed())
	st.s3TLS, err = s3server.Start(s3server.Options{AccessKey: s3AccessKey, SecretKey: s3SecretKey, CA: ca})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(st.s3TLS.Close)
}

func (st *fluxStack) startAzurite(ctx context.Context, dir string) {
	a, err := azurite.Start(context.WithoutCancel(ctx), os.Getenv("FLUXCONFIG_AZURITE"), dir)
	if errors.Is(err, azurite.ErrUnavailable) {
		st.azuriteMissing = err.Error()
		fmt.Fprintln(GinkgoWriter, "the AzureBlob scenarios will skip:", err)
		return
	}
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(a.Close)
	st.azurite = a
}

// put creates or replaces configuration name; body is the JSON of a FluxConfiguration.
func (st *fluxStack) put(ctx context.Context, name, body string) {
	var cfg dpv1.FluxConfiguration
	Expect(json.Unmarshal([]byte(body), &cfg)).To(Succeed())
	_, err := st.mgmt.Put(ctx, name, &cfg)
	Expect(err).NotTo(HaveOccurred(), "PUT %s", name)
}

// patch merge-patches configuration name.
func (st *fluxStack) patch(ctx context.Context, name, patch string) {
	_, err := st.mgmt.Patch(ctx, name, json.RawMessage(patch))
	Expect(err).NotTo(HaveOccurred(), "PATCH %s", name)
}

// observed reads a configuration's properties, as the endpoint reports them.
func (st *fluxStack) observed(name string) func() dpv1.FluxConfigurationProperties {
	return func() dpv1.FluxConfigurationProperties {
		c, err := st.mgmt.Get(context.Background(), name)
		if err != nil {
			return dpv1.FluxConfigurationProperties{}
		}
		return c.Properties
	}
}

// gone reports whether the endpoint no longer knows configuration name.
func (st *fluxStack) gone(name string) func() bool {
	return func() bool {
		_, err := st.mgmt.Get(context.Background(), name)
		return dpclient.IsNotFound(err)
	}
}

// figures collects the timings the scenarios print at the end.
var (
	figuresMu sync.Mutex
	figures   []string
)

func record(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	figuresMu.Lock()
	defer figuresMu.Unlock()
	figures = append(figures, line)
	AddReportEntry("figure", line)
	fmt.Fprintln(GinkgoWriter, "figure:", line)
}
