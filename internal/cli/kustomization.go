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
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// helpCommand is a command that groups verbs and prints its help when run alone.
func helpCommand(use, short string) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
}

func (a *app) kustomizationCommand() *cobra.Command {
	cmd := helpCommand("kustomization", "Manage the kustomizations of a flux configuration")
	cmd.AddCommand(a.kustomizationWrite("create"), a.kustomizationWrite("update"), a.kustomizationDelete(),
		a.kustomizationList(), a.kustomizationShow())
	return cmd
}

// kustomizationWrite is kustomization create (refused when it exists) and update (refused
// when it does not); both merge-patch the configuration.
func (a *app) kustomizationWrite(verb string) *cobra.Command {
	var name, kname string
	k := &kustomizationFlags{}
	cmd := &cobra.Command{
		Use:   verb,
		Short: strings.ToUpper(verb[:1]) + verb[1:] + " a kustomization of a flux configuration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			def, err := k.definition()
			if err != nil {
				return err
			}
			if verb == "update" && len(def) == 0 {
				return usageError{errors.New("nothing to update: give at least one of --path, --depends-on, --timeout, --interval, --retry-interval, --prune, --force, --wait, --disable-health-check")}
			}
			ctx := cmd.Context()
			cl, cfg, err := a.readConfig(ctx, name)
			if err != nil {
				return err
			}
			_, exists := cfg.Properties.Kustomizations[kname]
			switch {
			case verb == "create" && exists:
				return fmt.Errorf("kustomization %s of configuration %s already exists; change it with 'fluxconfig kustomization update'", kname, name)
			case verb == "update" && !exists:
				return fmt.Errorf("configuration %s has no kustomization %s (it has %s); add it with 'fluxconfig kustomization create'",
					name, kname, orDash(strings.Join(sortedKeys(cfg.Properties.Kustomizations), ", ")))
			}
			out, err := cl.Patch(ctx, name, kustomizationPatch(kname, def))
			if err != nil {
				return err
			}
			got := out.Properties.Kustomizations[kname]
			return a.render(got, kustomizationsTable(map[string]*dpv1.KustomizationDefinition{kname: got}))
		},
	}
	a.addNameFlag(cmd, &name)
	a.addKustomizationNameFlag(cmd, &kname, &name)
	k.addFlags(cmd.Flags())
	return cmd
}

func kustomizationPatch(name string, def any) map[string]any {
	return map[string]any{"properties": map[string]any{"kustomizations": map[string]any{name: def}}}
}

func (a *app) kustomizationDelete() *cobra.Command {
	var (
		name, kname string
		yes         bool
	)
	cmd := &cobra.Command{
		Use:   "delete",
		Short: "Delete a kustomization of a flux configuration",
		Long: `Delete a kustomization of a flux configuration. With prune, what it applied is removed
from the cluster. It is refused while other kustomizations depend on it: change their
--depends-on first.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cl, cfg, err := a.readConfig(ctx, name)
			if err != nil {
				return err
			}
			if _, ok := cfg.Properties.Kustomizations[kname]; !ok {
				return fmt.Errorf("configuration %s has no kustomization %s (it has %s)", name, kname,
					orDash(strings.Join(sortedKeys(cfg.Properties.Kustomizations), ", ")))
			}
			if deps := dependents(cfg.Properties.Kustomizations, kname); len(deps) > 0 {
				return fmt.Errorf("%s depend on %s; first drop it from their depends_on, e.g. 'fluxconfig kustomization update -n %s -k %s --depends-on ...'",
					strings.Join(deps, ", "), kname, name, deps[0])
			}
			if err := a.confirm(fmt.Sprintf("Delete kustomization %s of configuration %s?", kname, name), yes); err != nil {
				return err
			}
			out, err := cl.Patch(ctx, name, kustomizationPatch(kname, nil))
			if err != nil {
				return err
			}
			if a.output != outputTable {
				return a.render(out.Properties.Kustomizations, nil)
			}
			a.note("Kustomization %s of configuration %s deleted.", kname, name)
			return nil
		},
	}
	a.addNameFlag(cmd, &name)
	a.addKustomizationNameFlag(cmd, &kname, &name)
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// dependents are the kustomizations whose dependsOn names name.
func dependents(ks map[string]*dpv1.KustomizationDefinition, name string) []string {
	var out []string
	for n, k := range ks {
		if k != nil && slices.Contains(k.DependsOn, name) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func (a *app) kustomizationList() *cobra.Command {
	var name string
	return a.configReader(&cobra.Command{Use: "list", Short: "List the kustomizations of a flux configuration"}, &name,
		func(cfg *dpv1.FluxConfiguration) error {
			ks := cfg.Properties.Kustomizations
			if ks == nil {
				ks = map[string]*dpv1.KustomizationDefinition{}
			}
			return a.render(ks, kustomizationsTable(ks))
		})
}

func (a *app) kustomizationShow() *cobra.Command {
	var name, kname string
	cmd := a.configReader(&cobra.Command{Use: "show", Short: "Show a kustomization of a flux configuration"}, &name,
		func(cfg *dpv1.FluxConfiguration) error {
			k, ok := cfg.Properties.Kustomizations[kname]
			if !ok {
				return fmt.Errorf("configuration %s has no kustomization %s (it has %s)", name, kname,
					orDash(strings.Join(sortedKeys(cfg.Properties.Kustomizations), ", ")))
			}
			return a.render(k, kustomizationsTable(map[string]*dpv1.KustomizationDefinition{kname: k}))
		})
	a.addKustomizationNameFlag(cmd, &kname, &name)
	return cmd
}

// addKustomizationNameFlag adds -k/--kustomization-name, completed from the configuration
// --name names.
func (a *app) addKustomizationNameFlag(cmd *cobra.Command, kname, name *string) {
	cmd.Flags().StringVarP(kname, "kustomization-name", "k", "", "name of the kustomization")
	_ = cmd.MarkFlagRequired("kustomization-name")
	_ = cmd.RegisterFlagCompletionFunc("kustomization-name", func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		cl, err := a.cluster()
		if err != nil || *name == "" {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), 3*time.Second)
		defer cancel()
		cfg, err := cl.Get(ctx, *name)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return sortedKeys(cfg.Properties.Kustomizations), cobra.ShellCompDirectiveNoFileComp
	})
}

func (a *app) deployedObjectCommand() *cobra.Command {
	cmd := helpCommand("deployed-object", "Show the objects a flux configuration deployed, as the cluster reported them")
	var listName string
	list := a.configReader(&cobra.Command{Use: "list", Short: "List the objects a flux configuration deployed, with their compliance"},
		&listName, func(cfg *dpv1.FluxConfiguration) error {
			statuses := statusesOf(cfg)
			return a.render(statuses, objectsTable(statuses))
		})

	var name, objName, objNamespace, objKind string
	show := a.configReader(&cobra.Command{Use: "show", Short: "Show one object a flux configuration deployed, with its conditions"},
		&name, func(cfg *dpv1.FluxConfiguration) error {
			statuses := statusesOf(cfg)
			for i := range statuses {
				s := &statuses[i]
				if s.Name == objName && s.Namespace == objNamespace && s.Kind == objKind {
					return a.render(s, objectTable(s))
				}
			}
			return fmt.Errorf("configuration %s reports no %s %s/%s; 'fluxconfig deployed-object list -n %s' lists what it reports",
				name, objKind, objNamespace, objName, name)
		})
	show.Flags().StringVar(&objName, "object-name", "", "name of the object")
	show.Flags().StringVar(&objNamespace, "object-namespace", "", "namespace of the object")
	show.Flags().StringVar(&objKind, "object-kind", "", "kind of the object: GitRepository, Bucket, OCIRepository, HelmRepository, HelmChart, HelmRelease or Kustomization")
	for _, f := range []string{"object-name", "object-namespace", "object-kind"} {
		_ = show.MarkFlagRequired(f)
	}
	_ = show.RegisterFlagCompletionFunc("object-kind", fixedCompletion("GitRepository", "Bucket", "OCIRepository",
		"HelmRepository", "HelmChart", "HelmRelease", "Kustomization"))
	cmd.AddCommand(list, show)
	return cmd
}

// statusesOf are the objects the cluster reported for the configuration.
func statusesOf(cfg *dpv1.FluxConfiguration) []dpv1.ObjectStatusDefinition {
	if cfg.Properties.Statuses == nil {
		return []dpv1.ObjectStatusDefinition{}
	}
	return cfg.Properties.Statuses
}
