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
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

// The cluster registry's verbs. They name the cluster as an argument: --cluster stays the
// cluster whose configurations the other verbs manage.

func (a *app) clusterCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Register clusters at the endpoint and manage their agent tokens",
		Long: `Register clusters at the endpoint's cluster registry, with labels that selectors match, and
manage their agent tokens. The endpoint shows a cluster's agent token once, in the answer
that registered it or rotated it, and keeps only its hash: store it at once, or write it to
a file with --agent-token-file. These verbs need the endpoint's management (admin) token.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(a.clusterRegisterCommand(), a.clusterListCommand(), a.clusterShowCommand(),
		a.clusterDeleteCommand(), a.clusterRotateTokenCommand())
	return cmd
}

func (a *app) clusterRegisterCommand() *cobra.Command {
	var (
		labels    []string
		tokenFile string
	)
	cmd := &cobra.Command{
		Use:   "register NAME",
		Short: "Register a cluster, or replace the labels of a registered one",
		Long: `Register a cluster and print its agent token, which the endpoint never shows again: on
stdout alone, or with --agent-token-file into a file readable by its owner only (an existing
one is replaced). On a
registered cluster, the --label flags given replace all its labels (no token is issued); without
--label nothing changes.`,
		Example: `  fluxconfig cluster register east-1 --label region=eu --label tier=prod --agent-token-file ./east-1.token
  fluxconfig cluster register east-1 --label region=eu --label tier=staging`,
		Args:              exactName,
		ValidArgsFunction: a.completeClusters,
		RunE: func(cmd *cobra.Command, args []string) error {
			parsed, err := parseLabels(labels)
			if err != nil {
				return err
			}
			c, err := a.endpoint()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if !cmd.Flags().Changed("label") {
				// Without --label a registered cluster keeps its labels: PUT would clear them.
				cur, err := c.GetCluster(ctx, args[0])
				if err == nil {
					a.notef("Cluster %s is already registered; labels unchanged (give --label to replace them).", args[0])
					return a.render(cur, clusterTable(cur))
				}
				if !client.IsNotFound(err) {
					return err
				}
			}
			sink, err := newTokenSink(tokenFile)
			if err != nil {
				return err
			}
			defer sink.discard()
			out, created, err := c.RegisterCluster(ctx, args[0], parsed)
			if err != nil {
				return err
			}
			if !created {
				a.notef("Cluster %s was registered already: its labels are replaced and its agent token is unchanged.", args[0])
				return a.render(out, clusterTable(out))
			}
			return a.showToken(sink, out, fmt.Sprintf("Cluster %s registered.", out.Name))
		},
	}
	cmd.Flags().StringArrayVarP(&labels, "label", "l", nil, "label KEY=VALUE of the cluster; repeat for more")
	addTokenFileFlag(cmd, &tokenFile)
	return cmd
}

func (a *app) clusterListCommand() *cobra.Command {
	var opts client.ListClustersOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the registered clusters",
		Long: `List the registered clusters by name, with their labels and whether their agent polls. Without
--limit every page is read; with --limit one page of at most that many is printed, and the
command that prints the next page is said on stderr (the continue token is in -o json|yaml).`,
		Example: `  fluxconfig cluster list --selector 'region=eu,tier in (prod,staging)'
  fluxconfig cluster list --limit 100 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := pageFlags(opts.Limit, opts.Continue); err != nil {
				return err
			}
			c, err := a.endpoint()
			if err != nil {
				return err
			}
			list, err := listClusters(cmd.Context(), c, opts, opts.Limit > 0)
			if err != nil {
				return err
			}
			if err := a.render(list, clustersTable(list.Value)); err != nil {
				return err
			}
			if list.Continue != "" && a.output == outputTable {
				fmt.Fprintf(a.streams.Err, "More clusters: fluxconfig cluster list --limit %d --continue %s%s\n", opts.Limit, list.Continue, selectorArg(opts.LabelSelector))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&opts.LabelSelector, "selector", "l", "", "label selector, e.g. 'region=eu,tier in (prod)'")
	cmd.Flags().IntVar(&opts.Limit, "limit", 0, "print one page of at most this many clusters (default: every page)")
	cmd.Flags().StringVar(&opts.Continue, "continue", "", "continue token of the previous page")
	return cmd
}

// listClusters reads one page, or follows the continue tokens to the last page.
func listClusters(ctx context.Context, c *client.Client, opts client.ListClustersOptions, onePage bool) (*dpv1.ClusterList, error) {
	all := &dpv1.ClusterList{Value: []dpv1.Cluster{}}
	for {
		page, err := c.ListClusters(ctx, opts)
		if err != nil {
			return nil, err
		}
		all.Value = append(all.Value, page.Value...)
		if onePage || page.Continue == "" {
			all.Continue = page.Continue
			return all, nil
		}
		opts.Continue = page.Continue
	}
}

func selectorArg(selector string) string {
	if selector == "" {
		return ""
	}
	return " --selector '" + selector + "'"
}

func (a *app) clusterShowCommand() *cobra.Command {
	return showVerb(a.clusterVerb, a, &cobra.Command{Use: "show", Short: "Show a registered cluster"},
		(*client.Client).GetCluster, clusterTable)
}

func (a *app) clusterDeleteCommand() *cobra.Command {
	return a.deleteVerb(a.clusterVerb, &cobra.Command{
		Use:   "delete",
		Short: "Delete a cluster's registration",
		Long: `Delete a cluster's registration: its registered agent tokens stop working at once. Its
configurations stay at the endpoint (delete them with 'fluxconfig delete'), and a token file
in the endpoint's --cluster-tokens-dir keeps working.`,
	}, "Delete the registration of cluster %s? Its agent stops being let in.",
		"Cluster %s deleted; its registered agent tokens no longer work.", (*client.Client).DeleteCluster)
}

func (a *app) clusterRotateTokenCommand() *cobra.Command {
	var (
		grace     time.Duration
		tokenFile string
	)
	cmd := &cobra.Command{
		Use:   "rotate-token NAME",
		Short: "Issue a new agent token for a cluster",
		Long: `Issue a new agent token for a registered cluster and print it once, like register. The
current token keeps working for --grace (at most 168h; 0s ends it at once), so the agent
can move to the new one without downtime. Only one previous token is kept.`,
		Example:           `  fluxconfig cluster rotate-token east-1 --grace 2h --agent-token-file ./east-1.token`,
		Args:              exactName,
		ValidArgsFunction: a.completeClusters,
		RunE: func(cmd *cobra.Command, args []string) error {
			if grace < 0 {
				return usageError{fmt.Errorf("--grace %s: give 0s or more", grace)}
			}
			c, err := a.endpoint()
			if err != nil {
				return err
			}
			sink, err := newTokenSink(tokenFile)
			if err != nil {
				return err
			}
			defer sink.discard()
			out, err := c.RotateClusterToken(cmd.Context(), args[0], grace)
			if err != nil {
				return err
			}
			msg := fmt.Sprintf("New agent token of cluster %s issued; the previous one stops working now.", out.Name)
			if out.PreviousTokenValidUntil != nil {
				msg = fmt.Sprintf("New agent token of cluster %s issued; the previous one works until %s.", out.Name, out.PreviousTokenValidUntil.UTC().Format(time.RFC3339))
			}
			return a.showToken(sink, out, msg)
		},
	}
	cmd.Flags().DurationVar(&grace, "grace", time.Hour, "how long the current token keeps working")
	addTokenFileFlag(cmd, &tokenFile)
	return cmd
}

// clusterVerb makes cmd a verb on the one cluster its argument names.
func (a *app) clusterVerb(cmd *cobra.Command, run nameRun) *cobra.Command {
	return a.namedVerb(cmd, exactName, a.completeClusters, run)
}

// exactName is the Args of the verbs on one cluster.
func exactName(_ *cobra.Command, args []string) error {
	if len(args) != 1 || args[0] == "" {
		return usageError{fmt.Errorf("give the cluster's NAME, one argument (got %d)", len(args))}
	}
	return nil
}

// addTokenFileFlag: --token-file is the management token's, so the agent token's file has
// its own name; one flag for both would write the agent token over the admin token's file.
func addTokenFileFlag(cmd *cobra.Command, path *string) {
	cmd.Flags().StringVar(path, "agent-token-file", "", "write the agent token to this file (mode 0600) instead of stdout")
}

func parseLabels(pairs []string) (map[string]string, error) {
	labels := map[string]string{}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, usageError{fmt.Errorf("--label %q: give KEY=VALUE, e.g. --label region=eu", p)}
		}
		labels[k] = v
	}
	return labels, nil
}

// showToken prints the token of a new registration or rotation: the token alone on stdout
// (whole cluster in -o json|yaml), or into the token file; the rest goes to stderr.
func (a *app) showToken(sink *tokenSink, out *dpv1.Cluster, what string) error {
	if sink != nil {
		if err := sink.commit(out.Token); err != nil {
			return fmt.Errorf("%s but writing its agent token failed: %w; issue a new one with 'fluxconfig cluster rotate-token %s --grace 0s'", what, err, out.Name)
		}
		fmt.Fprintf(a.streams.Err, "%s Its agent token is in %s.\n", what, sink.path)
		shown := *out
		shown.Token = ""
		return a.render(&shown, clusterTable(&shown))
	}
	fmt.Fprintf(a.streams.Err, "%s Its agent token follows on stdout; it is shown only once: store it now.\n", what)
	if a.output == outputTable {
		_, err := fmt.Fprintln(a.streams.Out, out.Token)
		return err
	}
	return a.render(out, nil)
}

// notef tells the user something on stderr, so stdout stays the command's answer.
func (a *app) notef(format string, args ...any) {
	fmt.Fprintf(a.streams.Err, format+"\n", args...)
}

// tokenSink is a temporary file (CreateTemp makes it 0600) next to the token file, created before the request so
// most failures to write come before the endpoint issues a token that would then be lost.
type tokenSink struct {
	path string
	tmp  *os.File
}

func newTokenSink(path string) (*tokenSink, error) {
	if path == "" {
		return nil, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return nil, fmt.Errorf("--agent-token-file %s: %w", path, err)
	}
	return &tokenSink{path: path, tmp: tmp}, nil
}

func (s *tokenSink) commit(token string) error {
	if _, err := io.WriteString(s.tmp, token+"\n"); err != nil {
		return err
	}
	if err := s.tmp.Sync(); err != nil {
		return err
	}
	if err := s.tmp.Close(); err != nil {
		return err
	}
	// Rename, so an existing file is replaced whole and is 0600 whatever its mode was.
	return os.Rename(s.tmp.Name(), s.path)
}

// discard removes the temporary file unless commit renamed it.
func (s *tokenSink) discard() {
	if s == nil {
		return
	}
	_ = s.tmp.Close()
	_ = os.Remove(s.tmp.Name())
}

func clustersTable(clusters []dpv1.Cluster) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintln(w, "NAME\tLABELS\tCONNECTED\tLAST POLL\tAGENT")
		for _, c := range clusters {
			fmt.Fprintf(w, "%s\t%s\t%t\t%s\t%s\n", c.Name, labelsOf(c.Labels), c.Connected, timeOf(c.LastPollTime), orDash(c.AgentVersion))
		}
	}
}

func clusterTable(c *dpv1.Cluster) func(io.Writer) {
	return func(w io.Writer) {
		rows := [][2]string{
			{"Name", c.Name}, {"Labels", labelsOf(c.Labels)}, {"Connected", fmt.Sprint(c.Connected)},
			{"Last poll", timeOf(c.LastPollTime)}, {"Agent", orDash(c.AgentVersion)},
			{"Created", timeOf(&c.CreatedAt)}, {"Token issued", timeOf(&c.TokenIssuedAt)},
		}
		if c.PreviousTokenValidUntil != nil {
			rows = append(rows, [2]string{"Previous token valid until", timeOf(c.PreviousTokenValidUntil)})
		}
		for _, r := range rows {
			fmt.Fprintf(w, "%s:\t%s\n", r[0], r[1])
		}
	}
}

func labelsOf(labels map[string]string) string {
	parts := make([]string, 0, len(labels))
	for _, k := range sortedKeys(labels) {
		parts = append(parts, k+"="+labels[k])
	}
	return orDash(strings.Join(parts, ","))
}

func timeOf(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// completeClusters completes NAME with the registered clusters.
func (a *app) completeClusters(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	return a.completeArg(cmd, args, func(ctx context.Context, c *client.Client) ([]string, error) {
		list, err := listClusters(ctx, c, client.ListClustersOptions{}, false)
		if err != nil {
			return nil, err
		}
		return namesOf(list.Value, func(cl *dpv1.Cluster) string { return cl.Name }), nil
	})
}
