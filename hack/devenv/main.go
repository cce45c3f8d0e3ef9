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

// Command devenv is what `make run` and `make dev-up` start: a local control plane (etcd and
// kube-apiserver) with the FluxConfig and Flux CRDs, the fluxconfig binaries running against
// it, and the samples applied. It writes an admin kubeconfig and stops everything on SIGINT
// or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

type options struct {
	stateDir   string
	controller string
	samples    string
	// endpoint and agent, when both set, run next to the controller and the samples go
	// through the endpoint's management API instead of being applied directly.
	endpoint string
	agent    string
}

func main() {
	var o options
	flag.StringVar(&o.stateDir, "state-dir", ".dev", "Directory for the kubeconfig, logs and the ready marker.")
	flag.StringVar(&o.controller, "controller", "bin/fluxconfig-controller", "Path of the fluxconfig-controller binary.")
	flag.StringVar(&o.samples, "samples", "config/samples", "Directory of manifests applied once the controller runs.")
	flag.StringVar(&o.endpoint, "endpoint", "", "Path of the fluxconfig-endpoint binary; with --agent, the samples are created through it.")
	flag.StringVar(&o.agent, "agent", "", "Path of the fluxconfig-agent binary.")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "devenv:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if err := os.MkdirAll(o.stateDir, 0o755); err != nil {
		return err
	}
	ready := filepath.Join(o.stateDir, "ready")
	_ = os.Remove(ready)

	fmt.Println("Starting etcd and kube-apiserver")
	env, err := testenv.Start()
	if err != nil {
		return err
	}
	defer func() {
		fmt.Println("Stopping etcd and kube-apiserver")
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "devenv: stopping the control plane:", err)
		}
	}()

	kubeconfig, err := writeKubeconfig(env, o.stateDir)
	if err != nil {
		return err
	}
	controller, err := startProcess(o.controller, kubeconfig, filepath.Join(o.stateDir, "controller.log"),
		"--metrics-bind-address=0", "--health-probe-bind-address=127.0.0.1:0")
	if err != nil {
		return err
	}
	defer stopProcess(controller)

	up, err := createSamples(ctx, env, o, kubeconfig)
	if err != nil {
		return err
	}
	if up != nil {
		defer up.stop()
	}
	if err := os.WriteFile(ready, []byte(kubeconfig+"\n"), 0o644); err != nil {
		return err
	}
	defer os.Remove(ready)

	fmt.Printf("\nThe local control plane is up. In another shell:\n\n  export KUBECONFIG=%s\n  kubectl get fluxconfigs -A\n\n"+
		"Controller log: %s. Press Ctrl-C to stop everything.\n", kubeconfig, filepath.Join(o.stateDir, "controller.log"))
	if up != nil {
		fmt.Printf("\n%s\nEndpoint and agent logs: %s, %s.\n", up.curlHelp(),
			filepath.Join(o.stateDir, "endpoint.log"), filepath.Join(o.stateDir, "agent.log"))
		return waitUpstream(ctx, controller, up, o.stateDir)
	}

	select {
	case <-ctx.Done():
		fmt.Println("\nShutting down")
		return nil
	case <-controller.done:
		return fmt.Errorf("fluxconfig-controller exited (%v); see %s", controller.err, filepath.Join(o.stateDir, "controller.log"))
	}
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

// process is a child started by devenv; done closes once it has exited.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// startProcess runs bin against the control plane in its own process group, so a Ctrl-C
// reaches only devenv, which then stops it in order; it also dies with devenv.
func startProcess(bin, kubeconfig, logPath string, args ...string) (*process, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	return p, nil
}

// stopProcess asks the process to stop and kills it after ten seconds.
func stopProcess(p *process) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func applySamples(ctx context.Context, env *testenv.Environment, dir string) error {
	objs, err := testenv.LoadManifests(dir)
	if err != nil {
		return err
	}
	if len(objs) == 0 {
		return errors.New("no samples found in " + dir)
	}
	c, err := client.New(env.Config, client.Options{Scheme: scheme.New()})
	if err != nil {
		return err
	}
	fmt.Printf("Applying %d sample objects from %s\n", len(objs), dir)
	return testenv.ApplyManifests(ctx, c, "fluxconfig-devenv", objs)
}

// waitUpstream waits for Ctrl-C or for any of the three processes to exit.
func waitUpstream(ctx context.Context, controller *process, up *upstream, stateDir string) error {
	select {
	case <-ctx.Done():
		fmt.Println("\nShutting down")
		return nil
	case <-controller.done:
		return fmt.Errorf("fluxconfig-controller exited (%v); see %s", controller.err, filepath.Join(stateDir, "controller.log"))
	case <-up.endpoint.done:
		return fmt.Errorf("fluxconfig-endpoint exited (%v); see %s", up.endpoint.err, filepath.Join(stateDir, "endpoint.log"))
	case <-up.agent.done:
		return fmt.Errorf("fluxconfig-agent exited (%v); see %s", up.agent.err, filepath.Join(stateDir, "agent.log"))
	}
}

// createSamples applies the samples, or with an endpoint and an agent starts both and
// creates the samples through the endpoint's management API.
func createSamples(ctx context.Context, env *testenv.Environment, o options, kubeconfig string) (*upstream, error) {
	if o.endpoint == "" || o.agent == "" {
		return nil, applySamples(ctx, env, o.samples)
	}
	up, err := startUpstream(o, kubeconfig)
	if err != nil {
		return nil, err
	}
	if err := up.putSamples(o.samples); err != nil {
		up.stop()
		return nil, err
	}
	return up, nil
}
