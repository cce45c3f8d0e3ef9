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

// Command fluxconfig-endpoint is the reference configuration endpoint: it stores the
// FluxConfigs declared per cluster, serves them to agents, and keeps the status they report.
package main

import (
	"context"
	"errors"
	"flag"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/fluxconfig/fluxconfig/internal/dashboard"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
	"github.com/fluxconfig/fluxconfig/internal/tenancy"
)

func main() {
	var (
		listen        string
		dataFile      string
		databaseURL   string
		adminToken    string
		clusterTokens string
		tlsCert       string
		tlsKey        string
		protected     string
		sweepInterval time.Duration
		tokenRecheck  time.Duration
		authoritative bool
		agentPoll     time.Duration
		persistPolls  time.Duration
		sharePolls    time.Duration
	)
	serve := endpoint.DefaultServeOptions()
	flag.StringVar(&listen, "listen", "127.0.0.1:8443", "Address to serve on.")
	flag.StringVar(&dataFile, "data", "fluxconfig-endpoint.db", "File of the durable store.")
	flag.StringVar(&databaseURL, "database-url", "", "PostgreSQL URL (postgres://user@host:5432/db) of a store that several replicas share, "+
		"instead of --data; $"+databaseURLEnv+" is read when the flag is absent, which keeps a password out of the process list.")
	flag.StringVar(&adminToken, "admin-token-file", "", "File holding the management API's bearer token.")
	flag.StringVar(&clusterTokens, "cluster-tokens-dir", "", "Directory with one bearer-token file per cluster, named after the cluster; "+
		"optional beside the cluster registry's tokens (PUT /v1/clusters/{cluster}).")
	flag.StringVar(&tlsCert, "tls-cert-file", "", "PEM certificate to serve TLS with; plain HTTP when empty.")
	flag.StringVar(&tlsKey, "tls-key-file", "", "PEM private key of the TLS certificate.")
	flag.StringVar(&protected, "protected-namespaces", strings.Join(tenancy.DefaultProtectedNamespaces, ","),
		"Comma-separated namespaces no configuration may use; empty protects none.")
	flag.IntVar(&serve.MaxConnections, "max-connections", serve.MaxConnections,
		"Open connections at most; above it the one waiting longest without a request is closed.")
	flag.DurationVar(&serve.ShutdownTimeout, "shutdown-timeout", serve.ShutdownTimeout,
		"How long requests in flight may take to finish after SIGTERM.")
	flag.DurationVar(&tokenRecheck, "token-recheck-interval", time.Second, "How long a token file is trusted before it is read again; 0 reads it at every request.")
	flag.DurationVar(&sweepInterval, "sweep-interval", time.Minute, "How often expired protected settings and operations are swept.")
	flag.BoolVar(&authoritative, "authoritative", false, "Mark the desired sets served to agents as complete, so an agent prunes every configuration "+
		"this endpoint no longer lists, beyond its --prune-limit. Only for a store known to be whole.")
	flag.DurationVar(&agentPoll, "agent-poll-interval", 30*time.Second, "The agents' poll interval: after three of them without a poll or status report the dashboard at /ui/ shows a cluster as Disconnected "+
		"and the cluster registry as connected=false.")
	flag.DurationVar(&persistPolls, "cluster-poll-persist-interval", time.Minute, "How often the registered clusters' last poll times and agent "+
		"versions are written to the bbolt store, in one batch; polls themselves never write.")
	flag.DurationVar(&sharePolls, "cluster-poll-share-interval", endpoint.DefaultContactShareInterval, "With --database-url, how often each replica "+
		"writes the last polls it served, in one statement, and reads the other replicas'; this is also their persistence.")
	opts := zap.Options{}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	log := zap.New(zap.UseFlagOptions(&opts)).WithName("fluxconfig-endpoint")

	if adminToken == "" {
		log.Error(errors.New("--admin-token-file is required"), "Invalid flags")
		os.Exit(2)
	}
	if persistPolls <= 0 {
		log.Error(errors.New("--cluster-poll-persist-interval must be positive"), "Invalid flags")
		os.Exit(2)
	}
	if sharePolls <= 0 {
		log.Error(errors.New("--cluster-poll-share-interval must be positive"), "Invalid flags")
		os.Exit(2)
	}
	if (tlsCert == "") != (tlsKey == "") {
		log.Error(errors.New("--tls-cert-file and --tls-key-file go together"), "Invalid flags")
		os.Exit(2)
	}
	if databaseURL == "" {
		databaseURL = os.Getenv(databaseURLEnv)
	}
	if databaseURL != "" && flagSet("data") {
		log.Error(errors.New("--database-url (or $"+databaseURLEnv+") and --data are mutually exclusive: the store is either PostgreSQL or a bbolt file"), "Invalid flags")
		os.Exit(2)
	}
	serve.CertFile, serve.KeyFile = tlsCert, tlsKey
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		log.Error(err, "Unable to listen", "address", listen)
		os.Exit(1)
	}
	store, err := openStore(context.Background(), dataFile, databaseURL)
	if err != nil {
		log.Error(err, "Unable to open the store")
		os.Exit(1)
	}
	srv := &endpoint.Server{
		Store:     store,
		Tokens:    &endpoint.Tokens{AdminFile: adminToken, ClusterDir: clusterTokens, Recheck: tokenRecheck},
		Now:       time.Now,
		Log:       log,
		Protected: tenancy.NewProtected(strings.Split(protected, ","), ""),

		ContactShareInterval: sharePolls,
	}
	srv.Authoritative = authoritative
	if srv.Registry, err = endpoint.NewRegistry(context.Background(), store); err != nil {
		_ = store.Close()
		log.Error(err, "Unable to load the cluster registry")
		os.Exit(1)
	}
	srv.Registry.PollInterval = agentPoll
	srv.Fleets = store
	dash, err := dashboard.Mount(context.Background(), srv, dashboard.Options{PollInterval: agentPoll})
	if err != nil {
		_ = store.Close()
		log.Error(err, "Unable to index the store for the dashboard")
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopReplica := func() {}
	if pg, ok := store.(*endpoint.PgStore); ok {
		stopReplica = endpoint.Replicate(ctx, srv, pg, dash.Index().Changed)
	}
	// After Replicate: with PostgreSQL, the placement takes the fleet lock across replicas.
	if err := srv.ReconcileFleets(ctx); err != nil {
		stop()
		stopReplica()
		_ = store.Close()
		log.Error(err, "Unable to place the fleet configurations")
		os.Exit(1)
	}
	// Now, not at the first status request, which would wait for a read of every record.
	if err := srv.LoadFleetStatus(ctx); err != nil {
		log.Error(err, "Unable to load the fleet status; the first status request loads it")
	}
	sweeping := make(chan struct{})
	go func() { defer close(sweeping); srv.Run(ctx, sweepInterval) }()
	persisting := make(chan struct{})
	go func() { defer close(persisting); srv.RunContacts(ctx, persistPolls) }()

	serve.OnShutdown = srv.EndLongPolls
	log.Info("Serving", "address", ln.Addr().String(), "tls", tlsCert != "")
	err = endpoint.Serve(ctx, ln, srv.Handler(), serve)
	stop()
	// The store closes only after every accepted request has been answered, the sweep has
	// ended and the last polls are persisted.
	<-sweeping
	<-persisting
	stopReplica()
	if closeErr := store.Close(); closeErr != nil {
		err = errors.Join(err, closeErr)
	}
	if err != nil {
		log.Error(err, "Serving failed")
		os.Exit(1)
	}
	log.Info("Stopped")
}
