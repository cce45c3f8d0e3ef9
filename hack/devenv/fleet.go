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
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

// fleetMember is one cluster `devenv fleet` starts and registers, with its registry labels.
type fleetMember struct {
	name   string
	labels map[string]string
}

// fleetMembers: one canary and two main clusters in two regions, so a wave can pick the
// canary by label and the walkthrough's selectors have something to tell apart.
var fleetMembers = []fleetMember{
	{"eu-1", map[string]string{"ring": "canary", "region": "eu"}},
	{"eu-2", map[string]string{"ring": "main", "region": "eu"}},
	{"us-1", map[string]string{"ring": "main", "region": "us"}},
}

// runFleet is `devenv fleet`: one endpoint, a git server holding the fleet repository, and
// for each member its own control plane, source- and kustomize-controller,
// fluxconfig-controller and an agent registered through the cluster registry. It prints
// the fleet commands to try once every agent polls, and stops everything on ctx's end.
func runFleet(ctx context.Context, o options) error {
	start := time.Now()
	if o.endpoint == "" || o.agent == "" || o.flux.source == "" || o.flux.kustomize == "" {
		return errors.New("devenv fleet needs --endpoint, --agent, --source-controller and --kustomize-controller")
	}
	running, end, err := claimRun(o.stateDir, "fleet-down")
	if err != nil {
		return err
	}
	defer end()

	git, err := startFleetGit(o.stateDir)
	if err != nil {
		return err
	}
	running.push(git.close)
	// Soaks and deadlines resolve at the sweep when no report comes; a minute is long here.
	o.endpointArgs = append(o.endpointArgs, "--sweep-interval=5s")
	up, err := startEndpoint(o, "", fleetMembers[0].name)
	if err != nil {
		return err
	}
	running.push(func() { stopProcess(up.endpoint) })
	fmt.Printf("Endpoint: %s (store %s)\n", up.url, filepath.Join(up.dir, "store.db"))

	clusters, err := startFleetClusters(o)
	running.push(func() { stopClusters(clusters) })
	if err != nil {
		return err
	}
	fmt.Printf("%d control planes and their controllers started after %.0f s\n", len(clusters), time.Since(start).Seconds())
	if ctx.Err() != nil {
		return nil
	}
	var procs []*process
	for i, m := range fleetMembers {
		cl := clusters[i]
		procs = append(procs, cl.procs...)
		tokenFile := filepath.Join(cl.dir, "agent-token")
		if err := registerCluster(ctx, up, m, tokenFile); err != nil {
			return err
		}
		agent, err := up.startAgent(o.agent, m.name, cl.kubeconfig, tokenFile, filepath.Join(cl.dir, "agent.log"))
		if err != nil {
			return err
		}
		agent.name += " of " + m.name
		cl.running.push(func() { stopProcess(agent) })
		procs = append(procs, agent)
	}
	procs = append(procs, up.endpoint)
	failed := firstExit(procs)
	if err := waitConnected(ctx, up, start, failed); err != nil || ctx.Err() != nil {
		return err
	}

	summary := fleetHelp(o.stateDir, up, git, clusters)
	fmt.Print(summary)
	if err := os.WriteFile(filepath.Join(o.stateDir, summaryName), []byte(summary), 0o644); err != nil {
		return err
	}
	return serveReady(ctx, o.stateDir, "FLUXCONFIG_CONFIG="+up.cliConfig, failed)
}

// startFleetClusters starts every member's control plane and controllers side by side,
// each in its own directory of the state directory. It returns every cluster it began, also
// on error, so the caller stops them.
func startFleetClusters(o options) ([]*cluster, error) {
	flux := fluxBins{source: o.flux.source, kustomize: o.flux.kustomize}
	clusters := make([]*cluster, len(fleetMembers))
	errs := make([]error, len(fleetMembers))
	var wg sync.WaitGroup
	for i, m := range fleetMembers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dir, err := filepath.Abs(filepath.Join(o.stateDir, m.name))
			if err != nil {
				errs[i] = err
				return
			}
			fmt.Printf("Starting etcd and kube-apiserver of %s\n", m.name)
			cl, err := startControlPlane(m.name, dir)
			clusters[i] = cl
			if err == nil {
				err = cl.startControllers(o.controller, flux)
			}
			if err != nil {
				errs[i] = fmt.Errorf("cluster %s: %w", m.name, err)
			}
		}()
	}
	wg.Wait()
	return clusters, errors.Join(errs...)
}

// stopClusters stops the clusters side by side: each waits on its own processes.
func stopClusters(clusters []*cluster) {
	var wg sync.WaitGroup
	for _, cl := range clusters {
		if cl == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl.stop()
		}()
	}
	wg.Wait()
}

// registerCluster registers the member with its labels as an operator would, with the
// fluxconfig CLI, which writes the agent token the endpoint shows once into tokenFile.
func registerCluster(ctx context.Context, up *upstream, m fleetMember, tokenFile string) error {
	args := []string{"cluster", "register", m.name, "--agent-token-file", tokenFile}
	for _, k := range sortedKeys(m.labels) {
		args = append(args, "--label", k+"="+m.labels[k])
	}
	cmd := exec.CommandContext(ctx, up.cli, args...)
	cmd.Env = append(os.Environ(), "FLUXCONFIG_CONFIG="+up.cliConfig)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("fluxconfig %s: %w: %s", strings.Join(args, " "), err, out)
	}
	fmt.Printf("Registered %s (%s)\n", m.name, labelString(m.labels))
	return nil
}

// waitConnected waits until the registry shows every member's agent connected.
func waitConnected(ctx context.Context, up *upstream, start time.Time, failed <-chan *process) error {
	c, err := client.New(client.Options{Endpoint: up.url, TokenFile: up.adminTokenFile})
	if err != nil {
		return err
	}
	deadline := time.After(3 * time.Minute)
	for {
		list, err := c.ListClusters(ctx, client.ListClustersOptions{})
		connected := 0
		if err == nil {
			for _, cl := range list.Value {
				if cl.Connected {
					connected++
				}
			}
		}
		if connected == len(fleetMembers) {
			fmt.Printf("All %d agents connected %.0f s after start\n", connected, time.Since(start).Seconds())
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case p := <-failed:
			return p.exited()
		case <-deadline:
			return fmt.Errorf("%d of %d agents connected after 3 minutes; see the agent.log of each cluster in %s", connected, len(fleetMembers), filepath.Dir(up.dir))
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func labelString(labels map[string]string) string {
	var pairs []string
	for _, k := range sortedKeys(labels) {
		pairs = append(pairs, k+"="+labels[k])
	}
	return strings.Join(pairs, ",")
}
