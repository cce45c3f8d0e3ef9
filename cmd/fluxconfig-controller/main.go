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

// Command fluxconfig-controller reconciles FluxConfig objects into Flux sources,
// Kustomizations, auth Secrets and tenant RBAC. `fluxconfig-controller cleanup` is the chart's
// pre-delete hook: it deletes the release's FluxConfigs and waits until they are cleaned up.
// `fluxconfig-controller preflight` is its pre-install hook: it refuses a cluster that runs a
// Flux this release would fight with.
package main

import (
	"context"
	"flag"
	"os"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/fluxconfig/fluxconfig/internal/cleanup"
	"github.com/fluxconfig/fluxconfig/internal/controller"
	"github.com/fluxconfig/fluxconfig/internal/preflight"
	"github.com/fluxconfig/fluxconfig/internal/render"
	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/tenancy"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "cleanup" {
		os.Exit(runCleanup(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == "preflight" {
		os.Exit(runPreflight(os.Args[2:]))
	}
	var (
		metricsAddr         string
		healthAddr          string
		leaderElect         bool
		multiTenancyEnforce bool
		leaderElectionNS    string
		concurrency         int
		qps                 float64
		burst               int
		resync              time.Duration
		reconcileTimeout    time.Duration
		watchNamespace      string
		protectedNamespaces string
	)
	flag.StringVar(&metricsAddr, "metrics-bind-address", ":8080", "Address the metrics endpoint binds to; 0 disables it.")
	flag.StringVar(&healthAddr, "health-probe-bind-address", ":8081", "Address the health and readiness probes bind to.")
	flag.BoolVar(&leaderElect, "leader-elect", false, "Elect a leader so only one replica reconciles at a time.")
	flag.StringVar(&leaderElectionNS, "leader-election-namespace", "", "Namespace of the leader election lease; the pod's namespace when empty.")
	flag.BoolVar(&multiTenancyEnforce, "multi-tenancy-enforce", true, "Apply every Kustomization as the flux-applier account of its namespace.")
	flag.IntVar(&concurrency, "concurrent", 4, "How many FluxConfigs are reconciled at once.")
	flag.Float64Var(&qps, "kube-api-qps", 50, "Queries per second to the API server.")
	flag.IntVar(&burst, "kube-api-burst", 100, "Burst of queries to the API server.")
	flag.DurationVar(&resync, "resync-interval", 10*time.Minute, "How often a settled FluxConfig is reconciled again.")
	flag.DurationVar(&reconcileTimeout, "reconcile-timeout", controller.DefaultReconcileTimeout, "How long one reconcile may take before it is cancelled and retried.")
	flag.StringVar(&watchNamespace, "watch-namespace", "", "Reconcile only the FluxConfigs of this namespace; all namespaces when empty.")
	flag.StringVar(&protectedNamespaces, "protected-namespaces", strings.Join(tenancy.DefaultProtectedNamespaces, ","),
		"Comma-separated namespaces whose FluxConfigs are refused. The release namespace ("+tenancy.ReleaseNamespaceEnv+
			") is added when all namespaces are watched.")
	opts := zap.Options{}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))
	log := ctrl.Log.WithName("setup")

	cfg := ctrl.GetConfigOrDie()
	cfg.QPS, cfg.Burst = float32(qps), burst
	ctx := ctrl.SetupSignalHandler()
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		log.Error(err, "Unable to create a discovery client")
		os.Exit(1)
	}
	fluxAPIs := controller.NewFluxAPIs(dc, controller.FluxGVKs())
	if err := controller.ServeHealthWhile(healthAddr, func() error { return fluxAPIs.WaitForRequired(ctx, log) }); err != nil {
		log.Error(err, "Stopped before the Flux CRDs were served")
		os.Exit(1)
	}
	cacheOpts := controller.CacheOptions()
	if watchNamespace != "" {
		cacheOpts.DefaultNamespaces = map[string]cache.Config{watchNamespace: {}}
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  scheme.New(),
		Cache:                   cacheOpts,
		Metrics:                 metricsserver.Options{BindAddress: metricsAddr},
		HealthProbeBindAddress:  healthAddr,
		LeaderElection:          leaderElect,
		LeaderElectionID:        "fluxconfig-controller.clusterconfig.azure.com",
		LeaderElectionNamespace: leaderElectionNS,
	})
	if err != nil {
		log.Error(err, "Unable to create manager")
		os.Exit(1)
	}
	reconciler := &controller.FluxConfigReconciler{
		Client:           mgr.GetClient(),
		APIReader:        mgr.GetAPIReader(),
		Scheme:           mgr.GetScheme(),
		Recorder:         mgr.GetEventRecorder(controller.FieldManager),
		MultiTenancy:     multiTenancyEnforce,
		KnownHosts:       render.BuiltInKnownHosts,
		ResyncInterval:   resync,
		ReconcileTimeout: reconcileTimeout,
		WatchNamespace:   watchNamespace,
		Protected: tenancy.ForWatch(strings.Split(protectedNamespaces, ","),
			tenancy.ReleaseNamespace(), watchNamespace),
		FluxAPIs: fluxAPIs,
	}
	if err := reconciler.SetupWithManager(mgr, concurrency); err != nil {
		log.Error(err, "Unable to set up the FluxConfig controller")
		os.Exit(1)
	}

	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		log.Error(err, "Unable to set up health check")
		os.Exit(1)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		log.Error(err, "Unable to set up ready check")
		os.Exit(1)
	}
	log.Info("Starting manager")
	if err := mgr.Start(ctx); err != nil {
		log.Error(err, "Manager stopped with an error")
		os.Exit(1)
	}
}

// runCleanup is the pre-delete hook: delete the release's FluxConfigs, wait for the controller
// to clean each one up, and fail (so the uninstall stops) if that does not happen in time.
func runCleanup(args []string) int {
	fs := flag.NewFlagSet("cleanup", flag.ContinueOnError)
	timeout := fs.Duration("timeout", 10*time.Minute, "How long to wait for the FluxConfigs to be cleaned up.")
	agent := fs.String("agent-deployment", "", "namespace/name of the fluxconfig-agent Deployment to stop first, if the release runs one.")
	watchNamespace := fs.String("watch-namespace", "", "The release's watch namespace: only its FluxConfigs are deleted; all namespaces when empty.")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var agentKey types.NamespacedName
	if *agent != "" {
		ns, name, ok := strings.Cut(*agent, "/")
		if !ok || ns == "" || name == "" {
			os.Stderr.WriteString("--agent-deployment must be namespace/name\n")
			return 2
		}
		agentKey = types.NamespacedName{Namespace: ns, Name: name}
	}
	c, err := client.New(ctrl.GetConfigOrDie(), client.Options{Scheme: scheme.New()})
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 1
	}
	ctx, cancel := context.WithCancel(ctrl.SetupSignalHandler())
	defer cancel()
	if err := cleanup.Run(ctx, c, cleanup.Options{Timeout: *timeout, Out: os.Stdout, Agent: agentKey,
		Namespace: *watchNamespace}); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 1
	}
	return 0
}

// runPreflight is the pre-install hook: fail, saying what was found and what to do, when the
// cluster runs Flux v1, a Flux v2 of its own while the chart would install another, or a
// fluxconfig-controller whose watch scope overlaps the release's.
func runPreflight(args []string) int {
	fs := flag.NewFlagSet("preflight", flag.ContinueOnError)
	var opts preflight.Options
	fs.StringVar(&opts.Release, "release", "", "Name of the Helm release being installed.")
	fs.StringVar(&opts.Namespace, "release-namespace", tenancy.ReleaseNamespace(), "Namespace of the release being installed (env POD_NAMESPACE).")
	fs.BoolVar(&opts.FluxInstall, "flux-install", true, "The chart installs the Flux controllers (flux.install).")
	fs.StringVar(&opts.WatchNamespace, "watch-namespace", "", "The release's watch namespace; all namespaces when empty.")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if opts.Release == "" || opts.Namespace == "" {
		os.Stderr.WriteString("--release and --release-namespace are required\n")
		return 2
	}
	c, err := client.New(ctrl.GetConfigOrDie(), client.Options{Scheme: scheme.New()})
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 1
	}
	ctx, cancel := context.WithTimeout(ctrl.SetupSignalHandler(), 2*time.Minute)
	defer cancel()
	findings, err := preflight.Check(ctx, c, opts)
	if err == nil {
		err = findings.Err(opts)
	}
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 1
	}
	os.Stdout.WriteString("No other Flux found; installing\n")
	return 0
}
