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

package dashboard_test

import (
	"context"
	"crypto/sha1" //nolint:gosec // a fake Git commit id, not a security use
	"encoding/hex"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// What the fleet fixture seeds, and the tests look for.
const (
	agentVersion  = "fluxconfig-agent/v0.9.0-test"
	failingConfig = "tenant-payments"
	failingOn     = "prod-us-east-2"
	failMessage   = "kustomize build failed: accumulating resources from './payments/overlays/prod': no such file or directory"
	helmRelease   = "payments-api"
	disconnected  = "edge-store-042"
	// protectedValue is a protected setting; no page may show it.
	protectedValue = "c2VjcmV0LXBhdC1kby1ub3Qtc2hvdw=="
)

var fleetClusters = []string{
	"dev-1", "dev-2", "edge-store-017", disconnected, "prod-eu-west-1", "prod-eu-west-2",
	"prod-us-east-1", failingOn, "staging-eu-1", "staging-us-1",
}

var fleetConfigs = []string{"cluster-config", "monitoring", failingConfig, "tenant-search"}

// stateOf is the compliance each cluster reports for each configuration: Compliant unless
// listed; "-" means the cluster does not have it.
var stateOf = map[string]string{
	failingOn + "/" + failingConfig:    "Non-Compliant",
	"staging-us-1/monitoring":          "Pending",
	"dev-2/tenant-search":              "Suspended",
	"dev-1/" + failingConfig:           "-",
	"dev-2/" + failingConfig:           "-",
	"edge-store-017/" + failingConfig:  "-",
	"edge-store-017/tenant-search":     "-",
	disconnected + "/" + failingConfig: "-",
	disconnected + "/tenant-search":    "-",
	"staging-eu-1/tenant-search":       "Unknown",
}

type fleet struct {
	e      *testutil.Endpoint
	clock  *testutil.Clock
	admin  string
	tokens map[string]string
}

// startFleet serves a real endpoint on 127.0.0.1 and seeds it as a platform team and the
// clusters' agents would: configurations PUT through the management API, then each agent
// polls and reports through the agent API. Two minutes later every agent but the
// disconnected one polls again (the dashboard takes 30 s as the poll interval).
func startFleet(t *testing.T) *fleet {
	t.Helper()
	f := &fleet{clock: testutil.NewClock(fixtureStart),
		admin: testutil.NewToken(), tokens: map[string]string{}}
	for _, c := range fleetClusters {
		f.tokens[c] = testutil.NewToken()
	}
	var err error
	f.e, err = testutil.StartEndpoint(t.TempDir(), testutil.EndpointOptions{AdminToken: f.admin,
		Clusters: f.tokens, Now: f.clock.Now, AgentPollInterval: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.e.Close)
	ctx := context.Background()
	admin := f.client(t, f.admin)
	for _, c := range fleetClusters {
		for _, name := range fleetConfigs {
			if stateOf[c+"/"+name] == "-" {
				continue
			}
			if _, err := admin.Cluster(c).Put(ctx, name, configuration(name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range fleetClusters {
		agent := f.client(t, f.tokens[c]).Cluster(c)
		desired, err := agent.ListDesired(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range desired.Items {
			if err := agent.ReportStatus(ctx, d.Name, report(c, d)); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.clock.Advance(2 * time.Minute)
	for _, c := range fleetClusters {
		if c == disconnected {
			continue
		}
		if _, err := f.client(t, f.tokens[c]).Cluster(c).ListDesired(ctx, ""); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *fleet) client(t *testing.T, token string) *client.Client {
	t.Helper()
	c, err := client.New(client.Options{Endpoint: f.e.URL, Token: token, UserAgent: agentVersion})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func configuration(name string) *dpv1.FluxConfiguration {
	prune := true
	return &dpv1.FluxConfiguration{Properties: dpv1.FluxConfigurationProperties{
		Namespace: name, SourceKind: "GitRepository",
		GitRepository: &dpv1.GitRepositoryDefinition{URL: "https://git.example.com/platform/" + name,
			RepositoryRef: &dpv1.RepositoryRefDefinition{Branch: "main"}, HTTPSUser: "git"},
		Kustomizations:                 map[string]*dpv1.KustomizationDefinition{"apps": {Path: "./apps", Prune: &prune}},
		ConfigurationProtectedSettings: map[string]string{"httpsKey": protectedValue},
	}}
}

// fixtureStart is the fake clock's start: the real hour, not a fixed date, because the
// session cookie's Expires follows the fake clock and an HTTP client's cookie jar drops a
// cookie that expired by the real one.
var fixtureStart = time.Now().UTC().Truncate(time.Hour)

// report is what the cluster's agent reports for d, as stateOf says.
func report(cluster string, d dpv1.DesiredConfiguration) *dpv1.StatusReport {
	state := stateOf[cluster+"/"+d.Name]
	if state == "" {
		state = "Compliant"
	}
	sum := sha1.Sum([]byte(cluster + d.Name)) //nolint:gosec // a fake commit id
	at := fixtureStart.Add(-2 * time.Minute)
	ready := func(status, reason, msg string) []dpv1.ObjectStatusConditionDefinition {
		return []dpv1.ObjectStatusConditionDefinition{{Type: "Ready", Status: status, Reason: reason, Message: msg, LastTransitionTime: &at}}
	}
	rep := &dpv1.StatusReport{OperationID: d.OperationID, ProvisioningState: dpv1.ProvisioningSucceeded,
		ObservedStatus: dpv1.ObservedStatus{ComplianceState: state,
			SourceSyncedCommitID: "main@sha1:" + hex.EncodeToString(sum[:]), SourceUpdatedAt: &at,
			Statuses: []dpv1.ObjectStatusDefinition{
				{Kind: "GitRepository", Namespace: d.Name, Name: d.Name, ComplianceState: "Compliant",
					StatusConditions: ready("True", "Succeeded", "stored artifact for revision 'main@sha1:"+hex.EncodeToString(sum[:])+"'")},
			}}}
	ks := dpv1.ObjectStatusDefinition{Kind: "Kustomization", Namespace: d.Name, Name: d.Name + "-apps", ComplianceState: state,
		StatusConditions: ready("True", "ReconciliationSucceeded", "Applied revision: main@sha1:"+hex.EncodeToString(sum[:]))}
	if state == "Non-Compliant" {
		ks.StatusConditions = ready("False", "BuildFailed", failMessage)
		rep.ProvisioningState = dpv1.ProvisioningFailed
		rep.ErrorMessage = "Kustomization " + d.Name + "-apps is not ready"
	}
	rep.Statuses = append(rep.Statuses, ks)
	if d.Name == failingConfig {
		hr := dpv1.ObjectStatusDefinition{Kind: "HelmRelease", Namespace: d.Name, Name: helmRelease, ComplianceState: state,
			AppliedBy:             &dpv1.ObjectReferenceDefinition{Name: d.Name + "-apps", Namespace: d.Name},
			HelmReleaseProperties: &dpv1.HelmReleasePropertiesDefinition{LastRevisionApplied: 4},
			StatusConditions:      ready("True", "UpgradeSucceeded", "Helm upgrade succeeded for release payments/payments-api.v4")}
		if state == "Non-Compliant" {
			hr.HelmReleaseProperties = &dpv1.HelmReleasePropertiesDefinition{LastRevisionApplied: 3, FailureCount: 5, UpgradeFailureCount: 5}
			hr.StatusConditions = ready("False", "UpgradeFailed", "Helm upgrade failed for release payments/payments-api: context deadline exceeded")
		}
		rep.Statuses = append(rep.Statuses, hr)
	}
	return rep
}

// browser is an HTTP client with a cookie jar that does not follow redirects, to see them.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// answer is what a login answered.
type answer struct {
	code     int
	location string
	cookies  []*http.Cookie
}

// login posts the form as a browser on the dashboard's page would.
func (f *fleet) login(t *testing.T, c *http.Client, token string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.e.URL+"/ui/login", strings.NewReader(url.Values{"token": {token}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", f.e.URL)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return answer{code: resp.StatusCode, location: resp.Header.Get("Location"), cookies: resp.Cookies()}
}
