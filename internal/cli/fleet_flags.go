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
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

// selectorFlags are a fleet configuration's placement as flags.
type selectorFlags struct {
	fs          *pflag.FlagSet
	match       string
	expressions []string
	all         bool
}

func (s *selectorFlags) add(fs *pflag.FlagSet) {
	s.fs = fs
	fs.StringVarP(&s.match, "selector", "l", "", "clusters whose labels match, as KEY=VALUE,... (matchLabels); a Kubernetes label selector, e.g. 'tier=prod,region in (eu,us)', is taken too")
	fs.StringArrayVar(&s.expressions, "selector-expression", nil, "a label selector requirement, e.g. 'region in (eu,us)', 'canary', '!legacy' or 'tier notin (dev)' (repeatable)")
	fs.BoolVar(&s.all, "all-clusters", false, "select every registered cluster (an empty selector)")
}

// selector is the selector the flags give; nil when none was given.
func (s *selectorFlags) selector() (*dpv1.LabelSelector, error) {
	given := s.fs.Changed("selector") || s.fs.Changed("selector-expression")
	if s.all && given {
		return nil, usageError{fmt.Errorf("--all-clusters selects every cluster: give it without --selector and --selector-expression")}
	}
	if s.all {
		return &dpv1.LabelSelector{}, nil
	}
	if !given {
		return nil, nil
	}
	out := &dpv1.LabelSelector{}
	if err := addRequirements(out, "--selector", s.match); err != nil {
		return nil, err
	}
	for _, e := range s.expressions {
		if err := addRequirements(out, "--selector-expression", e); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// addRequirements parses a Kubernetes label selector string into sel: equalities go to
// matchLabels, the rest to matchExpressions.
func addRequirements(sel *dpv1.LabelSelector, flag, value string) error {
	if value == "" {
		return nil
	}
	parsed, err := labels.Parse(value)
	if err != nil {
		return usageError{fmt.Errorf("%s %q: %w", flag, value, err)}
	}
	reqs, _ := parsed.Requirements()
	for _, r := range reqs {
		values := r.Values().List()
		var op string
		switch r.Operator() {
		case selection.Equals, selection.DoubleEquals:
			if old, dup := sel.MatchLabels[r.Key()]; dup && old != values[0] {
				return usageError{fmt.Errorf("%s %q: %s is given twice, as %s and %s", flag, value, r.Key(), old, values[0])}
			}
			if sel.MatchLabels == nil {
				sel.MatchLabels = map[string]string{}
			}
			sel.MatchLabels[r.Key()] = values[0]
			continue
		case selection.In:
			op = dpv1.SelectorOpIn
		case selection.NotIn, selection.NotEquals:
			op = dpv1.SelectorOpNotIn
		case selection.Exists:
			op, values = dpv1.SelectorOpExists, nil
		case selection.DoesNotExist:
			op, values = dpv1.SelectorOpDoesNotExist, nil
		default:
			return usageError{fmt.Errorf("%s %q: operator %s is not supported; use =, !=, in, notin, KEY or !KEY", flag, value, r.Operator())}
		}
		sort.Strings(values)
		sel.MatchExpressions = append(sel.MatchExpressions, dpv1.LabelSelectorRequirement{Key: r.Key(), Operator: op, Values: values})
	}
	return nil
}

// selectorString writes sel back as a label selector string, for tables.
func selectorString(sel *dpv1.LabelSelector) string {
	if sel == nil {
		return "-"
	}
	ls := labels.Set(sel.MatchLabels).AsSelector()
	var reqs []labels.Requirement
	for _, e := range sel.MatchExpressions {
		op := map[string]selection.Operator{dpv1.SelectorOpIn: selection.In, dpv1.SelectorOpNotIn: selection.NotIn,
			dpv1.SelectorOpExists: selection.Exists, dpv1.SelectorOpDoesNotExist: selection.DoesNotExist}[e.Operator]
		r, err := labels.NewRequirement(e.Key, op, e.Values)
		if err != nil {
			return fmt.Sprintf("%v", *sel)
		}
		reqs = append(reqs, *r)
	}
	s := ls.Add(reqs...).String()
	if s == "" {
		return "(every cluster)"
	}
	return s
}

// patchProperties applies a JSON merge patch (RFC 7386), as the per-cluster PATCH does, to
// a fleet configuration's properties: a fleet configuration is only ever PUT whole.
func patchProperties(cur dpv1.FluxConfigurationProperties, patch map[string]any) (dpv1.FluxConfigurationProperties, error) {
	var out dpv1.FluxConfigurationProperties
	var target, p map[string]any
	for _, v := range []struct {
		from any
		to   *map[string]any
	}{{cur, &target}, {patch, &p}} {
		// Through JSON, so nested values are plain maps the merge can walk.
		data, err := json.Marshal(v.from)
		if err != nil {
			return out, err
		}
		if err := json.Unmarshal(data, v.to); err != nil {
			return out, err
		}
	}
	merged, err := json.Marshal(dpv1.MergePatch(target, p))
	if err != nil {
		return out, err
	}
	if err := dpv1.DecodeStrict(merged, &out); err != nil {
		return out, fmt.Errorf("building the configuration: %w", err)
	}
	return out, nil
}

// exactFleetName is the Args of the verbs on one fleet configuration.
func exactFleetName(_ *cobra.Command, args []string) error {
	if len(args) != 1 || args[0] == "" {
		return usageError{fmt.Errorf("give the fleet configuration's NAME, one argument (got %d)", len(args))}
	}
	return nil
}

// fleetVerb makes cmd a verb on the one fleet configuration its argument names.
func (a *app) fleetVerb(cmd *cobra.Command, run nameRun) *cobra.Command {
	return a.namedVerb(cmd, exactFleetName, a.completeFleets, run)
}

// completeFleets completes NAME with the fleet configurations.
func (a *app) completeFleets(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	return a.completeArg(cmd, args, func(ctx context.Context, c *client.Client) ([]string, error) {
		list, err := c.ListFleets(ctx, client.ListFleetsOptions{})
		if err != nil {
			return nil, err
		}
		return namesOf(list.Value, func(f *dpv1.FleetConfiguration) string { return f.Name }), nil
	})
}

// nameRun is what a verb on one named object does, with the endpoint's client.
type nameRun func(cmd *cobra.Command, c *client.Client, name string) error

// namedVerb makes cmd a verb on the one object its argument names, checked by args and
// completed by complete: run gets the endpoint's client and the name.
func (a *app) namedVerb(cmd *cobra.Command, args cobra.PositionalArgs, complete cobra.CompletionFunc, run nameRun) *cobra.Command {
	cmd.Use += " NAME"
	cmd.Args, cmd.ValidArgsFunction = args, complete
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := a.endpoint()
		if err != nil {
			return err
		}
		return run(cmd, c, args[0])
	}
	return cmd
}

// deleteVerb makes cmd, through verb (clusterVerb or fleetVerb), delete the object its
// argument names once the user says yes to question; done tells it is gone. Both name the
// object with their one %s.
func (a *app) deleteVerb(verb func(*cobra.Command, nameRun) *cobra.Command, cmd *cobra.Command, question, done string,
	del func(c *client.Client, ctx context.Context, name string) error) *cobra.Command {
	var yes bool
	cmd = verb(cmd, func(cmd *cobra.Command, c *client.Client, name string) error {
		if err := a.confirm(fmt.Sprintf(question, name), yes); err != nil {
			return err
		}
		if err := del(c, cmd.Context(), name); err != nil {
			return err
		}
		return a.reportDeleted(name, done)
	})
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// showVerb makes cmd, through verb (clusterVerb or fleetVerb), print the object get reads:
// YAML or JSON with --output, else table's view of it.
func showVerb[T any](verb func(*cobra.Command, nameRun) *cobra.Command, a *app, cmd *cobra.Command,
	get func(c *client.Client, ctx context.Context, name string) (T, error), table func(T) func(io.Writer)) *cobra.Command {
	return verb(cmd, func(cmd *cobra.Command, c *client.Client, name string) error {
		out, err := get(c, cmd.Context(), name)
		if err != nil {
			return err
		}
		return a.render(out, table(out))
	})
}

// namesOf lists the names of items, for completion.
func namesOf[T any](items []T, name func(*T) string) []string {
	names := make([]string, 0, len(items))
	for i := range items {
		names = append(names, name(&items[i]))
	}
	return names
}

// completeArg completes a verb's one argument with the names list reads from the endpoint;
// a failure completes nothing.
func (a *app) completeArg(cmd *cobra.Command, args []string,
	list func(context.Context, *client.Client) ([]string, error)) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	c, err := a.endpoint()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), 3*time.Second)
	defer cancel()
	names, err := list(ctx, c)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}
