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

// Command fluxconfig-agent polls a configuration endpoint for the FluxConfigs declared for
// this cluster, writes them and their protected parameters, and reports status back.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	var (
		endpoint       string
		cluster        string
		tokenFile      string
		caFile         string
		pollInterval   time.Duration
		statusInterval time.Duration
	)
	flag.StringVar(&endpoint, "endpoint", "", "URL of the configuration endpoint.")
	flag.StringVar(&cluster, "cluster-name", "", "Name of this cluster at the endpoint.")
	flag.StringVar(&tokenFile, "token-file", "", "File holding the bearer token for the endpoint.")
	flag.StringVar(&caFile, "ca-file", "", "PEM CA bundle trusted for the endpoint's TLS certificate.")
	flag.DurationVar(&pollInterval, "poll-interval", 30*time.Second, "How often the endpoint is polled (jittered).")
	flag.DurationVar(&statusInterval, "status-interval", 60*time.Second, "Minimum time between two status reports of one FluxConfig.")
	flag.Parse()

	fmt.Fprintln(os.Stderr, "fluxconfig-agent: polling is not implemented in this build")
	os.Exit(2)
}
