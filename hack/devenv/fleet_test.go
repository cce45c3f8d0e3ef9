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
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/clientcmd"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

// TestFleet starts what `make run-fleet` starts, rolls a fleet configuration out with a
// canary wave and checks that every cluster ends Compliant on tag v1 with its own values,
// the canary Compliant before the others are given it. Three control planes and nine
// controllers take about 45 s on 2 cores, so `make test-fleet` runs it, not `make test`.
func TestFleet(t *testing.T) {
	bin := os.Getenv("FLUXCONFIG_BIN_DIR")
	if bin == "" || os.Getenv(testenv.AssetsEnv) == "" {
		t.Skip("FLUXCONFIG_BIN_DIR is unset: `make test-fleet` runs this")
	}
	o := options{
		stateDir:   t.TempDir(),
		controller: filepath.Join(bin, "fluxconfig-controller"),
		endpoint:   filepath.Join(bin, "fluxconfig-endpoint"),
		agent:      filepath.Join(bin, "fluxconfig-agent"),
		flux: fluxBins{source: os.Getenv("FLUXCONFIG_SOURCE_CONTROLLER"),
			kustomize: os.Getenv("FLUXCONFIG_KUSTOMIZE_CONTROLLER")},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- runFleet(ctx, o) }()
	stopped := false
	defer func() {
		if !stopped {
			cancel()
			if err := <-done; err != nil {
				t.Log("devenv fleet:", err)
			}
		}
	}()

	ready := waitReady(t, o.stateDir, done)
	t.Logf("all %d agents connected %.1f s after start", len(fleetMembers), time.Since(start).Seconds())
	if err := runFleet(ctx, o); !errors.As(err, &errRunning{}) {
		t.Errorf("a second devenv fleet in the same state directory: got %v, want it refused as running", err)
	}

	mgmt, gitURL := fleetClient(t, o.stateDir, ready)
	put := time.Now()
	fleet := &dpv1.FleetConfiguration{
		Properties: dpv1.FluxConfigurationProperties{Namespace: fleetNamespace, SourceKind: "GitRepository",
			GitRepository:  &dpv1.GitRepositoryDefinition{URL: gitURL, RepositoryRef: &dpv1.RepositoryRefDefinition{Tag: "v1"}},
			Kustomizations: map[string]*dpv1.KustomizationDefinition{"app": {Path: "./", PostBuild: &dpv1.PostBuildDefinition{}}}},
		Placement: dpv1.FleetPlacement{ClusterSelector: &dpv1.LabelSelector{}},
		Rollout: &dpv1.FleetRollout{MinCompliantSeconds: 5, Waves: []dpv1.RolloutWave{
			{Name: "canary", ClusterSelector: &dpv1.LabelSelector{MatchLabels: map[string]string{"ring": "canary"}}},
			{Name: "all", Percent: ptr(100)}}},
	}
	if _, err := mgmt.PutFleet(ctx, "hello", fleet); err != nil {
		t.Fatal(err)
	}
	placed, compliant := watchFleet(ctx, t, mgmt, "hello", done)
	t.Logf("fleet PUT → all %d Compliant in %.1f s", len(fleetMembers), time.Since(put).Seconds())
	canary := fleetMembers[0].name
	for _, m := range fleetMembers[1:] {
		if !placed[m.name].After(compliant[canary]) {
			t.Errorf("%s got the configuration at %s, before the canary %s was Compliant at %s",
				m.name, placed[m.name].Format(time.StampMilli), canary, compliant[canary].Format(time.StampMilli))
		}
	}
	for _, m := range fleetMembers {
		cm := readHello(ctx, t, filepath.Join(o.stateDir, m.name, "kubeconfig"))
		if cm.Data["cluster"] != m.name || cm.Data["ring"] != m.labels["ring"] || cm.Data["message"] != "hello from v1" {
			t.Errorf("%s: ConfigMap %s/hello data %v, want its own name, ring %s and v1's message", m.name, fleetNamespace, cm.Data, m.labels["ring"])
		}
	}

	cancel()
	stopped = true
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("devenv fleet ended with %v", err)
		}
	case <-time.After(90 * time.Second):
		t.Fatal("devenv fleet did not stop within 90 s of its context ending")
	}
	if left := processesMentioning(o.stateDir); len(left) > 0 {
		t.Errorf("processes left running after devenv fleet stopped: %v", left)
	}
}

func ptr[T any](v T) *T { return &v }

// waitReady waits for the ready file runFleet writes once every agent polls.
func waitReady(t *testing.T, stateDir string, done chan error) string {
	t.Helper()
	deadline := time.Now().Add(4 * time.Minute)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(filepath.Join(stateDir, readyName)); err == nil {
			return strings.TrimSpace(string(data))
		}
		select {
		case err := <-done:
			done <- err // for the test's deferred stop, which waits for it too
			t.Fatalf("devenv fleet ended before it was ready: %v", err)
		case <-time.After(250 * time.Millisecond):
		}
	}
	t.Fatal("devenv fleet was not ready within 4 minutes")
	return ""
}

// fleetClient is a management client from the CLI config the ready file names, and the
// fleet repository's URL from the printed summary.
func fleetClient(t *testing.T, stateDir, ready string) (*client.Client, string) {
	t.Helper()
	cfgPath, ok := strings.CutPrefix(ready, "FLUXCONFIG_CONFIG=")
	if !ok {
		t.Fatalf("ready file %q does not name FLUXCONFIG_CONFIG", ready)
	}
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{}
	for _, line := range strings.Split(string(cfg), "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			fields[k] = v
		}
	}
	c, err := client.New(client.Options{Endpoint: fields["endpoint"], TokenFile: fields["token-file"]})
	if err != nil {
		t.Fatal(err)
	}
	summary, err := os.ReadFile(filepath.Join(stateDir, summaryName))
	if err != nil {
		t.Fatal(err)
	}
	gitURL := regexp.MustCompile(`http://\S+/` + fleetRepo + `\.git`).FindString(string(summary))
	if gitURL == "" {
		t.Fatalf("the summary names no fleet repository:\n%s", summary)
	}
	return c, gitURL
}

// watchFleet polls the fleet status until every member is Compliant on revision 1 and
// returns when each was first seen holding a copy and first seen Compliant.
func watchFleet(ctx context.Context, t *testing.T, c *client.Client, name string, done <-chan error) (placed, compliant map[string]time.Time) {
	t.Helper()
	placed, compliant = map[string]time.Time{}, map[string]time.Time{}
	deadline := time.Now().Add(4 * time.Minute)
	var last *dpv1.FleetStatus
	for time.Now().Before(deadline) {
		st, err := c.GetFleetStatus(ctx, name, client.FleetStatusOptions{})
		if err == nil {
			last = st
			now := time.Now()
			for _, cl := range st.Value {
				if _, seen := placed[cl.Cluster]; !seen {
					placed[cl.Cluster] = now
				}
				if _, seen := compliant[cl.Cluster]; !seen && cl.State == "Compliant" && cl.FleetRevision == 1 &&
					strings.HasPrefix(cl.Commit, "v1@") {
					compliant[cl.Cluster] = now
				}
			}
			if len(compliant) == len(fleetMembers) {
				return placed, compliant
			}
		}
		select {
		case err := <-done:
			t.Fatalf("devenv fleet ended during the rollout: %v", err)
		case <-time.After(250 * time.Millisecond):
		}
	}
	t.Fatalf("not every cluster Compliant on revision 1 within 4 minutes; last status: %+v", last)
	return nil, nil
}

func readHello(ctx context.Context, t *testing.T, kubeconfig string) *corev1.ConfigMap {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ctrlclient.New(cfg, ctrlclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{}
	if err := c.Get(ctx, types.NamespacedName{Namespace: fleetNamespace, Name: "hello"}, cm); err != nil {
		t.Fatalf("%s: %v", kubeconfig, err)
	}
	return cm
}

// processesMentioning lists the processes whose command line or environment names dir:
// every process devenv fleet starts (by its KUBECONFIG, a path or flag) but etcd and
// kube-apiserver, which envtest stops itself.
func processesMentioning(dir string) []string {
	var out []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if e.Name() == "self" || e.Name() == "thread-self" || e.Name() == strconv.Itoa(os.Getpid()) {
			continue
		}
		cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		environ, _ := os.ReadFile("/proc/" + e.Name() + "/environ")
		if strings.Contains(string(cmdline), dir) || strings.Contains(string(environ), dir) {
			out = append(out, e.Name()+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return out
}
