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

// Package chaos is the fault-injection suite (`make test-chaos`, build tag chaos): the
// three binaries, envtest's etcd and kube-apiserver and a TCP proxy of its own between agent
// and endpoint, all on 127.0.0.1, under a churn of configurations and faults drawn from a
// printed seed; then it checks invariants about our objects. The Flux controllers are not
// run: every invariant is about what the endpoint, the agent and the controller keep.
package chaos

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// options come from the environment the Makefile sets (SEED, DURATION, ...).
type options struct {
	seed     uint64
	duration time.Duration
	configs  int
	short    bool
	binDir   string
	outDir   string
	// rate is churn operations per second once the configs are created.
	rate float64
	// rampMax bounds creating the configs, recoverMax one fault's recovery, settleMax the
	// wait for the invariants to hold after the faults stop.
	rampMax, recoverMax, settleMax time.Duration
}

func loadOptions(t *testing.T) options {
	o := options{seed: 1, duration: 10 * time.Minute, configs: 300, rate: 4,
		rampMax: 5 * time.Minute, recoverMax: 3 * time.Minute, settleMax: 3 * time.Minute}
	o.binDir = os.Getenv("FLUXCONFIG_BIN_DIR")
	if o.binDir == "" {
		t.Fatal("FLUXCONFIG_BIN_DIR must name the directory of the built binaries; run `make test-chaos`")
	}
	o.outDir = os.Getenv("CHAOS_DIR")
	if o.outDir == "" {
		o.outDir = filepath.Join(o.binDir, "chaos")
	}
	var err error
	if v := os.Getenv("CHAOS_SHORT"); v != "" && v != "0" {
		o.short, o.duration, o.configs = true, 75*time.Second, 60
		o.rampMax, o.recoverMax, o.settleMax = 90*time.Second, 90*time.Second, 45*time.Second
	}
	if v := os.Getenv("CHAOS_SEED"); v != "" {
		if o.seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("SEED=%q: want a non-negative integer", v)
		}
	}
	if v := os.Getenv("CHAOS_DURATION"); v != "" {
		if o.duration, err = time.ParseDuration(v); err != nil || o.duration <= 0 {
			t.Fatalf("DURATION=%q: want a positive Go duration such as 90s or 10m", v)
		}
	}
	if v := os.Getenv("CHAOS_CONFIGS"); v != "" {
		if o.configs, err = strconv.Atoi(v); err != nil || o.configs < 1 {
			t.Fatalf("CHAOS_CONFIGS=%q: want a positive integer", v)
		}
	}
	return o
}

// bound is the longest the run may take before everything is torn down.
func (o options) bound() time.Duration {
	return 3*time.Minute + o.rampMax + o.duration + o.recoverMax + o.settleMax + 2*time.Minute
}

func TestChaos(t *testing.T) {
	o := loadOptions(t)
	if d, ok := t.Deadline(); ok && time.Until(d) < o.bound()+time.Minute {
		t.Fatalf("go test -timeout leaves %s; this run may take up to %s", time.Until(d).Round(time.Second), o.bound())
	}
	dir := filepath.Join(o.outDir, strconv.FormatUint(o.seed, 10))
	_ = syscall.Unmount(filepath.Join(dir, "store"), syscall.MNT_DETACH) // a run killed before it cleaned up
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	report, err := os.Create(filepath.Join(dir, "report.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer report.Close()
	out := io.MultiWriter(os.Stdout, report)
	fmt.Fprintf(out, "chaos: SEED=%d DURATION=%s CONFIGS=%d; logs in %s\n", o.seed, o.duration, o.configs, dir)
	ctx, cancel := context.WithTimeout(context.Background(), o.bound())
	defer cancel()

	cp, err := startControlPlane(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.stop()
	disk, err := newStoreDisk(filepath.Join(dir, "store"), cp)
	if err != nil {
		t.Fatal(err)
	}
	if disk.unavailable != "" {
		fmt.Fprintf(out, "chaos: no full-disk fault: %s\n", disk.unavailable)
	}

	const clusterName = "chaos"
	tokens, err := testutil.WriteTokenDir(filepath.Join(dir, "tokens"), testutil.NewToken(), map[string]string{clusterName: testutil.NewToken()})
	if err != nil {
		t.Fatal(err)
	}
	addrs := make([]string, 4)
	for i := range addrs {
		if addrs[i], err = testutil.FreeAddr(); err != nil {
			t.Fatal(err)
		}
	}
	endpointAddr, proxyAddr, controllerHealth, agentHealth := addrs[0], addrs[1], addrs[2], addrs[3]
	px, err := startProxy(proxyAddr, endpointAddr, o.seed)
	if err != nil {
		t.Fatal(err)
	}
	defer px.close()

	// The store is never partly restored here, so its lists are whole: --authoritative lets
	// the agent carry out the churn's mass deletions (the full-disk fault removes up to 200
	// configs at once), which its prune limit would otherwise hold back by design.
	endpoint, err := newSupervised(dir, o.binDir, "fluxconfig-endpoint", "", append([]string{"--listen=" + endpointAddr,
		"--data=" + filepath.Join(disk.dir, "store.db"), "--sweep-interval=5s", "--authoritative"}, tokens.EndpointFlags()...)...)
	if err != nil {
		t.Fatal(err)
	}
	controller, err := newSupervised(dir, o.binDir, "fluxconfig-controller", cp.kubeconfig,
		"--metrics-bind-address=0", "--health-probe-bind-address="+controllerHealth)
	if err != nil {
		t.Fatal(err)
	}
	agent, err := newSupervised(dir, o.binDir, "fluxconfig-agent", cp.kubeconfig,
		"--endpoint=http://"+px.addr(), "--cluster-name="+clusterName, "--token-file="+tokens.AgentTokenFile(clusterName),
		"--poll-interval=1s", "--status-interval=1s", "--metrics-bind-address=0", "--health-probe-bind-address="+agentHealth)
	if err != nil {
		t.Fatal(err)
	}
	procs := []*supervised{agent, controller, endpoint}
	defer func() {
		for _, p := range procs {
			p.stop(10 * time.Second)
		}
	}()
	for _, p := range []*supervised{endpoint, controller, agent} {
		if err := p.start(); err != nil {
			t.Fatal(err)
		}
	}
	for url, p := range map[string]*supervised{"http://" + endpointAddr + "/healthz": endpoint,
		"http://" + controllerHealth + "/healthz": controller, "http://" + agentHealth + "/healthz": agent} {
		if err := testutil.WaitHTTP(ctx, url, 3*time.Minute); err != nil {
			t.Fatalf("%s: %v; see %s", p.name, err, filepath.Join(dir, p.name+".log"))
		}
	}

	admin, err := client.New(client.Options{Endpoint: "http://" + endpointAddr, TokenFile: tokens.AdminFile, Timeout: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	agentView, err := client.New(client.Options{Endpoint: "http://" + endpointAddr, TokenFile: tokens.AgentTokenFile(clusterName), Timeout: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ld := newLoad(admin.Cluster(clusterName), o.seed, o.configs)
	keys := newKeyWatch(cp.admin)
	chk := &checker{admin: admin.Cluster(clusterName), agent: agentView.Cluster(clusterName), k8s: cp.admin, logDir: dir,
		needles: newNeedles(ld.secrets), created: ld.everCreated, keys: keys}
	pr := newProbe(admin.Cluster(clusterName), cp.admin)
	upCtx, upCancel := context.WithTimeout(ctx, o.recoverMax)
	up, err := pr.roundTrip(upCtx, time.Now())
	upCancel()
	if err != nil {
		t.Fatalf("a first configuration did not go through: %v; logs in %s", err, dir)
	}
	fmt.Fprintf(out, "chaos: a first configuration went through in %s\n", round(up))

	rampStart := time.Now()
	rampCtx, rampCancel := context.WithTimeout(ctx, o.rampMax)
	ld.run(rampCtx, 8, 0, true)
	rampCancel()
	fmt.Fprintf(out, "chaos: %d configurations created in %s; faults and churn for %s\n", ld.liveCount(), round(time.Since(rampStart)), o.duration)

	var (
		midMu  sync.Mutex
		midRun []violation
		wg     sync.WaitGroup
	)
	faultCtx, stopFaults := context.WithTimeout(ctx, o.duration)
	wg.Add(2)
	go func() { defer wg.Done(); ld.run(faultCtx, 4, o.rate, false) }()
	go func() {
		defer wg.Done()
		keys.watch(faultCtx, 2*time.Second, func(v []violation) { midMu.Lock(); midRun = append(midRun, v...); midMu.Unlock() })
	}()
	inj := &injector{rng: newRand(o.seed, 2), short: o.short, controller: controller, agent: agent, endpoint: endpoint,
		cp: cp, proxy: px, disk: disk, probe: pr, load: ld, recoverMax: o.recoverMax, out: out}
	inj.run(faultCtx)
	stopFaults()
	wg.Wait()

	fmt.Fprintf(out, "chaos: faults stopped; settling (at most %s)\n", o.settleMax)
	settleStart := time.Now()
	for {
		v, err := chk.check(ctx, true)
		if err == nil && len(v) == 0 {
			break
		}
		if time.Since(settleStart) > o.settleMax || sleep(ctx, 2*time.Second) != nil {
			break
		}
	}
	sum := &summary{seed: o.seed, duration: o.duration, configs: o.configs, dir: dir, diskNote: disk.unavailable,
		records: inj.records, settle: time.Since(settleStart), proxyFaulted: px.faulted.Load(), processes: map[string][2]int{}}
	var final []violation
	for attempt := 0; ; attempt++ {
		if final, err = chk.check(ctx, false); err == nil || attempt == 5 {
			break
		}
		_ = sleep(ctx, 2*time.Second)
	}
	if err != nil {
		t.Errorf("checking the invariants: %v", err)
	}
	sum.violations = dedupe(append(append(final, midRun...), recoveryViolations(inj.records)...))
	sum.ops, sum.opErrs = ld.counts()
	for _, p := range procs {
		starts, crashes := p.counts()
		sum.processes[p.name] = [2]int{starts, crashes}
	}

	// The self-check plants violations; nothing may repair them meanwhile.
	agent.stop(10 * time.Second)
	controller.stop(10 * time.Second)
	sum.selfMissed, err = selfCheck(ctx, chk)
	if err != nil {
		sum.selfMissed = append(sum.selfMissed, err.Error())
	}
	sum.write(out)
	if len(sum.violations) > 0 {
		t.Errorf("%d invariant violations; logs in %s", len(sum.violations), dir)
	}
	if len(sum.selfMissed) > 0 {
		t.Errorf("the self-check failed: %v", sum.selfMissed)
	}
}

func dedupe(vs []violation) []violation {
	seen := map[string]bool{}
	var out []violation
	for _, v := range vs {
		if !seen[v.String()] {
			seen[v.String()] = true
			out = append(out, v)
		}
	}
	return out
}
