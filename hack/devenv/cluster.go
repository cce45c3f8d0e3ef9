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
	"fmt"
	"os"
	"path/filepath"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

// cluster is one local cluster: its control plane and the controllers that run against it.
// `make run` starts one; `make run-fleet` several, each in a directory of its own.
type cluster struct {
	name string
	// dir holds the cluster's kubeconfig, logs and source-controller storage.
	dir        string
	kubeconfig string
	client     client.Client
	procs      []*process
	running    stack
}

// startControlPlane starts etcd and kube-apiserver with the CRDs and writes an admin
// kubeconfig into dir. What it started is on c.running also on error.
func startControlPlane(name, dir string) (*cluster, error) {
	c := &cluster{name: name, dir: dir}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return c, err
	}
	env, err := testenv.Start()
	if err != nil {
		return c, err
	}
	c.running.push(func() {
		fmt.Printf("Stopping etcd and kube-apiserver%s\n", c.of())
		if err := env.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "devenv: stopping the control plane%s: %v\n", c.of(), err)
		}
	})
	if c.kubeconfig, err = writeKubeconfig(env, dir); err != nil {
		return c, err
	}
	c.client, err = client.New(env.Config, client.Options{Scheme: scheme.New()})
	return c, err
}

// of names the cluster in messages, when it has a name.
func (c *cluster) of() string {
	if c.name == "" {
		return ""
	}
	return " of " + c.name
}

// startControllers starts the Flux controllers given and fluxconfig-controller against the
// cluster, logging into its directory.
func (c *cluster) startControllers(controller string, flux fluxBins) error {
	if flux.set() {
		started, err := startFlux(flux, c.kubeconfig, c.dir)
		for _, p := range started {
			c.running.push(func() { stopProcess(p) })
		}
		c.procs = append(c.procs, started...)
		if err != nil {
			return err
		}
	}
	p, err := startProcess("fluxconfig-controller"+c.of(), controller, c.kubeconfig, filepath.Join(c.dir, "controller.log"), nil,
		"--metrics-bind-address=0", "--health-probe-bind-address=127.0.0.1:0")
	if err != nil {
		return err
	}
	c.running.push(func() { stopProcess(p) })
	c.procs = append(c.procs, p)
	return nil
}

// stop stops what the cluster runs, newest first.
func (c *cluster) stop() { c.running.stopAll() }
