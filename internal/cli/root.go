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

// Package cli is the fluxconfig command line: the verbs of `az k8s-configuration flux`
// against the configuration endpoint's management API, through its typed client.
package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1
	// ExitUsage is a command line the CLI could not parse.
	ExitUsage = 2
)

// Streams are the CLI's standard streams.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
	// InIsTerminal: a confirmation can be asked on In.
	InIsTerminal bool
}

// OSStreams are the process's standard streams.
func OSStreams() Streams {
	fi, err := os.Stdin.Stat()
	return Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, InIsTerminal: err == nil && fi.Mode()&os.ModeCharDevice != 0}
}

// app is the state every command shares.
type app struct {
	streams Streams
	getenv  func(string) string
	conn    connection
	output  string
}

// flagAliases are az's other names of our flags.
var flagAliases = map[string]string{
	"cluster-name": "cluster", "ns": "namespace", "sync-interval": "interval", "local-ref": "local-auth-ref",
	"dependencies": "depends-on", "depends": "depends-on",
	"service-principal-client-id": "sp-client-id", "service-principal-tenant-id": "sp-tenant-id",
	"service-principal-client-secret": "sp-client-secret", "service-principal-client-certificate": "sp-client-cert",
	"service-principal-client-certificate-password":   "sp-cert-password",
	"service-principal-client-certificate-send-chain": "sp-cert-send-chain",
	"managed-identity-client-id":                      "mi-client-id",
	"oci-layer-selector-media-type":                   "oci-media-type", "oci-layer-selector-operation": "oci-operation",
}

// usageError is a command line that could not be parsed.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// Main runs the CLI with args (without the program name) and returns the exit code.
func Main(args []string, streams Streams, getenv func(string) string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	root := NewRootCommand(streams, getenv)
	root.SetArgs(rewriteArgs(args))
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprint(streams.Err, describeError(err))
	var ue usageError
	if errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown command") {
		fmt.Fprintf(streams.Err, "Run '%s --help' for usage.\n", cmd.CommandPath())
		return ExitUsage
	}
	return ExitError
}

// NewRootCommand builds the command tree.
func NewRootCommand(streams Streams, getenv func(string) string) *cobra.Command {
	a := &app{streams: streams, getenv: getenv}
	root := &cobra.Command{
		Use:   "fluxconfig",
		Short: "Manage the Flux configurations of clusters at a fluxconfig endpoint",
		Long: `fluxconfig manages the Flux configurations a fluxconfig endpoint serves to the agents of its
clusters, with the verbs and flags of 'az k8s-configuration flux'.

The endpoint, token and cluster come from flags, then the environment (FLUXCONFIG_ENDPOINT,
FLUXCONFIG_TOKEN or FLUXCONFIG_TOKEN_FILE, FLUXCONFIG_CA_FILE, FLUXCONFIG_CLUSTER), then the
config file (~/.config/fluxconfig/config.yaml, or --config):

  endpoint: https://config.example.com
  token-file: admin-token        # relative to the config file
  cluster: prod-1

Secrets (--https-key, --ssh-private-key, --bucket-secret-key, --protected-parameters, ...) are
read from a file (@FILE) or stdin (-). A secret on the command line is accepted with a warning:
other users see it in the process list, and it stays in the shell history.

'fluxconfig cluster' registers the endpoint's clusters and their agent tokens, and
'fluxconfig fleet' manages fleet configurations: one configuration for every registered
cluster a label selector picks, with its status across them.

Exit status: 0 on success, 1 when the endpoint or the input refused the command, 2 when the
command line could not be parsed.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			return checkOutput(a.output)
		},
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.Err)
	a.conn.addFlags(root.PersistentFlags())
	root.PersistentFlags().StringVarP(&a.output, "output", "o", outputTable, "output format: table, json or yaml")
	_ = root.RegisterFlagCompletionFunc("output", fixedCompletion(outputTable, outputJSON, outputYAML))
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.SetGlobalNormalizationFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if to, ok := flagAliases[name]; ok {
			return pflag.NormalizedName(to)
		}
		return pflag.NormalizedName(name)
	})
	root.AddCommand(a.createCommand(), a.updateCommand(), a.showCommand(), a.listCommand(), a.deleteCommand(),
		a.waitCommand(), a.kustomizationCommand(), a.deployedObjectCommand(), a.clusterCommand(), a.fleetCommand())
	// Added here rather than at Execute, so the tree is whole for the help tests.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	return root
}

// rewriteArgs joins az's "--kustomization name=a path=./x" (the pairs as separate
// arguments) into one value per --kustomization, as pflag takes one argument per flag.
func rewriteArgs(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			return append(out, args[i:]...)
		}
		inline := strings.HasPrefix(arg, "--kustomization=")
		var value string
		switch {
		case (arg == "--kustomization" || arg == "-k") && i+1 < len(args):
			i++
			value = args[i]
		case inline:
			value = strings.TrimPrefix(arg, "--kustomization=")
		default:
			out = append(out, arg)
			continue
		}
		for i+1 < len(args) && strings.Contains(args[i+1], "=") && !strings.HasPrefix(args[i+1], "-") {
			i++
			value += " " + args[i]
		}
		if inline {
			out = append(out, "--kustomization="+value)
		} else {
			out = append(out, arg, value)
		}
	}
	return out
}

// cluster is the typed client of the cluster the flags, environment and config file name.
func (a *app) cluster() (*client.Cluster, error) {
	r, err := a.conn.resolve(a.getenv)
	if err != nil {
		return nil, err
	}
	return r.client(a.conn.timeout)
}

// readConfig reads configuration name of the cluster the flags, environment and config file
// name, and returns that cluster's client for what follows.
func (a *app) readConfig(ctx context.Context, name string) (*client.Cluster, *dpv1.FluxConfiguration, error) {
	cl, err := a.cluster()
	if err != nil {
		return nil, nil, err
	}
	cfg, err := cl.Get(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	return cl, cfg, nil
}

// configReader makes cmd a verb that reads the configuration --name names (into *name, for
// the completion of other flags) and shows what show makes of it.
func (a *app) configReader(cmd *cobra.Command, name *string, show func(cfg *dpv1.FluxConfiguration) error) *cobra.Command {
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		_, cfg, err := a.readConfig(cmd.Context(), *name)
		if err != nil {
			return err
		}
		return show(cfg)
	}
	a.addNameFlag(cmd, name)
	return cmd
}

// endpoint is the typed client of the endpoint the flags, environment and config file name.
func (a *app) endpoint() (*client.Client, error) {
	r, err := a.conn.resolve(a.getenv)
	if err != nil {
		return nil, err
	}
	return r.endpointClient(a.conn.timeout)
}

// secrets reads the secret flags of one command.
func (a *app) secrets() *secretReader {
	return &secretReader{stdin: a.streams.In, warn: a.streams.Err}
}

// render writes v in the chosen output format.
func (a *app) render(v any, table func(io.Writer)) error {
	return render(a.streams.Out, a.output, v, table)
}

// note tells the user something in table output; JSON and YAML stay machine-readable.
func (a *app) note(format string, args ...any) {
	if a.output == outputTable {
		fmt.Fprintf(a.streams.Out, format+"\n", args...)
	}
}

// reportDeleted answers a delete that is done: {name, deleted: true} in -o json|yaml, else
// the note done, which names the object with its one %s.
func (a *app) reportDeleted(name, done string) error {
	if a.output != outputTable {
		return a.render(map[string]any{"name": name, "deleted": true}, nil)
	}
	a.note(done, name)
	return nil
}

var errAborted = errors.New("aborted; nothing was changed")

// confirm asks question on the terminal unless yes; without a terminal it refuses.
func (a *app) confirm(question string, yes bool) error {
	if yes {
		return nil
	}
	if !a.streams.InIsTerminal {
		return errors.New(question + " Pass --yes to confirm: stdin is not a terminal to ask on")
	}
	fmt.Fprintf(a.streams.Err, "%s (y/N): ", question)
	line, _ := bufio.NewReader(a.streams.In).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return errAborted
}

// requireName marks --name required and completes it with the cluster's configurations.
func (a *app) addNameFlag(cmd *cobra.Command, name *string) {
	cmd.Flags().StringVarP(name, "name", "n", "", "name of the flux configuration")
	_ = cmd.MarkFlagRequired("name")
	_ = cmd.RegisterFlagCompletionFunc("name", a.completeNames)
}
