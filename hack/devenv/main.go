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

// Command devenv is what `make run` and `make dev-up` start: a local control plane (etcd and
// kube-apiserver) with the FluxConfig and Flux CRDs; source-, kustomize- and helm-controller;
// the fluxconfig controller, endpoint and agent; and, on 127.0.0.1, a git server (HTTP and
// SSH), an OCI registry, an S3 server and Azurite holding the sample content. It creates the
// samples through the endpoint, prints their compliance once they settle, and stops
// everything on SIGINT or SIGTERM. `devenv change` commits to the sample repository of a
// running devenv and shows the commit arriving. `devenv fleet` (`make run-fleet`) starts
// three such clusters, without helm-controller and samples, registered at one endpoint.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// devenv says what it does in its own words; controller-runtime's envtest, which starts
// the control planes, would otherwise print a warning with a stack trace when a start
// takes longer than 30 s without a logger set.
func init() { ctrllog.SetLogger(logr.Discard()) }

type options struct {
	stateDir   string
	controller string
	samples    string
	content    string
	// endpoint and agent, when both set, run next to the controller and the samples go
	// through the endpoint's management API instead of being applied directly.
	endpoint string
	agent    string
	// endpointArgs are added to the endpoint's arguments.
	endpointArgs []string
	flux         fluxBins
	// azurite is the azurite-blob executable; empty or missing skips the Azure Blob sample.
	azurite string
	settle  time.Duration
}

func main() {
	if err := mainErr(); err != nil {
		fmt.Fprintln(os.Stderr, "devenv:", err)
		os.Exit(1)
	}
}

func mainErr() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	var err error
	sub := ""
	if len(os.Args) > 1 {
		sub = os.Args[1]
	}
	switch sub {
	case "change":
		fs := flag.NewFlagSet("change", flag.ExitOnError)
		stateDir := fs.String("state-dir", ".dev", "State directory of the running devenv.")
		_ = fs.Parse(os.Args[2:])
		err = change(ctx, *stateDir)
	case "fleet":
		err = runFleet(ctx, fleetOptions(os.Args[2:]))
	default:
		var o options
		flag.StringVar(&o.stateDir, "state-dir", ".dev", "Directory for the kubeconfig, logs, servers' data and the lock.")
		o.addControllerFlags(flag.CommandLine)
		flag.StringVar(&o.samples, "samples", "config/samples", "Directory of sample manifests, with ${...} placeholders devenv fills in.")
		flag.StringVar(&o.content, "content", "config/samples/content", "Directory of the content pushed to the local sources.")
		flag.StringVar(&o.endpoint, "endpoint", "", "Path of the fluxconfig-endpoint binary; with --agent, the samples are created through it.")
		flag.StringVar(&o.agent, "agent", "", "Path of the fluxconfig-agent binary.")
		flag.StringVar(&o.flux.helm, "helm-controller", "", "Path of the helm-controller binary.")
		flag.StringVar(&o.azurite, "azurite", "", "Path of azurite-blob; without it the Azure Blob sample is skipped.")
		flag.DurationVar(&o.settle, "settle-timeout", 4*time.Minute, "How long to wait for every sample to become Compliant before printing the table anyway.")
		flag.Parse()
		err = run(ctx, o)
	}
	return err
}

// fleetOptions reads the flags of `devenv fleet`.
func fleetOptions(args []string) options {
	var o options
	fs := flag.NewFlagSet("fleet", flag.ExitOnError)
	fs.StringVar(&o.stateDir, "state-dir", ".dev-fleet", "Directory for the clusters' kubeconfigs, logs, the endpoint's store and the lock.")
	fs.StringVar(&o.endpoint, "endpoint", "bin/fluxconfig-endpoint", "Path of the fluxconfig-endpoint binary; the fluxconfig CLI is taken from its directory.")
	fs.StringVar(&o.agent, "agent", "bin/fluxconfig-agent", "Path of the fluxconfig-agent binary.")
	o.addControllerFlags(fs)
	_ = fs.Parse(args)
	return o
}

// addControllerFlags registers the flags of the controllers both setups run.
func (o *options) addControllerFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.controller, "controller", "bin/fluxconfig-controller", "Path of the fluxconfig-controller binary.")
	fs.StringVar(&o.flux.source, "source-controller", "", "Path of the source-controller binary.")
	fs.StringVar(&o.flux.kustomize, "kustomize-controller", "", "Path of the kustomize-controller binary.")
}
