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

package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// rolloutFlags are a fleet configuration's staged rollout as flags of fleet create and update.
type rolloutFlags struct {
	fs                     *pflag.FlagSet
	waves                  []string
	maxConcurrent          int
	minCompliant, deadline int64
	maxFailures            string
	none                   bool
}

// rolloutScalars are the flags that tune a rollout's waves.
var rolloutScalars = []string{"max-concurrent", "min-compliant-seconds", "progress-deadline-seconds", "max-failures"}

func (r *rolloutFlags) add(fs *pflag.FlagSet, update bool) {
	r.fs = fs
	fs.StringArrayVar(&r.waves, "wave", nil, "a rollout wave, in order: name=NAME with selector=LABEL-SELECTOR or percent=N (cumulative), "+
		"and approval=true to hold it for 'fleet approve' (repeatable; on update, the waves given replace all)")
	fs.IntVar(&r.maxConcurrent, "max-concurrent", 0, "rollout: clusters of a wave updating at once (0: no bound)")
	fs.Int64Var(&r.minCompliant, "min-compliant-seconds", 0, "rollout: seconds a cluster must stay Compliant to be done")
	fs.Int64Var(&r.deadline, "progress-deadline-seconds", 0, "rollout: seconds after which a cluster not done has failed (0: no deadline)")
	fs.StringVar(&r.maxFailures, "max-failures", "", "rollout: failed clusters that halt it once exceeded, a count (3) or a percent of the placement (10%) (default: the first failure halts)")
	if update {
		fs.BoolVar(&r.none, "no-rollout", false, "remove the rollout: later revisions go to every cluster at once")
	}
}

// given says whether any rollout flag was given.
func (r *rolloutFlags) given() bool {
	for _, name := range append([]string{"wave", "no-rollout"}, rolloutScalars...) {
		if r.fs.Lookup(name) != nil && r.fs.Changed(name) {
			return true
		}
	}
	return false
}

// rollout is cur (nil: none) changed by the flags given: --wave replaces the waves, each
// other flag its field, and --no-rollout removes it.
func (r *rolloutFlags) rollout(cur *dpv1.FleetRollout) (*dpv1.FleetRollout, error) {
	if r.none {
		if r.fs.Changed("wave") || r.scalarGiven() != "" {
			return nil, usageError{errors.New("--no-rollout removes the rollout: give it without --wave and the rollout flags")}
		}
		return nil, nil
	}
	if !r.given() {
		return cur, nil
	}
	out := &dpv1.FleetRollout{}
	if cur != nil {
		c := *cur
		out = &c
	}
	if r.fs.Changed("wave") {
		waves, err := parseWaves(r.waves)
		if err != nil {
			return nil, err
		}
		out.Waves = waves
	}
	if len(out.Waves) == 0 {
		return nil, usageError{fmt.Errorf("--%s: a rollout needs its waves; give them with --wave", r.scalarGiven())}
	}
	for flag, v := range map[string]int64{"max-concurrent": int64(r.maxConcurrent), "min-compliant-seconds": r.minCompliant,
		"progress-deadline-seconds": r.deadline} {
		if r.fs.Changed(flag) && v < 0 {
			return nil, usageError{fmt.Errorf("--%s %d: must not be negative", flag, v)}
		}
	}
	if r.fs.Changed("max-concurrent") {
		out.MaxConcurrent = r.maxConcurrent
	}
	if r.fs.Changed("min-compliant-seconds") {
		out.MinCompliantSeconds = r.minCompliant
	}
	if r.fs.Changed("progress-deadline-seconds") {
		out.ProgressDeadlineSeconds = r.deadline
	}
	if r.fs.Changed("max-failures") {
		mf, err := parseMaxFailures(r.maxFailures)
		if err != nil {
			return nil, err
		}
		out.MaxFailures = mf
	}
	return out, nil
}

// scalarGiven is the first rollout flag other than --wave given, or "".
func (r *rolloutFlags) scalarGiven() string {
	for _, name := range rolloutScalars {
		if r.fs.Changed(name) {
			return name
		}
	}
	return ""
}

// parseMaxFailures reads 3 or 10%.
func parseMaxFailures(v string) (*dpv1.IntOrPercent, error) {
	s, pct := strings.CutSuffix(strings.TrimSpace(v), "%")
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || (pct && n > 100) {
		return nil, usageError{fmt.Errorf("--max-failures %q: give a count such as 3 or a percent from 0%% to 100%% such as 10%%", v)}
	}
	return &dpv1.IntOrPercent{Value: n, Percent: pct}, nil
}

// waveKeys are the keys of --wave.
var waveKeys = map[string]bool{"name": true, "selector": true, "percent": true, "approval": true}

// parseWaves reads --wave values in order.
func parseWaves(specs []string) ([]dpv1.RolloutWave, error) {
	out := make([]dpv1.RolloutWave, 0, len(specs))
	seen := map[string]bool{}
	for _, spec := range specs {
		w, err := parseWave(spec)
		if err != nil {
			return nil, err
		}
		if seen[w.Name] {
			return nil, usageError{fmt.Errorf("--wave %q: wave %s is given twice", spec, w.Name)}
		}
		seen[w.Name] = true
		out = append(out, w)
	}
	return out, nil
}

// parseWave reads name=N,selector=S or name=N,percent=P, with approval=BOOL. A selector may
// hold commas of its own ('tier=prod,region in (eu,us)'): a part that does not start with
// a wave key continues the one before.
func parseWave(spec string) (dpv1.RolloutWave, error) {
	var w dpv1.RolloutWave
	bad := func(format string, args ...any) (dpv1.RolloutWave, error) {
		return w, usageError{fmt.Errorf("--wave %q: %s", spec, fmt.Sprintf(format, args...))}
	}
	values := map[string]string{}
	var order []string
	for _, part := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(part, "=")
		k = strings.TrimSpace(k)
		if ok && waveKeys[k] {
			if _, dup := values[k]; dup {
				return bad("%s is given twice", k)
			}
			values[k] = v
			order = append(order, k)
			continue
		}
		if len(order) == 0 || order[len(order)-1] != "selector" {
			return bad("%q is not KEY=VALUE with a key of name, selector, percent or approval", part)
		}
		values["selector"] += "," + part
	}
	w.Name = strings.TrimSpace(values["name"])
	if w.Name == "" {
		return bad("name=NAME is required")
	}
	sel, hasSel := values["selector"]
	pct, hasPct := values["percent"]
	if hasSel == hasPct {
		return bad("give exactly one of selector=LABEL-SELECTOR and percent=N")
	}
	if hasSel {
		w.ClusterSelector = &dpv1.LabelSelector{}
		if strings.TrimSpace(sel) == "" {
			return bad("selector= is empty; give a label selector such as canary=true")
		}
		if err := addRequirements(w.ClusterSelector, "--wave selector", sel); err != nil {
			return w, err
		}
	}
	if hasPct {
		p, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(pct), "%"))
		if err != nil || p < 1 || p > 100 {
			return bad("percent=%s: give a whole number from 1 to 100", pct)
		}
		w.Percent = &p
	}
	if a, ok := values["approval"]; ok {
		b, err := strconv.ParseBool(strings.TrimSpace(a))
		if err != nil {
			return bad("approval=%s: use true or false", a)
		}
		w.RequireApproval = b
	}
	return w, nil
}
