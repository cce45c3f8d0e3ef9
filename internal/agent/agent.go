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

// Package agent holds what fluxconfig-agent's poller and status reporter share: the labels
// and annotations it stamps on the FluxConfigs it manages, and its metrics.
package agent

import (
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// FieldOwner is the server-side apply field manager of every write of the agent. Never
// rename it: that would orphan the fields it owns.
const FieldOwner = "fluxconfig-agent"

// ProtectedParametersSecretName is the Secret that holds a configuration's protected
// settings, base64-decoded.
func ProtectedParametersSecretName(config string) string { return config + "-protected-parameters" }

// UserAgent is the User-Agent of the agent's requests, fluxconfig-agent/<version>, so the
// endpoint can show which agent version each cluster runs. The version is the module's
// (a tag, or a pseudo-version with the commit), or the commit of a build outside a module
// version; "devel" when neither is known.
func UserAgent() string {
	version := "devel"
	if info, ok := debug.ReadBuildInfo(); ok {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			version = v
		} else {
			for _, s := range info.Settings {
				if s.Key == "vcs.revision" && len(s.Value) >= 12 {
					version = s.Value[:12]
				}
			}
		}
	}
	return "fluxconfig-agent/" + version
}

// Metrics of the agent, registered with the controller-runtime registry.
var (
	PollDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "fluxconfig_agent_poll_duration_seconds", Help: "Duration of one poll of the configuration endpoint, including convergence.",
		Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
	})
	LastSuccessfulPoll = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "fluxconfig_agent_last_successful_poll_timestamp_seconds", Help: "Unix time of the last poll that succeeded.",
	})
	UpstreamConnected = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "fluxconfig_agent_upstream_connected", Help: "1 when the last poll of the endpoint succeeded; the reason label says why not.",
	}, []string{"reason"})
	ApplyErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "fluxconfig_agent_apply_errors_total", Help: "Configurations that could not be applied.",
	})
	ReportErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "fluxconfig_agent_report_errors_total", Help: "Status reports the endpoint did not accept.",
	})
)

func init() {
	metrics.Registry.MustRegister(PollDuration, LastSuccessfulPoll, UpstreamConnected, ApplyErrors, ReportErrors)
}
