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

	"github.com/spf13/cobra"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

// The fleet verbs that read, and delete.

func (a *app) fleetShowCommand() *cobra.Command {
	return showVerb(a.fleetVerb, a, &cobra.Command{Use: "show", Short: "Show a fleet configuration and its revision"},
		(*client.Client).GetFleet, fleetTable)
}

func (a *app) fleetListCommand() *cobra.Command {
	var opts client.ListFleetsOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the fleet configurations",
		Long: `List the fleet configurations by name. Without --limit every page is read; with --limit one
page of at most that many is printed, and the command that prints the next page is said on
stderr (the continue token is in -o json|yaml).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := pageFlags(opts.Limit, opts.Continue); err != nil {
				return err
			}
			c, err := a.endpoint()
			if err != nil {
				return err
			}
			all := &dpv1.FleetConfigurationList{Value: []dpv1.FleetConfiguration{}}
			for {
				page, err := c.ListFleets(cmd.Context(), opts)
				if err != nil {
					return err
				}
				all.Value = append(all.Value, page.Value...)
				if opts.Limit > 0 || page.Continue == "" {
					all.Continue = page.Continue
					break
				}
				opts.Continue = page.Continue
			}
			if err := a.render(all, fleetsTable(all.Value)); err != nil {
				return err
			}
			if all.Continue != "" && a.output == outputTable {
				fmt.Fprintf(a.streams.Err, "More fleet configurations: fluxconfig fleet list --limit %d --continue %s\n", opts.Limit, all.Continue)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&opts.Limit, "limit", 0, "print one page of at most this many (default: every page)")
	cmd.Flags().StringVar(&opts.Continue, "continue", "", "continue token of the previous page")
	return cmd
}

func pageFlags(limit int, cont string) error {
	if limit < 0 {
		return usageError{fmt.Errorf("--limit %d: give a page size of 1 or more", limit)}
	}
	if cont != "" && limit == 0 {
		return usageError{errors.New("--continue pages: give it with the --limit of the page before")}
	}
	return nil
}

func (a *app) fleetDeleteCommand() *cobra.Command {
	return a.deleteVerb(a.fleetVerb, &cobra.Command{
		Use:   "delete",
		Short: "Delete a fleet configuration from every cluster",
		Long: `Delete a fleet configuration and its revisions. Every cluster's copy is removed as 'delete'
removes a configuration: the agent deletes the FluxConfig, and the copy goes when it reports
it gone.`,
	}, "Delete fleet configuration %s from every cluster?",
		"Fleet configuration %s deleted; the clusters' agents remove their copies.", (*client.Client).DeleteFleet)
}

func (a *app) fleetStatusCommand() *cobra.Command {
	var opts client.FleetStatusOptions
	cmd := &cobra.Command{
		Use:   "status NAME",
		Short: "Show a fleet configuration's status across its clusters",
		Long: `Show how a fleet configuration fares: its clusters counted by compliance state, with the
Disconnected ones (no poll within three poll intervals) counted apart, the commits they
report, and the clusters, Non-Compliant first with their messages, then Disconnected. One
page of --limit clusters (default 100); the command for the next page is said on stderr.`,
		Example: `  fluxconfig fleet status web
  fluxconfig fleet status web --limit 20 -o json`,
		Args:              exactFleetName,
		ValidArgsFunction: a.completeFleets,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Limit < 0 {
				return usageError{fmt.Errorf("--limit %d: give a page size of 1 or more", opts.Limit)}
			}
			c, err := a.endpoint()
			if err != nil {
				return err
			}
			st, err := c.GetFleetStatus(cmd.Context(), args[0], opts)
			if err != nil {
				return err
			}
			if err := a.render(st, fleetStatusTable(st)); err != nil {
				return err
			}
			if st.Continue != "" && a.output == outputTable {
				limit := ""
				if opts.Limit > 0 {
					limit = fmt.Sprintf(" --limit %d", opts.Limit)
				}
				fmt.Fprintf(a.streams.Err, "More clusters: fluxconfig fleet status %s%s --continue %s\n", args[0], limit, st.Continue)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&opts.Limit, "limit", 0, "clusters per page (default 100)")
	cmd.Flags().StringVar(&opts.Continue, "continue", "", "continue token of the previous page")
	return cmd
}

func (a *app) fleetRevisionsCommand() *cobra.Command {
	return a.fleetVerb(&cobra.Command{Use: "revisions", Short: "List the kept revisions of a fleet configuration, newest first"},
		func(cmd *cobra.Command, c *client.Client, name string) error {
			revs, err := c.ListFleetRevisions(cmd.Context(), name)
			if err != nil {
				return err
			}
			return a.render(dpv1.FleetRevisionList{Value: revs}, revisionsTable(revs))
		})
}
