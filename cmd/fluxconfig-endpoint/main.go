/*
Copyright 2026 The fluxconfig Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Command fluxconfig-endpoint is the reference configuration endpoint: it stores the
// FluxConfigs declared per cluster, serves them to agents, and keeps the status they report.
package main

import (
	"context"
	"errors"
	"flag"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/fluxconfig/fluxconfig/internal/endpoint"
)

func main() {
	var (
		listen        string
		dataFile      string
		adminToken    string
		clusterTokens string
		tlsCert       string
		tlsKey        string
		sweepInterval time.Duration
		tokenRecheck  time.Duration
	)
	flag.StringVar(&listen, "listen", "127.0.0.1:8443", "Address to serve on.")
	flag.StringVar(&dataFile, "data", "fluxconfig-endpoint.db", "File of the durable store.")
	flag.StringVar(&adminToken, "admin-token-file", "", "File holding the management API's bearer token.")
	flag.StringVar(&clusterTokens, "cluster-tokens-dir", "", "Directory with one bearer-token file per cluster, named after the cluster.")
	flag.StringVar(&tlsCert, "tls-cert-file", "", "PEM certificate to serve TLS with; plain HTTP when empty.")
	flag.StringVar(&tlsKey, "tls-key-file", "", "PEM private key of the TLS certificate.")
	flag.DurationVar(&tokenRecheck, "token-recheck-interval", time.Second, "How long a token file is trusted before it is checked for a change again; 0 checks at every request.")
	flag.DurationVar(&sweepInterval, "sweep-interval", time.Minute, "How often expired protected settings and operations are swept.")
	opts := zap.Options{}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	log := zap.New(zap.UseFlagOptions(&opts)).WithName("fluxconfig-endpoint")

	if adminToken == "" || clusterTokens == "" {
		log.Error(errors.New("--admin-token-file and --cluster-tokens-dir are required"), "Invalid flags")
		os.Exit(2)
	}
	if (tlsCert == "") != (tlsKey == "") {
		log.Error(errors.New("--tls-cert-file and --tls-key-file go together"), "Invalid flags")
		os.Exit(2)
	}
	store, err := endpoint.OpenBolt(dataFile)
	if err != nil {
		log.Error(err, "Unable to open the store")
		os.Exit(1)
	}
	defer func() { _ = store.Close() }()

	srv := &endpoint.Server{
		Store:  store,
		Tokens: &endpoint.Tokens{AdminFile: adminToken, ClusterDir: clusterTokens, Recheck: tokenRecheck},
		Now:    time.Now,
		Log:    log,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go srv.Run(ctx, sweepInterval)

	httpSrv := &http.Server{Addr: listen, Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = httpSrv.Shutdown(shutdown)
	}()
	log.Info("Serving", "address", listen, "tls", tlsCert != "")
	if tlsCert != "" {
		err = httpSrv.ListenAndServeTLS(tlsCert, tlsKey)
	} else {
		err = httpSrv.ListenAndServe()
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error(err, "Serving failed")
		stop()
		os.Exit(1) //nolint:gocritic // stop, the only deferred call, has run
	}
}
