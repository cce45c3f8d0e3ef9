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

// Command benchfleet measures the endpoint serving a simulated fleet: the real
// fluxconfig-endpoint binary on 127.0.0.1 with a bbolt store (or replicas of it sharing a
// throwaway PostgreSQL), and one in-process agent per
// cluster speaking its HTTP protocol through the typed client. It rolls one fleet
// configuration out at once and then in four waves, and prints a Markdown table.
// `make bench-fleet` runs it; it asserts nothing.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// The stores the endpoint can run on.
const (
	storeBolt     = "bbolt"
	storePostgres = "postgres"
)

// adminToken is the management API's token of this throwaway endpoint.
const adminToken = "bench-fleet-admin-token-0123456789"

type options struct {
	out, binDir         string
	clusters            int
	interval            time.Duration
	longPoll            bool
	soak                time.Duration
	steady              time.Duration
	sweep               time.Duration
	statusEvery         time.Duration
	startSpread         time.Duration
	timeout             time.Duration
	maxConns            int
	registerConcurrency int
	probe               int
	fileLimit           int
	store               string
	replicas            int
	start               time.Time
}

// maxConnections leaves room for two connections per agent, its held poll and a report
// (at the cap the endpoint stalled reports in a trial run), and for the admin calls.
func (o *options) maxConnections() int {
	if o.maxConns > 0 {
		return o.maxConns
	}
	return min(2*o.clusters+1000, o.fileLimit-1000)
}

func (o *options) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%6.1fs] "+format+"\n", append([]any{time.Since(o.start).Seconds()}, args...)...)
}

func main() {
	if os.Getenv(probeEnv) == "1" {
		if err := runStatusProbe(); err != nil {
			fmt.Fprintln(os.Stderr, "bench-fleet status probe:", err)
			os.Exit(1)
		}
		return
	}
	o := &options{start: time.Now()}
	flag.StringVar(&o.out, "out", "bin/bench", "Directory for the JSON results and the endpoint's log.")
	flag.StringVar(&o.binDir, "bin-dir", "bin/bench", "Directory holding fluxconfig-endpoint.")
	flag.IntVar(&o.clusters, "clusters", 10000, "Registered clusters, each with a simulated agent.")
	flag.DurationVar(&o.interval, "interval", 30*time.Second, "The agents' poll interval, and the longest hold of a long-poll.")
	flag.BoolVar(&o.longPoll, "long-poll", true, "Agents long-poll; false polls every interval.")
	flag.DurationVar(&o.soak, "soak", 10*time.Second, "minCompliantSeconds of the rollout.")
	flag.DurationVar(&o.steady, "steady", time.Minute, "How long the steady state (polls only) is measured.")
	flag.DurationVar(&o.sweep, "sweep-interval", time.Minute, "The endpoint's --sweep-interval (its default); rollouts are stepped every 0.5 s regardless.")
	flag.DurationVar(&o.statusEvery, "status-every", 500*time.Millisecond, "How often the fleet status is queried and timed.")
	flag.DurationVar(&o.startSpread, "start-spread", 10*time.Second, "The agents' first polls are spread over this long.")
	flag.DurationVar(&o.timeout, "timeout", 15*time.Minute, "Longest wait for a revision to be Compliant everywhere.")
	flag.IntVar(&o.maxConns, "max-connections", 0, "The endpoint's --max-connections; 0 is 2*clusters+1000, at most the open-file limit less 1000.")
	flag.IntVar(&o.registerConcurrency, "register-concurrency", 32, "Concurrent registrations.")
	flag.StringVar(&o.store, "store", storeBolt, "The endpoint's store: bbolt (a file), or postgres (a throwaway PostgreSQL server started for the run).")
	flag.IntVar(&o.replicas, "replicas", 1, "Endpoint processes; more than one needs --store postgres, and the agents are spread over them.")
	flag.IntVar(&o.probe, "probe", 2000, "Clusters polled without an ETag to time full (200) answers.")
	flag.Parse()
	if err := o.check(); err != nil {
		fmt.Fprintln(os.Stderr, "bench-fleet:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := o.run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-fleet:", err)
		os.Exit(1)
	}
}

func (o *options) check() error {
	switch {
	case o.clusters < 20:
		return errors.New("--clusters must be at least 20, so every wave has its own clusters")
	case o.interval < 2*time.Second:
		return errors.New("--interval must be at least 2s")
	case o.soak < time.Second || o.soak%time.Second != 0:
		return errors.New("--soak must be a whole number of seconds, at least 1s")
	case o.sweep <= 0 || o.statusEvery <= 0 || o.startSpread < 0 || o.timeout <= 0 || o.steady < 0:
		return errors.New("--sweep-interval, --status-every and --timeout must be positive; --start-spread and --steady not negative")
	case o.store != storeBolt && o.store != storePostgres:
		return fmt.Errorf("--store must be %s or %s, not %q", storeBolt, storePostgres, o.store)
	case o.replicas < 1 || (o.replicas > 1 && o.store != storePostgres):
		return errors.New("--replicas must be at least 1, and above 1 only with --store postgres")
	case o.registerConcurrency <= 0 || o.probe < 0:
		return errors.New("--register-concurrency must be positive and --probe not negative")
	}
	return nil
}

func (o *options) run(ctx context.Context) error {
	if err := testutil.BenchDirs(&o.out, &o.binDir); err != nil {
		return err
	}
	res, err := run(ctx, o)
	if err != nil {
		return err
	}
	res.Seconds = time.Since(o.start).Seconds()
	res.Machine = describeMachine()
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(o.out, "fleet-results.json")
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return err
	}
	res.markdown(os.Stdout)
	fmt.Printf("\nJSON: %s\n", path)
	return nil
}
