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
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// endpointProc is the real fluxconfig-endpoint binary, run as its own process so its CPU
// time and memory are its own.
type endpointProc struct {
	*testutil.Process
	base string
}

// endpoints are the endpoint processes of a run: one on a bbolt file, or replicas sharing a
// throwaway PostgreSQL.
type endpoints struct {
	procs []*endpointProc
	pg    *testutil.Postgres
}

// startEndpoints starts o.replicas endpoints on 127.0.0.1 with the store o.store in dir.
func startEndpoints(ctx context.Context, o *options, dir string) (*endpoints, error) {
	tokens, err := testutil.WriteTokenDir(dir, adminToken, nil)
	if err != nil {
		return nil, err
	}
	eps := &endpoints{}
	store := []string{"--data=" + filepath.Join(dir, "store.db")}
	if o.store == storePostgres {
		if eps.pg, err = testutil.StartPostgres(); err != nil {
			return nil, err
		}
		url, err := eps.pg.NewDatabase(ctx)
		if err != nil {
			eps.stop()
			return nil, err
		}
		// A throwaway server trusting 127.0.0.1: the URL holds no password.
		store = []string{"--database-url=" + url}
	}
	for i := range o.replicas {
		addr, err := testutil.FreeAddr()
		if err != nil {
			eps.stop()
			return nil, err
		}
		args := append(tokens.EndpointFlags(), "--listen="+addr, "--max-connections="+strconv.Itoa(o.maxConnections()),
			"--sweep-interval="+o.sweep.String(), "--agent-poll-interval="+o.interval.String())
		log := "endpoint.log"
		if o.replicas > 1 {
			log = fmt.Sprintf("endpoint-%d.log", i)
		}
		p, err := testutil.StartProcess(filepath.Join(o.binDir, "fluxconfig-endpoint"),
			testutil.ProcessOptions{LogPath: filepath.Join(o.out, log)}, append(args, store...)...)
		if err != nil {
			eps.stop()
			return nil, err
		}
		ep := &endpointProc{Process: p, base: "http://" + addr}
		eps.procs = append(eps.procs, ep)
		if err := testutil.WaitHTTP(ctx, ep.base+"/healthz", 30*time.Second); err != nil {
			eps.stop()
			return nil, err
		}
	}
	return eps, nil
}

// stop stops the endpoints, then PostgreSQL.
func (e *endpoints) stop() {
	for _, p := range e.procs {
		_ = p.Stop(10 * time.Second)
	}
	if e.pg != nil {
		e.pg.Stop()
	}
}

// base is the URL of the endpoint that serves agent i; agents are spread over the replicas.
func (e *endpoints) base(i int) string { return e.procs[i%len(e.procs)].base }

// cpu is the CPU time of every endpoint process so far (PostgreSQL's not included).
func (e *endpoints) cpu() time.Duration {
	var sum time.Duration
	for _, p := range e.procs {
		sum += p.cpu()
	}
	return sum
}

// memory is the largest peak and the largest current resident set size of the endpoint
// processes: what each replica needs.
func (e *endpoints) memory() (peak, current int64) {
	for _, p := range e.procs {
		pk, cur := p.memory()
		peak, current = max(peak, pk), max(current, cur)
	}
	return peak, current
}

// clockTicks is USER_HZ, which Linux fixes at 100 for /proc/<pid>/stat.
const clockTicks = 100

// cpu is the process's user and system CPU time so far.
func (e *endpointProc) cpu() time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", e.Cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces; the fields after its closing parenthesis do not.
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// memory reads the peak and current resident set size, in bytes.
func (e *endpointProc) memory() (peak, current int64) {
	return testutil.ProcessMemory(e.Cmd.Process.Pid)
}

// raiseFileLimit lifts the limit on open files towards want, the hard limit too when
// allowed: every agent keeps a connection open, and one more while it reports, and the
// endpoint, started after, inherits the limit. It returns the limit reached.
func raiseFileLimit(want int) (int, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Max < uint64(want) {
		raised := syscall.Rlimit{Cur: uint64(want), Max: uint64(want)}
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
			lim = raised
		}
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	return int(min(lim.Cur, 1<<30)), nil
}
