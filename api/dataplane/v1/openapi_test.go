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

package v1_test

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// TestOpenAPIDocumentsEveryField keeps openapi.yaml in step with the Go types: every JSON
// field of a type must be a property of the schema of the same name.
func TestOpenAPIDocumentsEveryField(t *testing.T) {
	data, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths      map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	for _, p := range []string{
		"/v1/clusters/{cluster}/fluxConfigurations",
		"/v1/clusters/{cluster}/fluxConfigurations/{name}",
		"/v1/clusters/{cluster}/fluxConfigurations/{name}/status",
		"/v1/clusters",
		"/v1/clusters/{cluster}",
		"/v1/clusters/{cluster}/rotateToken",
		"/v1/fleetConfigurations",
		"/v1/fleetConfigurations/{name}",
		"/v1/fleetConfigurations/{name}/revisions",
		"/v1/fleetConfigurations/{name}/status",
		"/v1/fleetConfigurations/{name}/pause",
		"/v1/fleetConfigurations/{name}/resume",
		"/v1/fleetConfigurations/{name}/approve",
		"/v1/fleetConfigurations/{name}/rollback",
	} {
		if _, ok := doc.Paths[p]; !ok {
			t.Errorf("path %s is not documented", p)
		}
	}
	types := map[string]any{
		"FluxConfiguration":           dpv1.FluxConfiguration{},
		"FluxConfigurationProperties": dpv1.FluxConfigurationProperties{},
		"DesiredConfiguration":        dpv1.DesiredConfiguration{},
		"DesiredConfigurationList":    dpv1.DesiredConfigurationList{},
		"GitRepositoryDefinition":     dpv1.GitRepositoryDefinition{},
		"BucketDefinition":            dpv1.BucketDefinition{},
		"AzureBlobDefinition":         dpv1.AzureBlobDefinition{},
		"OCIRepositoryDefinition":     dpv1.OCIRepositoryDefinition{},
		"KustomizationDefinition":     dpv1.KustomizationDefinition{},
		"ObservedStatus":              dpv1.ObservedStatus{},
		"ObjectStatusDefinition":      dpv1.ObjectStatusDefinition{},
		"ClusterRegistration":         dpv1.ClusterRegistration{},
		"Cluster":                     dpv1.Cluster{},
		"ClusterList":                 dpv1.ClusterList{},
		"FleetConfiguration":          dpv1.FleetConfiguration{},
		"FleetPlacement":              dpv1.FleetPlacement{},
		"FleetRollout":                dpv1.FleetRollout{},
		"RolloutWave":                 dpv1.RolloutWave{},
		"FleetRolloutStatus":          dpv1.FleetRolloutStatus{},
		"LabelSelector":               dpv1.LabelSelector{},
		"FleetConfigurationList":      dpv1.FleetConfigurationList{},
		"FleetRevision":               dpv1.FleetRevision{},
		"FleetRevisionList":           dpv1.FleetRevisionList{},
		"FleetStatus":                 dpv1.FleetStatus{},
		"FleetStatusCounts":           dpv1.FleetStatusCounts{},
		"FleetClusterStatus":          dpv1.FleetClusterStatus{},
	}
	for name, v := range types {
		schema, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("schema %s is missing", name)
			continue
		}
		for _, field := range jsonFields(reflect.TypeOf(v)) {
			if _, ok := schema.Properties[field]; !ok {
				t.Errorf("schema %s lacks property %s", name, field)
			}
		}
	}
}

// jsonFields lists the JSON names of a struct's fields, flattening embedded structs.
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}
