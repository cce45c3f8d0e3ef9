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
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

// The faults, by the name the report prints.
const (
	faultKillController = "kill-9-controller"
	faultKillAgent      = "kill-9-agent"
	faultKillEndpoint   = "kill-9-endpoint"
	faultAPIServer      = "restart-kube-apiserver"
	// faultAPIServerController restarts both, the controller as soon as kube-apiserver
	// answers /healthz, perhaps before it serves every CRD again: a node reboot.
	faultAPIServerController = "restart-apiserver+controller"
	faultDiskFull            = "endpoint-disk-full"
)

func allFaults(diskOK bool) []string {
	out := []string{faultKillController, faultKillAgent, faultKillEndpoint, faultAPIServer, faultAPIServerController,
		proxyLatency.String(), proxyReset.String(), proxyTruncate.String(), proxy5xx.String()}
	if diskOK {
		out = append(out, faultDiskFull)
	}
	return out
}

// faultRecord is one injected fault and how long the system took to recover from it.
type faultRecord struct {
	kind      string
	start     time.Time
	end       time.Time // when the fault was lifted
	recovery  time.Duration
	recovered bool
	// injectErr is why the fault could not be applied or lifted; probeErr why the probe
	// did not go through within the bound.
	injectErr, probeErr error
}

// injector runs the faults one after another, each at a random moment, and measures the
// time from lifting each fault to a probe operation going through endpoint, agent and
// controller.
type injector struct {
	rng        *rand.Rand
	short      bool
	controller *supervised
	agent      *supervised
	endpoint   *supervised
	cp         *controlPlane
	proxy      *proxy
	disk       *storeDisk
	probe      *probe
	load       *load
	recoverMax time.Duration
	out        io.Writer
	records    []faultRecord
}

// span picks a duration in [lo, hi) from the seed.
func (in *injector) span(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(in.rng.Int64N(int64(hi-lo)))
}

// hold is how long a fault that lasts (proxy, disk) is kept.
func (in *injector) hold() time.Duration {
	if in.short {
		return in.span(2*time.Second, 4*time.Second)
	}
	return in.span(5*time.Second, 20*time.Second)
}

// run injects faults until ctx ends, in rounds: each round is every fault kind once, in a
// seeded random order, so a run long enough for one round covers every kind.
func (in *injector) run(ctx context.Context) {
	kinds := allFaults(in.disk.unavailable == "")
	for ctx.Err() == nil {
		order := append([]string(nil), kinds...)
		in.rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, kind := range order {
			gap := in.span(500*time.Millisecond, 2*time.Second)
			if !in.short {
				gap = in.span(2*time.Second, 10*time.Second)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(gap):
			}
			rec := faultRecord{kind: kind, start: time.Now()}
			rec.injectErr = in.inject(kind)
			rec.end = time.Now()
			fmt.Fprintf(in.out, "chaos: %s fault %-24s lifted after %s", rec.end.UTC().Format("15:04:05"), kind, rec.end.Sub(rec.start).Round(time.Millisecond))
			if rec.injectErr != nil {
				fmt.Fprintf(in.out, " (error: %v)", rec.injectErr)
			}
			// Recovery is measured even after the fault phase ended, within its own bound.
			rctx, cancel := context.WithTimeout(context.Background(), in.recoverMax)
			rec.recovery, rec.probeErr = in.probe.roundTrip(rctx, rec.end)
			cancel()
			rec.recovered = rec.probeErr == nil
			if rec.recovered {
				fmt.Fprintf(in.out, "; recovered in %s\n", rec.recovery.Round(time.Millisecond))
			} else {
				fmt.Fprintf(in.out, "; NOT recovered within %s: %v\n", in.recoverMax, rec.probeErr)
			}
			in.records = append(in.records, rec)
			if ctx.Err() != nil {
				return
			}
		}
	}
}

// inject applies one fault and lifts it again.
func (in *injector) inject(kind string) error {
	downtime := in.span(0, 3*time.Second)
	switch kind {
	case faultKillController:
		return in.killAndRestart(in.controller, downtime)
	case faultKillAgent:
		return in.killAndRestart(in.agent, downtime)
	case faultKillEndpoint:
		return in.killAndRestart(in.endpoint, downtime)
	case faultAPIServer:
		return in.cp.restartAPIServer()
	case faultAPIServerController:
		in.controller.kill()
		err := in.cp.restartAPIServer()
		return errors.Join(err, in.controller.restart())
	case faultDiskFull:
		if err := in.disk.fill(); err != nil {
			_ = in.disk.free()
			return err
		}
		// Creates in batches until the store needs a page the disk cannot give.
		sent, refused, took := 0, 0, []string(nil)
		for batch := 0; batch < 10 && refused == 0; batch++ {
			r, t := in.load.burst(context.Background(), 20)
			sent, refused, took = sent+20, refused+r, append(took, t...)
		}
		time.Sleep(in.hold())
		err := in.disk.free()
		fmt.Fprintf(in.out, "chaos: the endpoint refused %d of %d creates with its disk full\n", refused, sent)
		in.load.remove(context.Background(), took)
		return err
	}
	for _, m := range []proxyMode{proxyLatency, proxyReset, proxyTruncate, proxy5xx} {
		if m.String() == kind {
			in.proxy.set(m, in.span(200*time.Millisecond, 2*time.Second))
			time.Sleep(in.hold())
			in.proxy.set(proxyPass, 0)
			return nil
		}
	}
	return fmt.Errorf("unknown fault %q", kind)
}

func (in *injector) killAndRestart(s *supervised, downtime time.Duration) error {
	s.kill()
	time.Sleep(downtime)
	return s.restart()
}

// newRand is the seeded source of one stream of decisions (load, faults, proxy), so each
// stream is the same for a seed whatever the others draw.
func newRand(seed, stream uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, stream)) }
