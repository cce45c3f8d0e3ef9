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

package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/arm"
	"github.com/fluxconfig/fluxconfig/internal/testenv"

	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// devCluster is the name the local control plane has at the endpoint.
const devCluster = "local"

// upstream is the endpoint and the agent devenv runs next to the controller.
type upstream struct {
	// dir holds the endpoint's store, tokens and the CLI config.
	dir                 string
	url, adminTokenFile string
	// cli is the fluxconfig CLI next to the endpoint binary; cliConfig its config file.
	cli, cliConfig  string
	endpoint, agent *process
}

// startUpstream starts fluxconfig-endpoint on a free 127.0.0.1 port with fresh tokens in
// the state directory, waits until it answers, then starts fluxconfig-agent against it.
func startUpstream(o options, kubeconfig string) (*upstream, error) {
	if o.endpoint == "" || o.agent == "" {
		return nil, errors.New("--endpoint and --agent are required: the samples go through the endpoint")
	}
	u, err := startEndpoint(o, kubeconfig, devCluster)
	if err != nil {
		return nil, err
	}
	agentToken := filepath.Join(u.dir, "agent-token")
	tok := newToken()
	for _, path := range []string{filepath.Join(u.dir, "clusters", devCluster), agentToken} {
		if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
			stopProcess(u.endpoint)
			return nil, err
		}
	}
	u.agent, err = u.startAgent(o.agent, devCluster, kubeconfig, agentToken, filepath.Join(o.stateDir, "agent.log"))
	if err != nil {
		stopProcess(u.endpoint)
		return nil, err
	}
	return u, nil
}

// startEndpoint starts fluxconfig-endpoint on a free 127.0.0.1 port with a fresh admin token
// and an empty --cluster-tokens-dir under the state directory, and waits until it answers.
// The CLI config it writes names cliCluster as the cluster the per-cluster verbs manage.
func startEndpoint(o options, kubeconfig, cliCluster string) (*upstream, error) {
	dir, err := filepath.Abs(filepath.Join(o.stateDir, "endpoint"))
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "clusters"), 0o700); err != nil {
		return nil, err
	}
	u := &upstream{dir: dir, adminTokenFile: filepath.Join(dir, "admin-token"), cli: filepath.Join(filepath.Dir(o.endpoint), "fluxconfig"),
		cliConfig: filepath.Join(dir, "fluxconfig.yaml")}
	if err := os.WriteFile(u.adminTokenFile, []byte(newToken()+"\n"), 0o600); err != nil {
		return nil, err
	}
	addr, err := testutil.FreeAddr()
	if err != nil {
		return nil, err
	}
	u.url = "http://" + addr
	// What the fluxconfig CLI needs to manage the samples: FLUXCONFIG_CONFIG=<this file>.
	cliConfig := fmt.Sprintf("endpoint: %s\ntoken-file: %s\ncluster: %s\n", u.url, u.adminTokenFile, cliCluster)
	if err := os.WriteFile(u.cliConfig, []byte(cliConfig), 0o600); err != nil {
		return nil, err
	}
	args := []string{"--listen=" + addr, "--data=" + filepath.Join(dir, "store.db"),
		"--admin-token-file=" + u.adminTokenFile, "--cluster-tokens-dir=" + filepath.Join(dir, "clusters"),
		"--agent-poll-interval=5s"}
	u.endpoint, err = startProcess("fluxconfig-endpoint", o.endpoint, kubeconfig, filepath.Join(o.stateDir, "endpoint.log"), nil,
		append(args, o.endpointArgs...)...)
	if err != nil {
		return nil, err
	}
	if err := waitHTTP(u.url + "/healthz"); err != nil {
		stopProcess(u.endpoint)
		return nil, fmt.Errorf("fluxconfig-endpoint: %w; see %s", err, filepath.Join(o.stateDir, "endpoint.log"))
	}
	return u, nil
}

// startAgent starts fluxconfig-agent for the named cluster against the endpoint.
func (u *upstream) startAgent(bin, name, kubeconfig, tokenFile, logPath string) (*process, error) {
	return startProcess("fluxconfig-agent", bin, kubeconfig, logPath, nil,
		"--endpoint="+u.url, "--cluster-name="+name, "--token-file="+tokenFile,
		"--poll-interval=5s", "--status-interval=10s",
		"--metrics-bind-address=0", "--health-probe-bind-address=127.0.0.1:0")
}

func (u *upstream) stop() {
	stopProcess(u.agent)
	stopProcess(u.endpoint)
}

func newToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func waitHTTP(url string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer within 30s", url)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// putSamples creates every sample FluxConfig through the management API, with the values
// of its protected-parameters Secret sample sent as protected settings, as a platform team
// would; the agent then writes them into the cluster.
func (u *upstream) putSamples(ctx context.Context, files []testenv.SampleFile) ([]sampleRef, error) {
	var objs []*unstructured.Unstructured
	for _, f := range files {
		objs = append(objs, f.Objects...)
	}
	mgmt, err := client.New(client.Options{Endpoint: u.url, TokenFile: u.adminTokenFile})
	if err != nil {
		return nil, err
	}
	cluster := mgmt.Cluster(devCluster)
	var refs []sampleRef
	for _, obj := range objs {
		if obj.GetKind() != v1alpha1.FluxConfigKind {
			continue
		}
		fc := &v1alpha1.FluxConfig{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, fc); err != nil {
			return nil, fmt.Errorf("%s: %w", obj.GetName(), err)
		}
		props := arm.FromSpec(fc.Namespace, &fc.Spec)
		props.ConfigurationProtectedSettings = protectedFromSamples(objs, fc)
		if _, err := cluster.Put(ctx, fc.Name, &dpv1.FluxConfiguration{Properties: props}); err != nil {
			return nil, err
		}
		refs = append(refs, sampleRef{namespace: fc.Namespace, name: fc.Name, sourceKind: string(fc.Spec.SourceKind),
			deployKey: generatesKey(fc, props.ConfigurationProtectedSettings)})
	}
	if len(refs) == 0 {
		return nil, errNoSamples
	}
	fmt.Printf("Created %d sample configurations through the endpoint\n", len(refs))
	return refs, nil
}

// generatesKey: an SSH git source given no private key, for which the controller generates one.
func generatesKey(fc *v1alpha1.FluxConfig, protected map[string]string) bool {
	g := fc.Spec.GitRepository
	if g == nil || g.LocalAuthRef != "" || !strings.HasPrefix(g.URL, "ssh://") {
		return false
	}
	_, given := protected[v1alpha1.ProtectedSSHPrivateKey]
	return !given
}

// protectedFromSamples base64-encodes the data of the Secret fc refers to, if it is a sample.
func protectedFromSamples(objs []*unstructured.Unstructured, fc *v1alpha1.FluxConfig) map[string]string {
	ref := fc.Spec.ProtectedParametersSecretRef
	if ref == nil {
		return nil
	}
	out := map[string]string{}
	for _, obj := range objs {
		if obj.GetKind() != "Secret" || obj.GetName() != ref.Name || obj.GetNamespace() != fc.Namespace {
			continue
		}
		data, _, _ := unstructured.NestedStringMap(obj.Object, "stringData")
		for k, v := range data {
			out[k] = base64.StdEncoding.EncodeToString([]byte(v))
		}
		encoded, _, _ := unstructured.NestedStringMap(obj.Object, "data")
		for k, v := range encoded {
			out[k] = v
		}
	}
	return out
}

// cliHelp is printed once everything runs.
func (u *upstream) cliHelp() string {
	return fmt.Sprintf("The configuration endpoint serves %s (cluster %q). The fluxconfig CLI manages the samples there:\n\n"+
		"  export FLUXCONFIG_CONFIG=%s\n"+
		"  %[4]s list\n"+
		"  %[4]s deployed-object list -n cluster-config\n"+
		"  %[4]s update -n cluster-config --suspend\n\n"+
		"The compliance dashboard is %[1]s/ui/ (sign in with the token in %[5]s).\n",
		u.url, devCluster, u.cliConfig, u.cli, u.adminTokenFile)
}
