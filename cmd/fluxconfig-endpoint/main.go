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
	"flag"
	"fmt"
	"os"
)

func main() {
	var (
		listen        string
		dataFile      string
		adminToken    string
		clusterTokens string
		tlsCert       string
		tlsKey        string
	)
	flag.StringVar(&listen, "listen", "127.0.0.1:8443", "Address to serve on.")
	flag.StringVar(&dataFile, "data", "fluxconfig-endpoint.db", "File of the durable store.")
	flag.StringVar(&adminToken, "admin-token-file", "", "File holding the management API's bearer token.")
	flag.StringVar(&clusterTokens, "cluster-tokens-dir", "", "Directory with one bearer-token file per cluster, named after the cluster.")
	flag.StringVar(&tlsCert, "tls-cert-file", "", "PEM certificate to serve TLS with.")
	flag.StringVar(&tlsKey, "tls-key-file", "", "PEM private key of the TLS certificate.")
	flag.Parse()

	fmt.Fprintln(os.Stderr, "fluxconfig-endpoint: serving is not implemented in this build")
	os.Exit(2)
}
