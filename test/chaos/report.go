//go:build chaos

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

package chaos

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// recoveryViolations names each fault the system did not recover from within the bound.
func recoveryViolations(records []faultRecord) []violation {
	var out []violation
	for _, r := range records {
		if !r.recovered {
			out = append(out, violation{invRecovered, fmt.Sprintf("%s lifted at %s", r.kind, r.end.UTC().Format("15:04:05")), fmt.Sprint(r.probeErr)})
		}
	}
	return out
}

// percentile returns the p-th percentile (0..1) of sorted durations, nearest rank.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}

// summary is what the suite prints at the end.
type summary struct {
	seed         uint64
	duration     time.Duration
	configs      int
	dir          string
	diskNote     string
	records      []faultRecord
	violations   []violation
	ops, opErrs  map[string]int
	processes    map[string][2]int // name -> starts, crashes
	proxyFaulted int64
	settle       time.Duration
	selfMissed   []string
}

func (s *summary) write(w io.Writer) {
	fmt.Fprintf(w, "\n=== chaos report: SEED=%d DURATION=%s CONFIGS=%d\n", s.seed, s.duration, s.configs)
	fmt.Fprintf(w, "logs: %s\n", s.dir)
	if s.diskNote != "" {
		fmt.Fprintf(w, "note: %s\n", s.diskNote)
	}

	byKind := map[string][]time.Duration{}
	var all []time.Duration
	notRecovered := map[string]int{}
	for _, r := range s.records {
		if r.recovered {
			byKind[r.kind] = append(byKind[r.kind], r.recovery)
			all = append(all, r.recovery)
		} else {
			notRecovered[r.kind]++
		}
	}
	kinds := map[string]int{}
	for _, r := range s.records {
		kinds[r.kind]++
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "\nfaults injected: %d (proxy acted on %d connections/requests)\n", len(s.records), s.proxyFaulted)
	fmt.Fprintf(w, "  %-26s %5s %10s %10s %14s\n", "fault", "count", "p50", "worst", "not recovered")
	for _, k := range names {
		d := byKind[k]
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		fmt.Fprintf(w, "  %-26s %5d %10s %10s %14d\n", k, kinds[k], round(percentile(d, 0.5)), round(percentile(d, 1)), notRecovered[k])
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	fmt.Fprintf(w, "  %-26s %5d %10s %10s\n", "all", len(s.records), round(percentile(all, 0.5)), round(percentile(all, 1)))

	fmt.Fprintf(w, "\nload: ")
	for _, op := range []string{"create", "update", "suspend", "delete"} {
		fmt.Fprintf(w, "%s %d (%d failed)  ", op, s.ops[op], s.opErrs[op])
	}
	fmt.Fprintf(w, "\nprocesses: ")
	procs := make([]string, 0, len(s.processes))
	for name := range s.processes {
		procs = append(procs, name)
	}
	sort.Strings(procs)
	for _, name := range procs {
		c := s.processes[name]
		fmt.Fprintf(w, "%s started %d, exited by itself %d;  ", name, c[0], c[1])
	}
	fmt.Fprintf(w, "\nsettled in %s\n", round(s.settle))

	counts := map[string]int{}
	for _, v := range s.violations {
		counts[v.invariant]++
	}
	fmt.Fprintf(w, "\ninvariant violations: %d\n", len(s.violations))
	for _, inv := range allInvariants {
		fmt.Fprintf(w, "  %-26s %d\n", inv, counts[inv])
	}
	const maxShown = 200
	for i, v := range s.violations {
		if i == maxShown {
			fmt.Fprintf(w, "  … %d more\n", len(s.violations)-maxShown)
			break
		}
		fmt.Fprintf(w, "  VIOLATION %s\n", v)
	}
	if len(s.selfMissed) > 0 {
		fmt.Fprintf(w, "\nself-check FAILED, the checker missed planted violations:\n  %s\n", strings.Join(s.selfMissed, "\n  "))
	} else {
		fmt.Fprintf(w, "\nself-check: every planted violation was found\n")
	}
}

func round(d time.Duration) time.Duration { return d.Round(10 * time.Millisecond) }
