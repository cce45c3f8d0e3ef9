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

// Command fluxconfig-agent polls a configuration endpoint for the FluxConfigs declared for
// this cluster, writes them and their protected parameters, and reports status back.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/agent"
	"github.com/fluxconfig/fluxconfig/internal/agent/drift"
	"github.com/fluxconfig/fluxconfig/internal/agent/health"
	"github.com/fluxconfig/fluxconfig/internal/agent/poller"
	"github.com/fluxconfig/fluxconfig/internal/agent/reporter"
	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/tenancy"
)

func main() {
	var (
		endpoint, cluster, tokenFile, caFile string
		pollInterval, statusInterval         time.Duration
		longPollWait                         time.Duration
		metricsAddr, healthAddr, leaderNS    string
		leaderElect                          bool
		concurrency, pruneLimit              int
		protectedNamespaces                  string
	)
	flag.StringVar(&endpoint, "endpoint", os.Getenv("FLUXCONFIG_ENDPOINT"), "URL of the configuration endpoint (env FLUXCONFIG_ENDPOINT).")
	flag.StringVar(&cluster, "cluster-name", os.Getenv("FLUXCONFIG_CLUSTER_NAME"), "Name of this cluster at the endpoint (env FLUXCONFIG_CLUSTER_NAME).")
	flag.StringVar(&tokenFile, "token-file", os.Getenv("FLUXCONFIG_TOKEN_FILE"), "File holding the bearer token for the endpoint; re-read for every request.")
	flag.StringVar(&caFile, "ca-file", os.Getenv("FLUXCONFIG_CA_FILE"), "PEM CA bundle trusted for the endpoint's TLS certificate.")
	flag.DurationVar(&pollInterval, "poll-interval", 30*time.Second, "How often the endpoint is polled (jittered).")
	flag.DurationVar(&longPollWait, "long-poll-wait", 30*time.Second, "How long the endpoint may hold a poll until the desired set changes, "+
		"so a change arrives in about a second; at most --poll-interval and 60s; 0 disables long-poll. Against an endpoint that answers at once the agent polls every --poll-interval.")
	flag.DurationVar(&statusInterval, "status-interval", 60*time.Second, "Minimum time between two status reports of one FluxConfig.")
	flag.StringVar(&metricsAddr, "metrics-bind-address", ":8080", "Address the metrics endpoint binds to; 0 disables it.")
	flag.StringVar(&healthAddr, "health-probe-bind-address", ":8081", "Address the health and readiness probes bind to.")
	flag.IntVar(&concurrency, "concurrent", poller.DefaultConcurrency, "How many configurations are applied at once.")
	flag.IntVar(&pruneLimit, "prune-limit", poller.DefaultPruneLimit, "Most FluxConfigs one poll may delete because the endpoint no longer lists them; "+
		"more, or more than half of the agent's, are held back (readiness fails) unless the endpoint's list is authoritative.")
	flag.StringVar(&protectedNamespaces, "protected-namespaces", strings.Join(tenancy.DefaultProtectedNamespaces, ","),
		"Comma-separated namespaces no configuration may use; the release namespace ("+tenancy.ReleaseNamespaceEnv+") is always added.")
	flag.BoolVar(&leaderElect, "leader-elect", false, "Elect a leader so only one replica polls and reports.")
	flag.StringVar(&leaderNS, "leader-election-namespace", "", "Namespace of the leader election lease; the pod's namespace when empty.")
	opts := zap.Options{}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))
	log := ctrl.Log.WithName("setup")

	api, err := client.New(client.Options{Endpoint: endpoint, TokenFile: tokenFile, CAFile: caFile,
		UserAgent: agent.UserAgent()})
	if err == nil && cluster == "" {
		err = errors.New("the cluster name is required (--cluster-name)")
	}
	var identity agent.Identity
	if err == nil {
		identity, err = agent.NewIdentity(endpoint, cluster)
	}
	if err == nil && (longPollWait < 0 || longPollWait > dpv1.MaxLongPollWait) {
		err = fmt.Errorf("--long-poll-wait is %s: it must be 0 (off) up to %s", longPollWait, dpv1.MaxLongPollWait)
	}
	if err == nil && pruneLimit < 1 {
		err = fmt.Errorf("--prune-limit is %d: it must be at least 1", pruneLimit)
	}
	if err != nil {
		log.Error(err, "Invalid endpoint settings")
		os.Exit(2)
	}
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:  scheme.New(),
		Metrics: metricsserver.Options{BindAddress: metricsAddr},
		// The probes are served by health.Server, which tells why the agent is not ready.
		HealthProbeBindAddress:  "0",
		LeaderElection:          leaderElect,
		LeaderElectionID:        "fluxconfig-agent.clusterconfig.azure.com",
		LeaderElectionNamespace: leaderNS,
		// Protected parameters must not sit in an informer cache.
		Client: ctrlclient.Options{Cache: &ctrlclient.CacheOptions{DisableFor: []ctrlclient.Object{&corev1.Secret{}}}},
	})
	if err != nil {
		log.Error(err, "Unable to create manager")
		os.Exit(1)
	}
	config := api.Cluster(cluster)
	recorder := mgr.GetEventRecorder(agent.FieldOwner)
	desired := &drift.Desired{}
	p := &poller.Poller{
		Client: mgr.GetClient(), Config: config, Interval: pollInterval, LongPollWait: longPollWait, Now: time.Now,
		Concurrency: concurrency, Log: ctrl.Log.WithName("poller"),
		Identity: identity, PruneLimit: pruneLimit, StateNamespace: tenancy.ReleaseNamespace(),
		Protected: tenancy.NewProtected(strings.Split(protectedNamespaces, ","), tenancy.ReleaseNamespace()),
		Desired:   desired, Recorder: recorder,
	}
	if err := mgr.Add(p); err != nil {
		log.Error(err, "Unable to add the poller")
		os.Exit(1)
	}
	repairer := &drift.Repairer{Client: mgr.GetClient(), Reader: mgr.GetAPIReader(), Desired: desired, Recorder: recorder}
	if err := repairer.SetupWithManager(mgr); err != nil {
		log.Error(err, "Unable to set up drift repair")
		os.Exit(1)
	}
	r := &reporter.Reporter{Client: mgr.GetClient(), Config: config, Interval: statusInterval, Now: time.Now, Identity: identity,
		Hold: p.FirstRound()}
	if err := r.SetupWithManager(mgr); err != nil {
		log.Error(err, "Unable to set up the status reporter")
		os.Exit(1)
	}
	if err := mgr.Add(&health.Server{Addr: healthAddr, Checks: p.ReadyChecks()}); err != nil {
		log.Error(err, "Unable to set up the health probes")
		os.Exit(1)
	}
	log.Info("Starting manager", "endpoint", endpoint, "cluster", cluster, "endpointLabel", identity.Endpoint)
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "Manager stopped with an error")
		os.Exit(1)
	}
}
