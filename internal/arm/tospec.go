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

// Package armconv converts between the ARM fluxConfigurations model of the data-plane
// protocol and the FluxConfig spec: seconds become durations, the kustomizations map becomes
// a list keyed by name, and the write-only body secrets (Azure Blob keys, OCI TLS files)
// become protected-parameter keys.
package arm

import (
	"encoding/base64"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// Defaults the ARM model implies when a field is absent.
const (
	DefaultNamespace  = "default"
	DefaultScope      = string(v1alpha1.ScopeCluster)
	DefaultSourceKind = string(v1alpha1.SourceKindGitRepository)
)

// FieldError is a conversion error that names the offending field by its ARM path.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Namespace returns the configuration namespace, defaulted.
func Namespace(p *dpv1.FluxConfigurationProperties) string {
	if p.Namespace == "" {
		return DefaultNamespace
	}
	return p.Namespace
}

// ToSpec converts ARM properties into a FluxConfigSpec. It checks encodings only; the
// endpoint and the API server validate the result.
func ToSpec(p *dpv1.FluxConfigurationProperties) (v1alpha1.FluxConfigSpec, error) {
	spec := v1alpha1.FluxConfigSpec{
		Scope:      v1alpha1.Scope(orDefault(p.Scope, DefaultScope)),
		SourceKind: v1alpha1.SourceKind(orDefault(p.SourceKind, DefaultSourceKind)),
		Suspend:    p.Suspend != nil && *p.Suspend,
	}
	var err error
	if p.GitRepository != nil {
		if spec.GitRepository, err = gitToSpec(p.GitRepository); err != nil {
			return spec, err
		}
	}
	if p.Bucket != nil {
		spec.Bucket = bucketToSpec(p.Bucket)
	}
	if p.AzureBlob != nil {
		spec.AzureBlob = azureBlobToSpec(p.AzureBlob)
	}
	if p.OCIRepository != nil {
		spec.OCIRepository = ociToSpec(p.OCIRepository)
	}
	spec.Kustomizations = kustomizationsToSpec(p.Kustomizations)
	return spec, nil
}

func seconds(s *int64) *metav1.Duration {
	if s == nil {
		return nil
	}
	return &metav1.Duration{Duration: time.Duration(*s) * time.Second}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func decodeField(field, v string) ([]byte, error) {
	if v == "" {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, &FieldError{Field: field, Message: fmt.Sprintf("must be base64: %v", err)}
	}
	return b, nil
}
