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

package arm

import (
	"errors"
	"strings"
	"testing"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

func TestArmPath(t *testing.T) {
	spec := &v1alpha1.FluxConfigSpec{Kustomizations: []v1alpha1.KustomizationDefinition{{Name: "apps"}, {Name: "infra"}}}
	for in, want := range map[string]string{
		"spec.gitRepository.syncInterval":      "properties.gitRepository.syncIntervalInSeconds",
		"spec.kustomizations[1].timeout":       "properties.kustomizations[infra].timeoutInSeconds",
		"spec.kustomizations[0].retryInterval": "properties.kustomizations[apps].retryIntervalInSeconds",
		"spec.bucket.url":                      "properties.bucket.url",
		"metadata.name":                        "name",
		"<nil>":                                "properties",
	} {
		if got := armPath(in, spec); got != want {
			t.Errorf("armPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestProperties_CRDRules checks that rules only the CRD holds reach the endpoint's answer,
// named by their ARM path.
func TestProperties_CRDRules(t *testing.T) {
	git := func(mut func(p *dpv1.FluxConfigurationProperties)) *dpv1.FluxConfigurationProperties {
		p := &dpv1.FluxConfigurationProperties{SourceKind: "GitRepository",
			GitRepository:  &dpv1.GitRepositoryDefinition{URL: "https://git.example.com/r", RepositoryRef: &dpv1.RepositoryRefDefinition{Branch: "main"}},
			Kustomizations: map[string]*dpv1.KustomizationDefinition{"apps": {Path: "./apps"}}}
		mut(p)
		return p
	}
	cases := []struct {
		name         string
		props        *dpv1.FluxConfigurationProperties
		field, inMsg string
	}{
		{"valid", git(func(*dpv1.FluxConfigurationProperties) {}), "", ""},
		{"commit not a SHA", git(func(p *dpv1.FluxConfigurationProperties) { p.GitRepository.RepositoryRef.Commit = "abc" }),
			"properties.gitRepository.repositoryRef.commit", "should match"},
		{"provider enum", git(func(p *dpv1.FluxConfigurationProperties) { p.GitRepository.Provider = "Gitea" }),
			"properties.gitRepository.provider", "Unsupported value"},
		{"httpsUser on ssh", git(func(p *dpv1.FluxConfigurationProperties) {
			p.GitRepository.URL, p.GitRepository.HTTPSUser = "ssh://git@example.com/r", "git"
		}), "properties.gitRepository.httpsUser", "only used with an http:// or https:// url"},
		{"kustomization path too long", git(func(p *dpv1.FluxConfigurationProperties) { p.Kustomizations["apps"].Path = strings.Repeat("a", 1025) }),
			"properties.kustomizations[apps].path", "Too long"},
		{"substitute variable", git(func(p *dpv1.FluxConfigurationProperties) {
			p.Kustomizations["apps"].PostBuild = &dpv1.PostBuildDefinition{Substitute: map[string]string{"1x": "v"}}
		}), "properties.kustomizations[apps].postBuild.substitute", ""},
		{"scope enum", git(func(p *dpv1.FluxConfigurationProperties) { p.Scope = "everything" }), "properties.scope", "Unsupported value"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Properties("app", tc.props)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("want no error, got %v", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("want a *FieldError, got %T %v", err, err)
			}
			if fe.Field != tc.field || !strings.Contains(fe.Message, tc.inMsg) {
				t.Errorf("got %s: %s; want %s: …%s…", fe.Field, fe.Message, tc.field, tc.inMsg)
			}
		})
	}
}
