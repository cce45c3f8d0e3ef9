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
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

func pct(n int) *int { return &n }

// TestRolloutFlags: the rollout flags build the strategy, change only what they give on an
// existing one, and name the flag of bad input.
func TestRolloutFlags(t *testing.T) {
	canary := dpv1.RolloutWave{Name: "canary", ClusterSelector: &dpv1.LabelSelector{MatchLabels: map[string]string{"canary": "true"}}}
	cur := &dpv1.FleetRollout{Waves: []dpv1.RolloutWave{canary, {Name: "all", Percent: pct(100)}}, MaxConcurrent: 5,
		MaxFailures: &dpv1.IntOrPercent{Value: 1}}
	for _, c := range []struct {
		name    string
		args    []string
		cur     *dpv1.FleetRollout
		want    *dpv1.FleetRollout
		wantErr string
	}{
		{name: "none given keeps nil", want: nil},
		{name: "none given keeps the current", cur: cur, want: cur},
		{name: "waves in order, every setting",
			args: []string{"--wave", "name=canary,selector=canary=true", "--wave", "name=half,percent=50,approval=true",
				"--wave", "name=all,percent=100%", "--max-concurrent", "10", "--min-compliant-seconds", "600",
				"--progress-deadline-seconds", "1800", "--max-failures", "5%"},
			want: &dpv1.FleetRollout{Waves: []dpv1.RolloutWave{canary, {Name: "half", Percent: pct(50), RequireApproval: true},
				{Name: "all", Percent: pct(100)}}, MaxConcurrent: 10, MinCompliantSeconds: 600, ProgressDeadlineSeconds: 1800,
				MaxFailures: &dpv1.IntOrPercent{Value: 5, Percent: true}}},
		{name: "a selector with commas of its own",
			args: []string{"--wave", "name=eu,selector=tier=prod,region in (eu,us),approval=false"},
			want: &dpv1.FleetRollout{Waves: []dpv1.RolloutWave{{Name: "eu", ClusterSelector: &dpv1.LabelSelector{
				MatchLabels:      map[string]string{"tier": "prod"},
				MatchExpressions: []dpv1.LabelSelectorRequirement{{Key: "region", Operator: dpv1.SelectorOpIn, Values: []string{"eu", "us"}}}}}}}},
		{name: "a setting changes only itself", cur: cur, args: []string{"--max-failures", "3"},
			want: &dpv1.FleetRollout{Waves: cur.Waves, MaxConcurrent: 5, MaxFailures: &dpv1.IntOrPercent{Value: 3}}},
		{name: "waves replace the waves only", cur: cur, args: []string{"--wave", "name=all,percent=100"},
			want: &dpv1.FleetRollout{Waves: []dpv1.RolloutWave{{Name: "all", Percent: pct(100)}}, MaxConcurrent: 5,
				MaxFailures: &dpv1.IntOrPercent{Value: 1}}},
		{name: "no-rollout removes it", cur: cur, args: []string{"--no-rollout"}, want: nil},

		{name: "no name", args: []string{"--wave", "percent=10"}, wantErr: `--wave "percent=10": name=NAME is required`},
		{name: "neither", args: []string{"--wave", "name=a"}, wantErr: "exactly one of selector=LABEL-SELECTOR and percent=N"},
		{name: "both", args: []string{"--wave", "name=a,percent=10,selector=x=y"}, wantErr: "exactly one of"},
		{name: "unknown key", args: []string{"--wave", "name=a,size=3"}, wantErr: `--wave "name=a,size=3": "size=3" is not KEY=VALUE`},
		{name: "key twice", args: []string{"--wave", "name=a,name=b,percent=1"}, wantErr: "name is given twice"},
		{name: "percent zero", args: []string{"--wave", "name=a,percent=0"}, wantErr: "percent=0: give a whole number from 1 to 100"},
		{name: "percent over", args: []string{"--wave", "name=a,percent=101"}, wantErr: "percent=101"},
		{name: "percent not a number", args: []string{"--wave", "name=a,percent=half"}, wantErr: "percent=half"},
		{name: "bad approval", args: []string{"--wave", "name=a,percent=5,approval=maybe"}, wantErr: "approval=maybe: use true or false"},
		{name: "empty selector", args: []string{"--wave", "name=a,selector="}, wantErr: "selector= is empty"},
		{name: "bad selector", args: []string{"--wave", "name=a,selector=region in (eu"}, wantErr: `--wave selector "region in (eu"`},
		{name: "wave twice", args: []string{"--wave", "name=a,percent=5", "--wave", "name=a,percent=9"}, wantErr: "wave a is given twice"},
		{name: "settings without waves", args: []string{"--max-concurrent", "3"}, wantErr: "--max-concurrent: a rollout needs its waves"},
		{name: "negative", args: []string{"--wave", "name=a,percent=5", "--min-compliant-seconds", "-1"}, wantErr: "--min-compliant-seconds -1: must not be negative"},
		{name: "max failures word", args: []string{"--wave", "name=a,percent=5", "--max-failures", "few"}, wantErr: `--max-failures "few"`},
		{name: "max failures over 100%", args: []string{"--wave", "name=a,percent=5", "--max-failures", "150%"}, wantErr: `--max-failures "150%"`},
		{name: "max failures negative", args: []string{"--wave", "name=a,percent=5", "--max-failures", "-2"}, wantErr: `--max-failures "-2"`},
		{name: "no-rollout with waves", cur: cur, args: []string{"--no-rollout", "--wave", "name=a,percent=5"}, wantErr: "--no-rollout removes the rollout"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &rolloutFlags{}
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			r.add(fs, true)
			if err := fs.Parse(c.args); err != nil {
				t.Fatal(err)
			}
			got, err := r.rollout(c.cur)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, c.wantErr)
				}
				if !errors.As(err, new(usageError)) {
					t.Errorf("error %v is not a usage error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
	if cur.MaxFailures.Value != 1 || len(cur.Waves) != 2 {
		t.Errorf("the current rollout was changed in place: %+v", cur)
	}
}
