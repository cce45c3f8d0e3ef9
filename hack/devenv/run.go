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
	"path/filepath"
	"time"

	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

// Files in the state directory that dev.sh reads.
const (
	readyName   = "ready"       // VAR=VALUE for dev.sh to export (KUBECONFIG=...), once ready
	summaryName = "summary.txt" // the compliance table and what to try next
)

// stack stops what run started, newest first.
type stack []func()

func (s *stack) push(f func()) { *s = append(*s, f) }

func (s stack) stopAll() {
	for i := len(s) - 1; i >= 0; i-- {
		s[i]()
	}
}

func run(ctx context.Context, o options) error {
	start := time.Now()
	running, end, err := claimRun(o.stateDir, "")
	if err != nil {
		return err
	}
	defer end()

	fmt.Println("Starting etcd and kube-apiserver")
	cl, err := startControlPlane("", o.stateDir)
	running.push(cl.stop)
	if err != nil {
		return err
	}
	kubeconfig, c := cl.kubeconfig, cl.client

	src, err := startSources(o)
	running.push(src.stop)
	if err != nil {
		return err
	}
	if err := cl.startControllers(o.controller, o.flux); err != nil {
		return err
	}
	procs := cl.procs
	if err := ctx.Err(); err != nil {
		return nil
	}

	files, err := loadSamples(o.samples, src)
	if err != nil {
		return err
	}
	up, err := startUpstream(o, kubeconfig)
	if err != nil {
		return err
	}
	running.push(up.stop)
	procs = append(procs, up.endpoint, up.agent)
	configs, err := up.putSamples(ctx, files)
	if err != nil {
		return err
	}
	go registerDeployKeys(ctx, c, configs, src.git)
	fmt.Print(watchHelp(o.stateDir, kubeconfig, up))

	failed := firstExit(procs)
	settled, err := settle(ctx, c, configs, start, o.settle, failed)
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		fmt.Println("\nShutting down")
		return nil
	}
	summary := settled + "\nChange the sample repository and watch the commit arrive:\n\n  make dev-change\n\nCtrl-C stops everything.\n"
	fmt.Print(summary)
	if err := os.WriteFile(filepath.Join(o.stateDir, summaryName), []byte(summary), 0o644); err != nil {
		return err
	}
	return serveReady(ctx, o.stateDir, "KUBECONFIG="+kubeconfig, failed)
}

// serveReady writes the ready file with line, for the make targets that wait on it, and
// runs until ctx ends or a process exits; the file goes when it returns.
func serveReady(ctx context.Context, stateDir, line string, failed <-chan *process) error {
	ready := filepath.Join(stateDir, readyName)
	if err := os.WriteFile(ready, []byte(line+"\n"), 0o644); err != nil {
		return err
	}
	defer os.Remove(ready)
	select {
	case <-ctx.Done():
		fmt.Println("\nShutting down")
		return nil
	case p := <-failed:
		return p.exited()
	}
}

// firstExit yields the first of procs to exit.
func firstExit(procs []*process) <-chan *process {
	out := make(chan *process, len(procs))
	for _, p := range procs {
		go func() {
			<-p.done
			out <- p
		}()
	}
	return out
}

func writeKubeconfig(env *testenv.Environment, dir string) (string, error) {
	data, err := env.AdminKubeconfig("admin")
	if err != nil {
		return "", err
	}
	path, err := filepath.Abs(filepath.Join(dir, "kubeconfig"))
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, data, 0o600)
}

// watchHelp is printed while the samples settle.
func watchHelp(stateDir, kubeconfig string, up *upstream) string {
	return fmt.Sprintf("\nIn another shell:\n\n  export KUBECONFIG=%s\n  kubectl get fluxconfigs -A\n\n%s\nLogs are in %s.\n\n",
		kubeconfig, up.cliHelp(), stateDir)
}

var errNoSamples = errors.New("no samples to create")
