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

// Command bench measures fluxconfig against a real control plane (envtest, no Flux
// controllers) and a real endpoint on 127.0.0.1: converge against a bare-client floor, a
// full resync, converge under foreign load, the agent and the endpoint. It prints a Markdown
// table and writes the figures as JSON. `make bench` runs it; it asserts nothing.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

type options struct {
	out, binDir string
	sizes       []int
	foreignN    int
	foreign     int
	agentN      int
	agentRuns   int
	clusters    int
	perCluster  int
	pollers     int
	pollTime    time.Duration
	qps         float64
	burst       int
	concurrent  int
	parts       map[string]bool
	start       time.Time
}

func (o *options) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%6.1fs] "+format+"\n", append([]any{time.Since(o.start).Seconds()}, args...)...)
}

func main() {
	o := &options{start: time.Now()}
	var sizes, parts string
	flag.StringVar(&o.out, "out", "bin/bench", "Directory for the JSON results and the logs of the processes.")
	flag.StringVar(&o.binDir, "bin-dir", "bin/bench", "Directory holding fluxconfig-controller and fluxconfig-agent.")
	flag.StringVar(&sizes, "sizes", "100,1000", "Config counts of the converge runs without foreign load.")
	flag.IntVar(&o.foreignN, "foreign-n", 1000, "Config count of the converge run under foreign load.")
	flag.IntVar(&o.foreign, "foreign", 10000, "Unrelated Secrets, and as many ConfigMaps, of the foreign load.")
	flag.IntVar(&o.agentN, "agent-n", 1000, "Configurations the agent converges.")
	flag.IntVar(&o.agentRuns, "agent-runs", 3, "Fresh clusters the agent creates every FluxConfig in; the median is reported.")
	flag.IntVar(&o.clusters, "clusters", 10000, "Clusters in the endpoint's store.")
	flag.IntVar(&o.perCluster, "configs-per-cluster", 10, "Configurations per cluster in the endpoint's store.")
	flag.IntVar(&o.pollers, "pollers", 200, "Concurrent pollers of the endpoint.")
	flag.DurationVar(&o.pollTime, "poll-time", 15*time.Second, "How long each endpoint phase polls.")
	flag.Float64Var(&o.qps, "qps", 50, "--kube-api-qps of the controller, and of the floor's bare client.")
	flag.IntVar(&o.burst, "burst", 100, "--kube-api-burst of the controller, and of the floor's bare client.")
	flag.IntVar(&o.concurrent, "concurrent", 4, "--concurrent of the controller, and the floor's writers.")
	flag.StringVar(&parts, "parts", "converge,foreign,agent,endpoint", "Parts to run.")
	flag.Parse()
	o.parts = map[string]bool{}
	for _, p := range strings.Split(parts, ",") {
		o.parts[strings.TrimSpace(p)] = true
	}
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "bench: bad size %q\n", s)
			os.Exit(2)
		}
		o.sizes = append(o.sizes, n)
	}
	if o.agentRuns < 1 {
		fmt.Fprintf(os.Stderr, "bench: -agent-runs is %d: it must be at least 1\n", o.agentRuns)
		os.Exit(2)
	}
	// envtest logs through controller-runtime; the figures are what this program prints.
	ctrllog.SetLogger(logr.Discard())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o *options) error {
	err := testutil.BenchDirs(&o.out, &o.binDir)
	if err != nil {
		return err
	}
	rep := &report{Machine: describeMachine(), QPS: o.qps, Burst: o.burst, Concurrent: o.concurrent}
	if o.parts["converge"] {
		for _, n := range o.sizes {
			r, err := runConverge(ctx, o, n, 0)
			if err != nil {
				return fmt.Errorf("converge %d: %w", n, err)
			}
			rep.Converge = append(rep.Converge, r)
		}
	}
	if o.parts["foreign"] {
		r, err := runConverge(ctx, o, o.foreignN, o.foreign)
		if err != nil {
			return fmt.Errorf("converge under foreign load: %w", err)
		}
		rep.Converge = append(rep.Converge, r)
	}
	if o.parts["agent"] {
		if rep.Agent, err = runAgent(ctx, o); err != nil {
			return fmt.Errorf("agent: %w", err)
		}
	}
	if o.parts["endpoint"] {
		if rep.Endpoint, err = runEndpoint(ctx, o); err != nil {
			return fmt.Errorf("endpoint: %w", err)
		}
	}
	rep.Seconds = time.Since(o.start).Seconds()
	return rep.write(o.out)
}
