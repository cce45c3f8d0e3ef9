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
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

func (a *app) createCommand() *cobra.Command {
	var name string
	f := &sourceFlags{}
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a flux configuration",
		Long: `Create a flux configuration: a source (git, bucket, azblob or oci) and the kustomizations
that apply it. Without --kustomization, one named kustomization-1 applies the source's root,
as az does. The command fails when the configuration exists; change it with 'update'.`,
		Example: `  fluxconfig create -c prod-1 -n cluster-config --namespace cluster-config --scope cluster \
    -u https://github.com/org/fleet --branch main --https-user git --https-key @./pat \
    --kustomization name=infra path=./infra prune=true \
    --kustomization name=apps path=./apps depends_on=infra prune=true

  fluxconfig create -n bucket-config --kind bucket -u https://s3.example.com --bucket-name manifests \
    --bucket-access-key AKIA... --bucket-secret-key - < secret-key`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.checkCreate(); err != nil {
				return err
			}
			cfg, err := f.newConfig(a.secrets())
			if err != nil {
				return err
			}
			cl, err := a.cluster()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if _, err := cl.Get(ctx, name); err == nil {
				return fmt.Errorf("configuration %s already exists on cluster %s; change it with 'fluxconfig update' or delete it first", name, cl.Name())
			} else if !client.IsNotFound(err) {
				return err
			}
			out, err := cl.Put(ctx, name, cfg)
			if err != nil {
				return err
			}
			if err := a.render(out, configTable(out)); err != nil {
				return err
			}
			if generatesKey(f) {
				a.note("\nNo SSH key given: the cluster generates one. Once it reports it, 'fluxconfig show -n %s' prints the public key to register as a deploy key.", name)
			}
			return nil
		},
	}
	a.addNameFlag(cmd, &name)
	f.addFlags(cmd.Flags(), true)
	completeSourceFlags(cmd)
	return cmd
}

func (a *app) updateCommand() *cobra.Command {
	var name string
	f := &sourceFlags{}
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Update a flux configuration",
		Long: `Update a flux configuration: only the flags given change. A repository reference given
(--branch, --tag, --semver, --commit, --digest) replaces the old one as a whole. A
--kustomization given is merged into the one of that name, or added. Protected settings
given replace every protected setting the cluster holds for the configuration, as in ARM:
give all of them again. --kind with another kind replaces the source: give its --url and flags.`,
		Example: `  fluxconfig update -n cluster-config --suspend
  fluxconfig update -n cluster-config --suspend=false --branch release-1.2
  fluxconfig update -n cluster-config --https-key @./new-pat`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().NFlag() == countSet(cmd, "name", "cluster", "endpoint", "token-file", "ca-file", "config", "output", "request-timeout") {
				return usageError{errors.New("nothing to update: give at least one flag to change")}
			}
			ctx := cmd.Context()
			cl, cur, err := a.readConfig(ctx, name)
			if err != nil {
				return err
			}
			props, err := f.updatePatch(cur.Properties.SourceKind, a.secrets())
			if err != nil {
				return err
			}
			out, err := cl.Patch(ctx, name, map[string]any{"properties": props})
			if err != nil {
				return err
			}
			return a.render(out, configTable(out))
		},
	}
	a.addNameFlag(cmd, &name)
	f.addFlags(cmd.Flags(), false)
	completeSourceFlags(cmd)
	return cmd
}

// countSet counts the flags named that were given, to tell "nothing to do" apart.
func countSet(cmd *cobra.Command, names ...string) int {
	n := 0
	for _, name := range names {
		if cmd.Flags().Changed(name) {
			n++
		}
	}
	return n
}

// decodeConfig turns the properties built from the flags into the typed model, strictly, so
// a key the CLI spells wrong is caught here rather than at the endpoint.
func decodeConfig(props map[string]any) (*dpv1.FluxConfiguration, error) {
	data, err := json.Marshal(map[string]any{"properties": props})
	if err != nil {
		return nil, err
	}
	cfg := &dpv1.FluxConfiguration{}
	if err := dpv1.DecodeStrict(data, cfg); err != nil {
		return nil, fmt.Errorf("building the configuration: %w", err)
	}
	return cfg, nil
}

func (a *app) showCommand() *cobra.Command {
	var name string
	return a.configReader(&cobra.Command{Use: "show", Short: "Show a flux configuration and its status"}, &name,
		func(cfg *dpv1.FluxConfiguration) error { return a.render(cfg, configTable(cfg)) })
}

func (a *app) listCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the flux configurations of a cluster",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := a.cluster()
			if err != nil {
				return err
			}
			cfgs, err := cl.List(cmd.Context())
			if err != nil {
				return err
			}
			return a.render(cfgs, configsTable(cfgs))
		},
	}
}

func (a *app) deleteCommand() *cobra.Command {
	var (
		name       string
		force, yes bool
	)
	cmd := &cobra.Command{
		Use:   "delete",
		Short: "Delete a flux configuration",
		Long: `Delete a flux configuration. The agent removes it from the cluster, with everything its
kustomizations applied with prune, and then the endpoint forgets it ('fluxconfig wait
--for deleted' waits for that). --force removes it from the endpoint at once, without
waiting for the cluster.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := a.cluster()
			if err != nil {
				return err
			}
			if err := a.confirm(fmt.Sprintf("Delete configuration %s of cluster %s?", name, cl.Name()), yes); err != nil {
				return err
			}
			out, err := cl.Delete(cmd.Context(), name, client.DeleteOptions{Force: force})
			if err != nil {
				return err
			}
			if out == nil {
				return a.reportDeleted(name, "Configuration %s deleted.")
			}
			if a.output != outputTable {
				return a.render(out, nil)
			}
			a.note("Deleting configuration %s: the agent removes it from the cluster, then the endpoint forgets it.", name)
			return nil
		},
	}
	a.addNameFlag(cmd, &name)
	cmd.Flags().BoolVar(&force, "force", false, "remove the configuration from the endpoint at once, without waiting for the cluster")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// Conditions of wait --for.
const (
	waitCompliant   = "compliant"
	waitProvisioned = "provisioned"
	waitSuspended   = "suspended"
	waitDeleted     = "deleted"
)

func (a *app) waitCommand() *cobra.Command {
	var (
		name, until      string
		timeout, polling time.Duration
	)
	cmd := &cobra.Command{
		Use:   "wait",
		Short: "Wait until a flux configuration is compliant, suspended, provisioned or deleted",
		Long: `Wait until a flux configuration reaches a state, reading it at the endpoint every
--poll-interval:
  provisioned  the last operation reached the cluster (provisioningState Succeeded);
  compliant    provisioned, complianceState Compliant, and every kustomization reported
               Compliant by the cluster (so a report from before a change does not pass);
  suspended    provisioned, and complianceState Suspended;
  deleted      the endpoint no longer knows the configuration.
A provisioningState of Failed ends the wait with its error message.`,
		Example: `  fluxconfig wait -n cluster-config --for compliant --timeout 5m`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if until != waitCompliant && until != waitSuspended && until != waitProvisioned && until != waitDeleted {
				return usageError{fmt.Errorf("--for %q: use compliant, suspended, provisioned or deleted", until)}
			}
			cl, err := a.cluster()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			cfg, err := waitFor(ctx, cl, name, until, polling)
			if err != nil {
				return err
			}
			if cfg == nil {
				a.note("Configuration %s is deleted.", name)
				return nil
			}
			return a.render(cfg, configTable(cfg))
		},
	}
	a.addNameFlag(cmd, &name)
	cmd.Flags().StringVar(&until, "for", waitCompliant, "state to wait for: compliant, suspended, provisioned or deleted")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "how long to wait")
	cmd.Flags().DurationVar(&polling, "poll-interval", 2*time.Second, "time between reads")
	_ = cmd.RegisterFlagCompletionFunc("for", fixedCompletion(waitCompliant, waitSuspended, waitProvisioned, waitDeleted))
	return cmd
}

// waitFor polls the configuration until it is in state until; the last read is returned
// (nil once deleted). An unreachable or failing endpoint is retried until ctx ends.
func waitFor(ctx context.Context, cl *client.Cluster, name, until string, every time.Duration) (*dpv1.FluxConfiguration, error) {
	var last *dpv1.FluxConfiguration
	var lastErr error
	for {
		cfg, err := cl.Get(ctx, name)
		switch {
		case err != nil && ctx.Err() != nil:
			// The deadline cut this read short: the wait timed out, whatever the read says.
		case client.IsNotFound(err) && until == waitDeleted:
			return nil, nil
		case err != nil && !transient(err):
			return nil, err
		case err != nil:
			lastErr = err
		default:
			last, lastErr = cfg, nil
			if done, err := reached(cfg, until); done || err != nil {
				return cfg, err
			}
		}
		select {
		case <-ctx.Done():
			if lastErr != nil {
				return nil, lastErr
			}
			return nil, timeoutError(name, until, last)
		case <-time.After(every):
		}
	}
}

// transient: an error a later read may not meet.
func transient(err error) bool {
	var ce *client.Error
	return errors.As(err, &ce) && (ce.Reason == client.ReasonUnreachable || ce.Reason == client.ReasonServerError)
}

// reached reports whether cfg is in state until; a Failed operation is an error.
func reached(cfg *dpv1.FluxConfiguration, until string) (bool, error) {
	p := cfg.Properties
	if p.ProvisioningState == dpv1.ProvisioningFailed {
		return false, fmt.Errorf("configuration %s failed: %s", cfg.Name, orDash(p.ErrorMessage))
	}
	if p.ProvisioningState != dpv1.ProvisioningSucceeded {
		return false, nil
	}
	switch until {
	case waitProvisioned:
		return true, nil
	case waitSuspended:
		return p.ComplianceState == "Suspended", nil
	case waitCompliant:
		return p.ComplianceState == "Compliant" && kustomizationsCompliant(cfg), nil
	}
	return false, nil
}

// kustomizationsCompliant: the cluster reports every kustomization of the configuration,
// a new one included, as a Compliant Flux Kustomization <name>-<kustomization>; a report
// from before the last change does not pass.
func kustomizationsCompliant(cfg *dpv1.FluxConfiguration) bool {
	compliant := map[string]bool{}
	for _, s := range cfg.Properties.Statuses {
		if s.Kind == "Kustomization" && s.Namespace == cfg.Properties.Namespace && s.ComplianceState == "Compliant" {
			compliant[s.Name] = true
		}
	}
	for k := range cfg.Properties.Kustomizations {
		if !compliant[cfg.Name+"-"+k] {
			return false
		}
	}
	return true
}

func timeoutError(name, until string, last *dpv1.FluxConfiguration) error {
	if last == nil {
		return fmt.Errorf("timed out waiting for configuration %s to be %s", name, until)
	}
	p := last.Properties
	return fmt.Errorf("timed out waiting for configuration %s to be %s: provisioning %s, compliance %s, objects %s%s",
		name, until, orDash(p.ProvisioningState), orDash(p.ComplianceState), objectSummary(p.Statuses), failing(p.Statuses))
}

// failing names the objects that are not Compliant, with their Ready message.
func failing(statuses []dpv1.ObjectStatusDefinition) string {
	out := ""
	for _, s := range statuses {
		if s.ComplianceState != "Compliant" {
			out += fmt.Sprintf("\n  %s %s/%s: %s %s", s.Kind, s.Namespace, s.Name, orDash(s.ComplianceState), readyMessage(s))
		}
	}
	return out
}

// completeNames completes --name with the configurations of the cluster.
func (a *app) completeNames(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	cl, err := a.cluster()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), 3*time.Second)
	defer cancel()
	cfgs, err := cl.List(ctx)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return namesOf(cfgs, func(c *dpv1.FluxConfiguration) string { return c.Name }), cobra.ShellCompDirectiveNoFileComp
}

// fixedCompletion completes a flag with a fixed set of values.
func fixedCompletion(values ...string) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

func completeSourceFlags(cmd *cobra.Command) {
	for flag, values := range map[string][]string{
		"kind": sortedKeys(sourceKinds), "scope": {"cluster", "namespace"}, "provider": sortedKeys(gitProviders),
		"oci-operation": {"extract", "copy"},
	} {
		if cmd.Flags().Lookup(flag) != nil {
			_ = cmd.RegisterFlagCompletionFunc(flag, fixedCompletion(values...))
		}
	}
}

// generatesKey: an SSH git URL without a key or a local Secret, so the controller makes a key.
func generatesKey(f *sourceFlags) bool {
	ssh := strings.HasPrefix(f.url, "ssh://") || strings.HasPrefix(f.url, "git@")
	return f.kind == "git" && ssh && !f.changed("ssh-private-key") && !f.changed("ssh-private-key-file") && !f.changed("local-auth-ref")
}
