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
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

// The fleet configuration verbs: one configuration for every registered cluster a label
// selector picks. They name the fleet configuration as an argument, as the cluster verbs
// name the cluster, and take the configuration flags of create, without secrets.

func (a *app) fleetCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fleet",
		Short: "Manage fleet configurations: one configuration for many clusters",
		Long: `Manage fleet configurations: one configuration that the endpoint writes into the list of
every registered cluster whose labels its selector matches ('fluxconfig cluster register
--label'). Agents see an ordinary configuration. A fleet configuration carries no secrets:
use --local-auth-ref to a Secret the clusters hold. These verbs need the management (admin)
token.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(a.fleetCreateCommand(), a.fleetUpdateCommand(), a.fleetShowCommand(), a.fleetListCommand(),
		a.fleetDeleteCommand(), a.fleetStatusCommand(), a.fleetRevisionsCommand())
	cmd.AddCommand(a.fleetRolloutCommands()...)
	return cmd
}

// fleetFlags are the flags of fleet create and update.
type fleetFlags struct {
	sourceFlags
	sel selectorFlags
	ro  rolloutFlags
}

func (f *fleetFlags) add(cmd *cobra.Command, create bool) {
	f.addFlags(cmd.Flags(), create)
	completeSourceFlags(cmd)
	f.sel.add(cmd.Flags())
	f.ro.add(cmd.Flags(), !create)
	// A fleet configuration refuses secrets; the flags that take one are not offered.
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		if secretFlag(fl) {
			_ = cmd.Flags().MarkHidden(fl.Name)
		}
	})
}

func secretFlag(fl *pflag.Flag) bool {
	return strings.HasSuffix(fl.Usage, secretHelp) || fl.Name == "ssh-private-key-file"
}

// refuseSecrets fails before any secret is read from a file or stdin.
func (f *fleetFlags) refuseSecrets() error {
	var given []string
	f.fs.Visit(func(fl *pflag.Flag) {
		if secretFlag(fl) {
			given = append(given, "--"+fl.Name)
		}
	})
	if len(given) > 0 {
		return usageError{fmt.Errorf("%s: a fleet configuration cannot carry secrets; put them in a Secret "+
			"every cluster holds and give --local-auth-ref, or use a per-cluster configuration", strings.Join(given, ", "))}
	}
	return nil
}

func (a *app) fleetCreateCommand() *cobra.Command {
	f := &fleetFlags{}
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a fleet configuration",
		Long: `Create a fleet configuration, placed on the registered clusters its selector matches: give
--selector, --selector-expression, or --all-clusters. Without --kustomization, one named
kustomization-1 applies the source's root, as create does. In a kustomization's postBuild
substitutions ${cluster_name} and ${cluster_label_<key>} take each cluster's values. With
--wave, each revision is rolled out wave by wave, steered by fleet pause, resume, approve
and rollback; without, every cluster gets it at once. The command fails when the fleet
configuration exists; change it with 'fleet update'.`,
		Example: `  fluxconfig fleet create web --namespace web -u https://github.com/org/web --branch main \
    --local-auth-ref git-auth --kustomization name=apps path=./deploy prune=true \
    --selector tier=prod --selector-expression 'region in (eu,us)'
  fluxconfig fleet create web -u https://github.com/org/web --branch main --selector tier=prod \
    --wave name=canary,selector=canary=true --wave name=half,percent=50,approval=true \
    --wave name=all,percent=100 --max-concurrent 10 --min-compliant-seconds 600 --max-failures 5%`,
		Args:              exactFleetName,
		ValidArgsFunction: a.completeFleets,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.refuseSecrets(); err != nil {
				return err
			}
			if err := f.checkCreate(); err != nil {
				return err
			}
			sel, err := f.sel.selector()
			if err != nil {
				return err
			}
			if sel == nil {
				return usageError{errors.New("give --selector or --selector-expression to pick the clusters, or --all-clusters")}
			}
			rollout, err := f.ro.rollout(nil)
			if err != nil {
				return err
			}
			cfg, err := f.newConfig(a.secrets())
			if err != nil {
				return err
			}
			c, err := a.endpoint()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if _, err := c.GetFleet(ctx, args[0]); err == nil {
				return fmt.Errorf("fleet configuration %s already exists; change it with 'fluxconfig fleet update' or delete it first", args[0])
			} else if !client.IsNotFound(err) {
				return err
			}
			out, err := c.PutFleet(ctx, args[0], &dpv1.FleetConfiguration{Properties: cfg.Properties,
				Placement: dpv1.FleetPlacement{ClusterSelector: sel}, Rollout: rollout})
			if err != nil {
				return err
			}
			return a.render(out, fleetTable(out))
		},
	}
	f.add(cmd, true)
	return cmd
}

func (a *app) fleetUpdateCommand() *cobra.Command {
	f := &fleetFlags{}
	cmd := &cobra.Command{
		Use:   "update NAME",
		Short: "Update a fleet configuration",
		Long: `Update a fleet configuration: only the flags given change, as in update, and the result is
the next revision, written into every selected cluster. A selector flag given replaces the
whole placement: give every --selector and --selector-expression it should keep. The
rollout is kept unless a rollout flag changes it; --wave given replaces every wave.`,
		Example: `  fluxconfig fleet update web --branch release-1.2
  fluxconfig fleet update web --selector tier=prod,region=eu
  fluxconfig fleet update web --wave name=canary,selector=canary=true --wave name=all,percent=100`,
		Args:              exactFleetName,
		ValidArgsFunction: a.completeFleets,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.refuseSecrets(); err != nil {
				return err
			}
			if cmd.Flags().NFlag() == countSet(cmd, "cluster", "endpoint", "token-file", "ca-file", "config", "output", "request-timeout") {
				return usageError{errors.New("nothing to update: give at least one flag to change")}
			}
			sel, err := f.sel.selector()
			if err != nil {
				return err
			}
			c, err := a.endpoint()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			cur, err := c.GetFleet(ctx, args[0])
			if err != nil {
				return err
			}
			patch, err := f.updatePatch(cur.Properties.SourceKind, a.secrets())
			if err != nil {
				return err
			}
			next, err := patchProperties(cur.Properties, patch)
			if err != nil {
				return err
			}
			placement := cur.Placement
			if sel != nil {
				placement.ClusterSelector = sel
			}
			// A PUT without the rollout would remove it: keep it unless a flag changes it.
			rollout, err := f.ro.rollout(cur.Rollout)
			if err != nil {
				return err
			}
			out, err := c.PutFleet(ctx, args[0], &dpv1.FleetConfiguration{Properties: next, Placement: placement, Rollout: rollout})
			if err != nil {
				return err
			}
			return a.render(out, fleetTable(out))
		},
	}
	f.add(cmd, false)
	return cmd
}
