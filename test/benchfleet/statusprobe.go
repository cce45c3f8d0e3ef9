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
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

// The fleet status is also timed from a process of its own, as a dashboard or the CLI
// asks it: in the simulator's process, a query waits its turn behind 10,000 agents'
// goroutines, which says more of the simulator than of the endpoint. The same binary
// runs as that process when probeEnv is set.
const (
	probeEnv         = "BENCHFLEET_STATUS_PROBE"
	probeEndpointEnv = "BENCHFLEET_STATUS_PROBE_ENDPOINT"
	probeEveryEnv    = "BENCHFLEET_STATUS_PROBE_EVERY"
)

// runStatusProbe is the probe process: it times a status query every interval and writes
// each latency in microseconds, or "error", on a line, until its standard input closes.
func runStatusProbe() error {
	every, err := time.ParseDuration(os.Getenv(probeEveryEnv))
	if err != nil {
		return err
	}
	admin, err := client.New(client.Options{Endpoint: os.Getenv(probeEndpointEnv), Token: adminToken, Timeout: time.Minute})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); cancel() }()
	out := bufio.NewWriter(os.Stdout)
	for sleep(ctx, every) {
		st, took, failed := queryStatus(ctx, admin)
		switch {
		case failed:
			fmt.Fprintln(out, "error")
		case st != nil:
			fmt.Fprintln(out, took.Microseconds())
		}
		if err := out.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// queryStatus times one fleet status query. st is nil when it failed; failed says whether
// that counts as an error, not the run ending or the fleet configuration not there yet.
func queryStatus(ctx context.Context, admin *client.Client) (st *dpv1.FleetStatus, took time.Duration, failed bool) {
	start := time.Now()
	st, err := admin.GetFleetStatus(ctx, fleetName, client.FleetStatusOptions{})
	took = time.Since(start)
	return st, took, err != nil && ctx.Err() == nil && !client.IsNotFound(err)
}

// statusProbe is the probe process seen from the simulator.
type statusProbe struct {
	cmd   *exec.Cmd
	stdin io.Closer
	done  chan struct{}

	mu        sync.Mutex
	latencies []time.Duration
	errs      int
}

// startStatusProbe starts the probe process against endpoint.
func startStatusProbe(endpoint string, every time.Duration) (*statusProbe, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	p := &statusProbe{cmd: exec.Command(self), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), probeEnv+"=1", probeEndpointEnv+"="+endpoint, probeEveryEnv+"="+every.String())
	p.cmd.Stderr = os.Stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		defer close(p.done)
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			us, err := strconv.ParseInt(lines.Text(), 10, 64)
			p.mu.Lock()
			if err != nil {
				p.errs++
			} else {
				p.latencies = append(p.latencies, time.Duration(us)*time.Microsecond)
			}
			p.mu.Unlock()
		}
	}()
	return p, nil
}

// stop ends the probe process and returns what it timed.
func (p *statusProbe) stop() (dist, int, error) {
	_ = p.stdin.Close()
	<-p.done
	err := p.cmd.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	return summarize(p.latencies), p.errs, err
}
