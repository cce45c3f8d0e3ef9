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

package arm_test

import (
	"encoding/base64"
	"reflect"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/arm"
)

func i64(v int64) *int64 { return &v }
func yes() *bool         { b := true; return &b }

func TestToSpec(t *testing.T) {
	cases := []struct {
		name  string
		in    dpv1.FluxConfigurationProperties
		check func(g *WithT, spec v1alpha1.FluxConfigSpec)
	}{
		{"defaults", dpv1.FluxConfigurationProperties{GitRepository: &dpv1.GitRepositoryDefinition{URL: "https://x/r"}},
			func(g *WithT, s v1alpha1.FluxConfigSpec) {
				g.Expect(s.Scope).To(Equal(v1alpha1.ScopeCluster))
				g.Expect(s.SourceKind).To(Equal(v1alpha1.SourceKindGitRepository))
				g.Expect(s.GitRepository.SyncInterval).To(BeNil(), "unset stays unset so the CRD default applies")
				g.Expect(s.Kustomizations).To(BeNil())
			}},
		{"git seconds and refs", dpv1.FluxConfigurationProperties{GitRepository: &dpv1.GitRepositoryDefinition{
			URL: "https://x/r", SyncIntervalInSeconds: i64(600), TimeoutInSeconds: i64(90),
			RepositoryRef: &dpv1.RepositoryRefDefinition{Branch: "main", Commit: "abc"},
			HTTPSCACert:   base64.StdEncoding.EncodeToString([]byte("PEM")), Provider: "GitHub",
		}}, func(g *WithT, s v1alpha1.FluxConfigSpec) {
			g.Expect(s.GitRepository.SyncInterval.Duration).To(Equal(10 * time.Minute))
			g.Expect(s.GitRepository.Timeout.Duration).To(Equal(90 * time.Second))
			g.Expect(*s.GitRepository.RepositoryRef).To(Equal(v1alpha1.RepositoryRefDefinition{Branch: "main", Commit: "abc"}))
			g.Expect(string(s.GitRepository.HTTPSCACert)).To(Equal("PEM"))
			g.Expect(s.GitRepository.Provider).To(Equal(v1alpha1.GitProviderGitHub))
		}},
		{"kustomizations map to sorted list", dpv1.FluxConfigurationProperties{
			GitRepository: &dpv1.GitRepositoryDefinition{URL: "https://x/r"},
			Kustomizations: map[string]*dpv1.KustomizationDefinition{
				"zeta": {Path: "./z", RetryIntervalInSeconds: i64(30), Wait: yes()},
				"alpha": {Path: "./a", DependsOn: []string{"zeta"}, Prune: yes(), PostBuild: &dpv1.PostBuildDefinition{
					Substitute: map[string]string{"a": "b"}, SubstituteFrom: []dpv1.SubstituteFromDefinition{{Kind: "Secret", Name: "s", Optional: yes()}}}},
				"removed": nil,
			}}, func(g *WithT, s v1alpha1.FluxConfigSpec) {
			g.Expect(s.Kustomizations).To(HaveLen(2))
			g.Expect(s.Kustomizations[0].Name).To(Equal("alpha"))
			g.Expect(s.Kustomizations[0].Prune).To(BeTrue())
			g.Expect(s.Kustomizations[0].PostBuild.SubstituteFrom[0]).To(Equal(v1alpha1.SubstituteReferenceDefinition{Kind: "Secret", Name: "s", Optional: true}))
			g.Expect(s.Kustomizations[1].RetryInterval.Duration).To(Equal(30 * time.Second))
			g.Expect(*s.Kustomizations[1].Wait).To(BeTrue())
		}},
		{"bucket insecure follows the scheme when unset", dpv1.FluxConfigurationProperties{SourceKind: "Bucket",
			Bucket: &dpv1.BucketDefinition{URL: "http://minio:9000", BucketName: "b"}},
			func(g *WithT, s v1alpha1.FluxConfigSpec) { g.Expect(s.Bucket.Insecure).To(BeTrue()) }},
		{"azure blob drops secrets from the spec", dpv1.FluxConfigurationProperties{SourceKind: "AzureBlob",
			AzureBlob: &dpv1.AzureBlobDefinition{URL: "https://a", ContainerName: "c", AccountKey: "k",
				ServicePrincipal: &dpv1.ServicePrincipalDefinition{ClientID: "id", TenantID: "t", ClientSecret: "s", ClientCertificateSendChain: yes()}}},
			func(g *WithT, s v1alpha1.FluxConfigSpec) {
				g.Expect(*s.AzureBlob.ServicePrincipal).To(Equal(v1alpha1.ServicePrincipalDefinition{ClientID: "id", TenantID: "t", ClientCertificateSendChain: true}))
			}},
		{"oci", dpv1.FluxConfigurationProperties{SourceKind: "OCIRepository", OCIRepository: &dpv1.OCIRepositoryDefinition{
			URL: "oci://r/a", RepositoryRef: &dpv1.OCIRepositoryRefDefinition{Digest: "sha256:00"}, UseWorkloadIdentity: yes(),
			Verify: &dpv1.VerifyDefinition{Provider: "cosign", MatchOIDCIdentity: []dpv1.MatchOIDCIdentityDefinition{{Issuer: "i", Subject: "s"}}}}},
			func(g *WithT, s v1alpha1.FluxConfigSpec) {
				g.Expect(s.OCIRepository.RepositoryRef.Digest).To(Equal("sha256:00"))
				g.Expect(s.OCIRepository.UseWorkloadIdentity).To(BeTrue())
				g.Expect(s.OCIRepository.Verify.MatchOIDCIdentity).To(HaveLen(1))
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			spec, err := arm.ToSpec(&tc.in)
			g.Expect(err).NotTo(HaveOccurred())
			tc.check(g, spec)
		})
	}
}

func TestToSpec_BadBase64NamesTheField(t *testing.T) {
	g := NewWithT(t)
	_, err := arm.ToSpec(&dpv1.FluxConfigurationProperties{GitRepository: &dpv1.GitRepositoryDefinition{URL: "ssh://x", SSHKnownHosts: "%%"}})
	g.Expect(err).To(MatchError(HavePrefix("properties.gitRepository.sshKnownHosts: must be base64")))
}

func TestRoundTrip(t *testing.T) {
	g := NewWithT(t)
	in := dpv1.FluxConfigurationProperties{
		Scope: "namespace", Namespace: "team", SourceKind: "GitRepository", Suspend: yes(),
		GitRepository: &dpv1.GitRepositoryDefinition{URL: "https://x/r", SyncIntervalInSeconds: i64(61), TimeoutInSeconds: i64(3600),
			RepositoryRef: &dpv1.RepositoryRefDefinition{Tag: "v1"}, HTTPSUser: "u", LocalAuthRef: "", Provider: "Generic"},
		Kustomizations: map[string]*dpv1.KustomizationDefinition{
			"a": {Name: "a", Path: "./a", SyncIntervalInSeconds: i64(120), Force: yes(), DependsOn: []string{"b"}},
			"b": {Name: "b", Path: "./b"},
		},
	}
	spec, err := arm.ToSpec(&in)
	g.Expect(err).NotTo(HaveOccurred())
	out := arm.FromSpec("team", &spec)
	g.Expect(out).To(Equal(in))
}

func TestBodySecrets(t *testing.T) {
	g := NewWithT(t)
	p := &dpv1.FluxConfigurationProperties{
		AzureBlob: &dpv1.AzureBlobDefinition{SASToken: "sv=2020", ServicePrincipal: &dpv1.ServicePrincipalDefinition{
			ClientCertificate: "Q0VSVA==", ClientCertificatePassword: "pw"}},
		OCIRepository: &dpv1.OCIRepositoryDefinition{TLSConfig: &dpv1.TLSConfigDefinition{ClientCertificate: "Y2VydA==", PrivateKey: "a2V5", CACertificate: "Y2E="}},
	}
	g.Expect(arm.BodySecrets(p)).To(Equal(map[string]string{
		v1alpha1.ProtectedSASToken:                  base64.StdEncoding.EncodeToString([]byte("sv=2020")),
		v1alpha1.ProtectedClientCertificate:         "Q0VSVA==",
		v1alpha1.ProtectedClientCertificatePassword: base64.StdEncoding.EncodeToString([]byte("pw")),
		v1alpha1.ProtectedTLSClientCertificate:      "Y2VydA==",
		v1alpha1.ProtectedTLSPrivateKey:             "a2V5",
		v1alpha1.ProtectedTLSCACertificate:          "Y2E=",
	}))
	arm.StripSecrets(p)
	g.Expect(p.AzureBlob.SASToken).To(BeEmpty())
	g.Expect(p.AzureBlob.ServicePrincipal.ClientCertificate).To(BeEmpty())
	g.Expect(p.OCIRepository.TLSConfig).To(BeNil())
	g.Expect(arm.BodySecrets(p)).To(BeEmpty())
}

func TestParseISODuration(t *testing.T) {
	cases := map[string]time.Duration{
		"PT30M": 30 * time.Minute, "PT1H": time.Hour, "P1D": 24 * time.Hour, "PT1H30M15S": time.Hour + 30*time.Minute + 15*time.Second,
		"P1DT2H": 26 * time.Hour,
		// The longest duration a time.Duration holds, to the second.
		"P106751DT85636S": 106751*24*time.Hour + 85636*time.Second,
	}
	for in, want := range cases {
		got, err := arm.ParseISODuration(in)
		if err != nil || got != want {
			t.Errorf("ParseISODuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "P", "PT", "30m", "PT1.5H", "P1W", "P1DT"} {
		if _, err := arm.ParseISODuration(bad); err == nil {
			t.Errorf("ParseISODuration(%q) succeeded; want an error", bad)
		}
	}
	// Overflow is refused, never wrapped to a negative or a shorter duration.
	for _, long := range []string{"P106752D", "P106751DT85637S", "PT2562048H", "PT153722868M", "PT9223372037S",
		"P99999999999999999999D", "P106751DT23H59M60S", "P53376DT1281024H"} {
		got, err := arm.ParseISODuration(long)
		if err == nil || !strings.Contains(err.Error(), "longer than the longest duration") {
			t.Errorf("ParseISODuration(%q) = %v, %v; want a refusal saying it is too long", long, got, err)
		}
	}
}

func TestObservedFromStatus(t *testing.T) {
	g := NewWithT(t)
	at := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC))
	st := &v1alpha1.FluxConfigStatus{
		ComplianceState: v1alpha1.NonCompliant, SourceSyncedCommitID: "main@sha1:1", SourceUpdatedAt: &at, RepositoryPublicKey: "ssh-ed25519 AAAA",
		Statuses: []v1alpha1.ObjectStatus{
			{Name: "app-infra", Namespace: "team", Kind: "Kustomization", ComplianceState: v1alpha1.NonCompliant,
				StatusConditions: []metav1.Condition{{Type: "Ready", Status: metav1.ConditionFalse, Reason: "BuildFailed", Message: "boom", LastTransitionTime: at}}},
			{Name: "app", Namespace: "team", Kind: "GitRepository", ComplianceState: v1alpha1.Compliant},
			{Name: "podinfo", Namespace: "team", Kind: "HelmRelease", AppliedBy: &v1alpha1.ObjectReference{Name: "app-infra", Namespace: "team"},
				HelmReleaseProperties: &v1alpha1.HelmReleaseProperties{LastRevisionApplied: 3, HelmChartRef: &v1alpha1.ObjectReference{Name: "c"}}},
		},
	}
	out := arm.ObservedFromStatus(st)
	g.Expect(out.ComplianceState).To(Equal("Non-Compliant"))
	g.Expect(out.SourceUpdatedAt.Equal(at.Truncate(time.Second))).To(BeTrue())
	g.Expect(out.Statuses[0].Kind).To(Equal("GitRepository"), "sorted for a stable digest")
	g.Expect(out.Statuses[1].HelmReleaseProperties.LastRevisionApplied).To(Equal(int64(3)))
	g.Expect(out.Statuses[1].AppliedBy.Name).To(Equal("app-infra"))
	g.Expect(out.Statuses[2].StatusConditions[0].Reason).To(Equal("BuildFailed"))
}

// TestRoundTrip_EveryField sets every field of the ARM model and checks that it survives
// ToSpec and FromSpec: a new field that is not converted both ways fails here, without a
// test of its own.
func TestRoundTrip_EveryField(t *testing.T) {
	g := NewWithT(t)
	var in dpv1.FluxConfigurationProperties
	fill(reflect.ValueOf(&in).Elem())
	// Not part of the spec: the endpoint keeps these, or reads fill them.
	in.ConfigurationProtectedSettings, in.WaitForReconciliation, in.ReconciliationWaitDuration = nil, nil, ""
	in.ObservedStatus, in.StatusUpdatedAt, in.ProvisioningState, in.ErrorMessage = dpv1.ObservedStatus{}, nil, "", ""

	spec, err := arm.ToSpec(&in)
	g.Expect(err).NotTo(HaveOccurred())
	out := arm.FromSpec(in.Namespace, &spec)
	arm.StripSecrets(&in) // body secrets leave the spec for the protected parameters
	g.Expect(out).To(Equal(in))
}

// fill sets every field to a non-zero value: "eA==" (base64, as some fields must be) for
// strings, 61 for numbers, true for booleans, one entry for maps and lists.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Field(i).CanSet() {
				fill(v.Field(i))
			}
		}
	case reflect.String:
		v.SetString("eA==")
	case reflect.Int64:
		v.SetInt(61)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0))
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		e := reflect.New(v.Type().Elem()).Elem()
		fill(e)
		v.SetMapIndex(reflect.ValueOf("eA=="), e)
	}
}
