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
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/config/crd"
)

// crdSchema is the FluxConfig CRD's schema, ready to validate objects in-process as the
// API server would: OpenAPI (patterns, lengths, enums) then the CEL rules.
type crdSchema struct {
	structural *structuralschema.Structural
	openAPI    validation.SchemaValidator
	cel        *cel.Validator
}

var loadCRD = sync.OnceValues(func() (*crdSchema, error) {
	var def apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(crd.FluxConfig, &def); err != nil {
		return nil, fmt.Errorf("reading the embedded FluxConfig CRD: %w", err)
	}
	for _, v := range def.Spec.Versions {
		if v.Name != v1alpha1.GroupVersion.Version {
			continue
		}
		var props apiextensions.JSONSchemaProps
		if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, &props, nil); err != nil {
			return nil, err
		}
		s, err := structuralschema.NewStructural(&props)
		if err != nil {
			return nil, err
		}
		openAPI, _, err := validation.NewSchemaValidator(&props)
		if err != nil {
			return nil, err
		}
		return &crdSchema{structural: s, openAPI: openAPI, cel: cel.NewValidator(s, true, celconfig.PerCallLimit)}, nil
	}
	return nil, fmt.Errorf("the embedded FluxConfig CRD has no version %s", v1alpha1.GroupVersion.Version)
})

// validateCRD checks the FluxConfig a configuration becomes against the CRD and returns
// the first error as a *FieldError named by its ARM path.
func validateCRD(ctx context.Context, name, namespace string, spec *v1alpha1.FluxConfigSpec) error {
	s, err := loadCRD()
	if err != nil {
		return err
	}
	fc := &v1alpha1.FluxConfig{Spec: *spec}
	fc.APIVersion, fc.Kind = v1alpha1.GroupVersion.String(), v1alpha1.FluxConfigKind
	fc.Name, fc.Namespace = name, namespace
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(fc)
	if err != nil {
		return err
	}
	delete(obj, "status")
	structuraldefaulting.Default(obj, s.structural)
	errs := validation.ValidateCustomResource(nil, obj, s.openAPI)
	if len(errs) == 0 {
		errs, _ = s.cel.Validate(ctx, nil, s.structural, obj, nil, celconfig.RuntimeCELCostBudget)
	}
	if len(errs) == 0 {
		return nil
	}
	first := errs[0]
	for _, e := range errs {
		if s.ownRule(e) {
			first = e
			break
		}
	}
	return &FieldError{Field: armPath(first.Field, spec), Message: first.ErrorBody()}
}

// ownRule reports whether e comes from a rule declared on the field it names, such as the
// url's scheme, rather than from a rule on the enclosing object about how its fields
// combine: the field's own fault is the one to report first.
func (s *crdSchema) ownRule(e *field.Error) bool {
	node := s.structural
	for _, part := range strings.Split(e.Field, ".") {
		name, indexed := strings.CutSuffix(part, "]")
		if indexed {
			name, _, _ = strings.Cut(name, "[")
		}
		child, ok := node.Properties[name]
		if !ok {
			return false
		}
		node = &child
		if indexed {
			if node.Items == nil {
				return false
			}
			node = node.Items
		}
	}
	for _, r := range node.XValidations {
		if r.Message != "" && r.Message == e.Detail {
			return true
		}
	}
	return false
}

// renamed are the spec fields whose ARM name differs: ARM counts seconds.
var renamed = map[string]string{
	"syncInterval":  "syncIntervalInSeconds",
	"retryInterval": "retryIntervalInSeconds",
	"timeout":       "timeoutInSeconds",
}

var listIndex = regexp.MustCompile(`^kustomizations\[(\d+)\]$`)

// armPath turns a FluxConfig field path into the ARM one:
// spec.gitRepository.syncInterval → properties.gitRepository.syncIntervalInSeconds, and
// spec.kustomizations[2] → properties.kustomizations[<its name>], the ARM map key.
func armPath(path string, spec *v1alpha1.FluxConfigSpec) string {
	parts := strings.Split(path, ".")
	switch {
	case len(parts) > 0 && parts[0] == "spec":
		parts[0] = "properties"
	case len(parts) > 0 && parts[0] == "metadata":
		return "name"
	default:
		return "properties"
	}
	for i, p := range parts {
		if m := listIndex.FindStringSubmatch(p); m != nil {
			if n, _ := strconv.Atoi(m[1]); n < len(spec.Kustomizations) {
				parts[i] = "kustomizations[" + spec.Kustomizations[n].Name + "]"
			}
		}
		if r, ok := renamed[p]; ok {
			parts[i] = r
		}
	}
	return strings.Join(parts, ".")
}
