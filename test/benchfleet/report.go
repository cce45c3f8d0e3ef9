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
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

type result struct {
	Machine      string        `json:"machine"`
	Clusters     int           `json:"clusters"`
	Interval     time.Duration `json:"intervalNs"`
	LongPoll     bool          `json:"longPoll"`
	Soak         time.Duration `json:"soakNs"`
	Store        string        `json:"store"`
	Replicas     int           `json:"replicas"`
	Register     phase         `json:"register"`
	First        *changeResult `json:"firstRevision"`
	Rollout      *changeResult `json:"rollout"`
	Steady       phase         `json:"steady"`
	SteadyRSS    int64         `json:"steadyRSSBytes"`
	PeakRSS      int64         `json:"peakRSSBytes"`
	Status       dist          `json:"fleetStatusQuery"`
	StatusErrors int           `json:"fleetStatusErrors"`
	// StatusOwnProcess is the same query timed from a process of its own (statusprobe.go).
	StatusOwnProcess       dist    `json:"fleetStatusQueryOwnProcess"`
	StatusOwnProcessErrors int     `json:"fleetStatusOwnProcessErrors"`
	Plain200               dist    `json:"agentsUnheldChangedPoll"`
	Probe                  dist    `json:"changedPollProbe"`
	ProbeErrors            int     `json:"changedPollProbeErrors"`
	AgentErrors            int     `json:"agentErrors"`
	Seconds                float64 `json:"totalSeconds"`
}

// changeResult is one revision's way to every cluster.
type changeResult struct {
	PutSeconds float64 `json:"putSeconds"`
	// AllReportedSeconds runs from the PUT to the last agent's Compliant report.
	AllReportedSeconds float64 `json:"allReportedSeconds"`
	// StatusAllSeconds runs from the PUT to the first fleet status showing all Compliant.
	StatusAllSeconds float64 `json:"statusAllCompliantSeconds"`
	// CompletedSeconds runs from the PUT to the rollout's phase Completed.
	CompletedSeconds float64 `json:"completedSeconds,omitempty"`
	Delivery         dist    `json:"delivery"`
	Reports          dist    `json:"statusReports"`
	Phase            phase   `json:"phase"`
	WatchErrors      int     `json:"watchErrors,omitempty"`
	// Unfinished says how far the change got when the wait for it ended.
	Unfinished string `json:"unfinished,omitempty"`
	// Redelivered counts new operations at the same commit for a cluster that had it.
	Redelivered int `json:"redelivered"`
}

type phase struct {
	Seconds             float64 `json:"seconds"`
	CPUSecondsPerMinute float64 `json:"endpointCPUSecondsPerMinute"`
	PollsPerSecond      float64 `json:"pollsPerSecond"`
}

// dist is a latency distribution, in milliseconds.
type dist struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50ms"`
	P90 float64 `json:"p90ms"`
	P99 float64 `json:"p99ms"`
	Max float64 `json:"maxMs"`
}

func summarize(lat []time.Duration) dist {
	if len(lat) == 0 {
		return dist{}
	}
	slices.Sort(lat)
	at := func(q int) float64 { return ms(lat[min(len(lat)-1, len(lat)*q/100)]) }
	return dist{N: len(lat), P50: at(50), P90: at(90), P99: at(99), Max: ms(lat[len(lat)-1])}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func describeMachine() string {
	load, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(load))
	if len(f) == 0 {
		f = []string{"?"}
	}
	return fmt.Sprintf("%d CPUs, %s, load average %s at the end", runtime.NumCPU(), runtime.Version(), f[0])
}

const mib = 1 << 20

func (r *result) markdown(w io.Writer) {
	mode := "long-poll"
	if !r.LongPoll {
		mode = "periodic polls"
	}
	store := "bbolt store, endpoint on 127.0.0.1"
	if r.Store == storePostgres {
		store = fmt.Sprintf("PostgreSQL store (its own CPU not counted), %d endpoint replicas on 127.0.0.1 with the agents spread over them (CPU summed, RSS of the largest)", r.Replicas)
	}
	fmt.Fprintf(w, "\nFleet: %d clusters, one simulated agent each (%s, %s interval), %s; %s; %.0fs in all.\n",
		r.Clusters, mode, r.Interval, store, r.Machine, r.Seconds)
	fmt.Fprintf(w, "Registering the clusters: %.1f s. Agent request errors: %d; fleet status errors: %d.\n\n",
		r.Register.Seconds, r.AgentErrors, r.StatusErrors)
	fmt.Fprintln(w, "| Change | PUT | All reported Compliant | Fleet status all Compliant | Rollout Completed | Delivery after wave opened p50 / p90 / p99 / max | Re-delivered | Status report p50 / p99 (acknowledged) | Endpoint CPU | Polls/s |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	for _, c := range []struct {
		name string
		r    *changeResult
	}{{"revision 1, one wave", r.First}, {fmt.Sprintf("revision 2, 4 waves, %s soak", r.Soak), r.Rollout}} {
		completed := "-"
		if c.r.CompletedSeconds > 0 {
			completed = fmt.Sprintf("%.1f s", c.r.CompletedSeconds)
		} else if c.r.Unfinished != "" && c.r == r.Rollout {
			completed = "not reached"
		}
		d := c.r.Delivery
		fmt.Fprintf(w, "| %s | %.2f s | **%s** | %s | %s | %s / %s / **%s** / %s | %d | %.0f / %.0f ms | %.1f s/min | %.0f |\n",
			c.name, c.r.PutSeconds, orNot(c.r.AllReportedSeconds), orNot(c.r.StatusAllSeconds), completed,
			sec(d.P50), sec(d.P90), sec(d.P99), sec(d.Max), c.r.Redelivered, c.r.Reports.P50, c.r.Reports.P99, c.r.Phase.CPUSecondsPerMinute, c.r.Phase.PollsPerSecond)
	}
	fmt.Fprintf(w, "| steady state, %.0f s | | | | | | | | %.1f s/min | %.0f |\n\n", r.Steady.Seconds, r.Steady.CPUSecondsPerMinute, r.Steady.PollsPerSecond)
	for _, c := range []*changeResult{r.First, r.Rollout} {
		if c.Unfinished != "" {
			fmt.Fprintf(w, "Unfinished: %s. The rows after it ran while it went on.\n\n", c.Unfinished)
		}
	}
	fmt.Fprintln(w, "| Endpoint | Value |")
	fmt.Fprintln(w, "|---|---|")
	fmt.Fprintf(w, "| RSS steady / peak | %.0f MiB / %.0f MiB |\n", float64(r.SteadyRSS)/mib, float64(r.PeakRSS)/mib)
	fmt.Fprintf(w, "| Fleet status query (one page) from its own process, %d timed, %d failed: p50 / p99 / max | %.1f / **%.1f** / %.1f ms |\n",
		r.StatusOwnProcess.N, r.StatusOwnProcessErrors, r.StatusOwnProcess.P50, r.StatusOwnProcess.P99, r.StatusOwnProcess.Max)
	fmt.Fprintf(w, "| Fleet status query (one page) from the simulator's process, %d timed: p50 / p99 / max | %.1f / %.1f / %.1f ms |\n", r.Status.N, r.Status.P50, r.Status.P99, r.Status.Max)
	fmt.Fprintf(w, "| Changed (200) poll, ETag-less probe under the fleet's load, %d answered, %d failed: p50 / p99 / max | %.1f / **%.1f** / %.1f ms |\n", r.Probe.N, r.ProbeErrors, r.Probe.P50, r.Probe.P99, r.Probe.Max)
	fmt.Fprintf(w, "| Changed (200) poll, agents' polls not held (first polls%s), %d: p50 / p99 | %.1f / %.1f ms |\n",
		map[bool]string{true: "", false: " and periodic polls"}[r.LongPoll], r.Plain200.N, r.Plain200.P50, r.Plain200.P99)
	fmt.Fprintln(w, "\nDelivery is an agent's receipt of the new operation, measured from the start of the last GET of the fleet (every 100 ms) that still showed its wave closed (for one wave, from the PUT): at most one watch interval above the true latency. Rollout Completed includes the last wave's soak. Re-delivered counts new operations at the commit a cluster had already received.")
	fmt.Fprintln(w, "\nGoals (long-poll, bbolt, 2 cores shared with the simulator):")
	cores := max(r.Steady.CPUSecondsPerMinute, r.First.Phase.CPUSecondsPerMinute, r.Rollout.Phase.CPUSecondsPerMinute) / 60
	for _, g := range []struct {
		text string
		ok   bool
	}{
		{fmt.Sprintf("delivery p99 under 3 s after a wave opens: %s", sec(max(r.First.Delivery.P99, r.Rollout.Delivery.P99))), max(r.First.Delivery.P99, r.Rollout.Delivery.P99) < 3000 && r.Rollout.Unfinished == ""},
		{"a single-wave change fully reported in under 60 s: " + orNot(r.First.AllReportedSeconds), r.First.AllReportedSeconds > 0 && r.First.AllReportedSeconds < 60},
		{fmt.Sprintf("endpoint under 1 core in steady state: %.2f cores (busiest phase %.2f)", r.Steady.CPUSecondsPerMinute/60, cores), r.Steady.CPUSecondsPerMinute < 60},
		{fmt.Sprintf("endpoint under 1 GiB RSS: peak %.0f MiB", float64(r.PeakRSS)/mib), r.PeakRSS < 1<<30},
		{fmt.Sprintf("fleet status p99 under 50 ms, asked from a process of its own: %.1f ms (%.1f ms from inside the simulator)", r.StatusOwnProcess.P99, r.Status.P99),
			r.StatusOwnProcess.N > 0 && r.StatusOwnProcessErrors == 0 && r.StatusOwnProcess.P99 < 50},
		{fmt.Sprintf("changed (200) poll p99 under 50 ms: %.1f ms", r.Probe.P99), r.Probe.N > 0 && r.ProbeErrors == 0 && r.Probe.P99 < 50},
	} {
		mark := "missed"
		if g.ok {
			mark = "held"
		}
		fmt.Fprintf(w, "- %s: %s\n", mark, g.text)
	}
}

// orNot prints seconds, or "not reached" for the zero of a time never reached.
func orNot(seconds float64) string {
	if seconds <= 0 {
		return "not reached"
	}
	return fmt.Sprintf("%.1f s", seconds)
}

func sec(msec float64) string { return fmt.Sprintf("%.2f s", msec/1000) }
