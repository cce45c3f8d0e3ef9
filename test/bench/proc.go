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
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// process is one of the project's binaries, run as its own process so its memory is its
// own: peak RSS from /proc, heap and client-go request counters from its metrics endpoint.
type process struct {
	*testutil.Process
	metrics string
	started time.Time
}

// startProcess runs bin with args, plus a metrics address on 127.0.0.1 when withMetrics,
// logging to logPath.
func startProcess(bin, kubeconfig, logPath string, withMetrics bool, args ...string) (*process, error) {
	metricsAddr, err := testutil.FreeAddr()
	if err != nil {
		return nil, err
	}
	if withMetrics {
		args = append(args, "--metrics-bind-address="+metricsAddr)
	}
	started := time.Now()
	p, err := testutil.StartProcess(bin, testutil.ProcessOptions{Kubeconfig: kubeconfig, LogPath: logPath}, args...)
	if err != nil {
		return nil, err
	}
	return &process{Process: p, metrics: "http://" + metricsAddr + "/metrics", started: started}, nil
}

// startManager starts a controller-runtime binary with metrics and returns once they
// answer; a process that never serves them is stopped.
func startManager(bin, kubeconfig, logPath string, args ...string) (*process, error) {
	p, err := startProcess(bin, kubeconfig, logPath, true, args...)
	if err != nil {
		return nil, err
	}
	if err := p.waitMetrics(context.Background()); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// waitMetrics waits until the metrics endpoint answers, which the manager serves once it
// started.
func (p *process) waitMetrics(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := p.scrape(); err == nil {
			return nil
		}
		select {
		case <-p.Done():
			return fmt.Errorf("%s exited; see its log", p.Cmd.Path)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: no metrics within 60s", p.Cmd.Path)
		}
	}
}

// stop sends SIGTERM and kills after ten seconds.
func (p *process) stop() { _ = p.Stop(10 * time.Second) }

// memory reads the peak and current resident set size, in bytes.
func (p *process) memory() (peak, current int64) {
	return testutil.ProcessMemory(p.Cmd.Process.Pid)
}

// metrics are Prometheus samples, keyed by the series as printed ("name{labels}").
type metrics map[string]float64

func (p *process) scrape() (metrics, error) {
	resp, err := http.Get(p.metrics)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("metrics answered %d", resp.StatusCode)
	}
	return parseMetrics(resp.Body)
}

// parseMetrics reads the text exposition format; enough for counters and gauges.
func parseMetrics(r io.Reader) (metrics, error) {
	out := metrics{}
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		line := s.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		out[line[:i]] = v
	}
	return out, s.Err()
}

// sum adds every series of name whose labels contain all of the given label pairs
// (written as `key="value"`).
func (m metrics) sum(name string, labels ...string) float64 {
	total := 0.0
	for series, v := range m {
		if series != name && !strings.HasPrefix(series, name+"{") {
			continue
		}
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(series, l)
		}
		if ok {
			total += v
		}
	}
	return total
}

// requests are client-go's own counts of the requests the process sent, by HTTP method.
// client-go counts in its transport, so this is the wrapping RoundTripper of the process.
func (m metrics) requests() map[string]int {
	out := map[string]int{}
	for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		if n := int(m.sum("rest_client_requests_total", `method="`+method+`"`)); n > 0 {
			out[method] = n
		}
	}
	return out
}

func diff(after, before map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func mutating(m map[string]int) int { return total(m) - m["GET"] }
