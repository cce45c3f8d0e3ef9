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
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

type report struct {
	Machine    machine           `json:"machine"`
	QPS        float64           `json:"kubeAPIQPS"`
	Burst      int               `json:"kubeAPIBurst"`
	Concurrent int               `json:"concurrent"`
	Converge   []*convergeResult `json:"converge,omitempty"`
	Agent      *agentResult      `json:"agent,omitempty"`
	Endpoint   *endpointResult   `json:"endpoint,omitempty"`
	Seconds    float64           `json:"totalSeconds"`
	At         string            `json:"at"`
}

type machine struct {
	CPUs   int    `json:"cpus"`
	Memory string `json:"memory"`
	OS     string `json:"os"`
	Go     string `json:"go"`
	// Load is the 1-minute load average when the run ended: other work on the machine
	// shows here.
	Load string `json:"loadAverage"`
}

func describeMachine() machine {
	m := machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), OS: runtime.GOOS}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		s := bufio.NewScanner(f)
		if s.Scan() {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimPrefix(s.Text(), "MemTotal:"), "%d", &kb); err == nil {
				m.Memory = fmt.Sprintf("%.0f GiB", float64(kb)/(1<<20))
			}
		}
		f.Close()
	}
	if data, err := os.ReadFile("/etc/os-release"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
				m.OS = strings.Trim(v, `"`)
			}
		}
	}
	return m
}

func loadAverage() string {
	data, _ := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(data)); len(f) > 0 {
		return f[0]
	}
	return ""
}

// write prints the tables and stores the JSON next to the logs.
func (r *report) write(dir string) error {
	r.Machine.Load = loadAverage()
	r.At = time.Now().UTC().Format(time.RFC3339)
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "results.json")
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return err
	}
	r.markdown(os.Stdout)
	fmt.Printf("\nJSON: %s\n", path)
	return nil
}

func (r *report) markdown(w io.Writer) {
	fmt.Fprintf(w, "\nMachine: %d CPUs, %s, %s, %s; load average %s at the end; %.0fs in all.\n",
		r.Machine.CPUs, r.Machine.Memory, r.Machine.OS, r.Machine.Go, r.Machine.Load, r.Seconds)
	if len(r.Converge) > 0 {
		fmt.Fprintf(w, "\nController: --kube-api-qps %g --kube-api-burst %d --concurrent %d; the floor has the same budget.\n\n", r.QPS, r.Burst, r.Concurrent)
		fmt.Fprintln(w, "| Configs | Foreign Secrets+ConfigMaps | Converge | Floor | Converge/floor | Requests/config (mutating) | Floor requests/config | Peak heap | Peak RSS | Resync: time, reconciles, requests, mutating |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
		for _, c := range r.Converge {
			fmt.Fprintf(w, "| %d | %d + %d | %.1f s | %.1f s | **%.2f** | %.1f (%.1f) | %.1f | %.0f MiB | %.0f MiB | %.1f s, %d, %d, **%d** |\n",
				c.N, c.Foreign, c.Foreign, c.Seconds, c.Floor.Seconds, c.Ratio, c.RequestsPerConfig, c.MutatingPerConfig,
				c.Floor.RequestsPerConfig, c.PeakHeapMiB, c.PeakRSSMiB, c.Steady.Seconds, c.Steady.Reconciles, total(c.Steady.Requests), c.Steady.Mutating)
		}
		for _, c := range r.Converge {
			fmt.Fprintf(w, "\nRequests of the converge of %d (foreign %d): %s; floor: %s.", c.N, c.Foreign, byKey(c.Requests), byKey(c.Floor.Requests))
		}
		fmt.Fprintln(w)
	}
	if a := r.Agent; a != nil {
		fmt.Fprintln(w, "\n| Agent, configs | All FluxConfigs exist | Status push (requests, bytes, time) | No-change poll: endpoint, API writes | One config changed: endpoint, API writes |")
		fmt.Fprintln(w, "|---|---|---|---|---|")
		runs := make([]string, len(a.ExistRuns))
		for i, x := range a.ExistRuns {
			runs[i] = fmt.Sprintf("%.1f", x)
		}
		fmt.Fprintf(w, "| %d | %.1f s (median of %s) | %d, %d B, %.1f s | %s; **%d** | %s; %d |\n", a.N, a.ExistSeconds, strings.Join(runs, ", "),
			a.Push.Requests, a.Push.Bytes, a.Push.Seconds, byKey(a.NoChange.Endpoint), a.NoChange.APIWrites,
			byKey(a.OneChanged.Endpoint), a.OneChanged.APIWrites)
	}
	if e := r.Endpoint; e != nil {
		fmt.Fprintf(w, "\nEndpoint: %d clusters x %d configurations, %d concurrent pollers on 127.0.0.1, peak RSS %.0f MiB.\n\n",
			e.Clusters, e.PerCluster, e.Pollers, e.PeakRSSMiB)
		fmt.Fprintln(w, "| Poll | Requests | Errors | p50 | p99 | Max | Polls/s | Body |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
		for _, p := range []struct {
			name string
			ph   pollPhase
		}{{"changed (200, full set)", e.Changed}, {"no change (304)", e.NoChange}} {
			fmt.Fprintf(w, "| %s | %d | %d | %.1f ms | **%.1f ms** | %.1f ms | %.0f | %d B |\n",
				p.name, p.ph.Requests, p.ph.Errors, p.ph.P50ms, p.ph.P99ms, p.ph.MaxMs, p.ph.PerSecond, p.ph.BodyBytes)
		}
	}
}

// byKey prints a count map in a stable order: "GET 12, PATCH 3".
func byKey(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
