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

// Package armvalidate checks a configuration in the ARM model against the same rules the
// FluxConfig CRD enforces (patterns, lengths, enums and the CEL rules), so the endpoint refuses
// a bad configuration with a message naming the field before it reaches any cluster.
package arm

import (
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// Limits of the ARM model; the CRD holds the rest.
const (
	maxNameLength      = 63
	maxSeconds         = 35791394 // the largest interval Terraform accepts; ~414 days
	maxProtectedKeyLen = 253
)

var (
	subdomain     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)
	label         = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	secretDataKey = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)
)

// errs collects the first error; validation stops reporting after it so the message is
// about one field.
type errs struct{ first *FieldError }

func (e *errs) add(field, format string, args ...any) {
	if e.first == nil {
		e.first = &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
	}
}

func (e *errs) check(ok bool, field, format string, args ...any) {
	if !ok {
		e.add(field, format, args...)
	}
}

// Name checks a configuration name: it names the FluxConfig and its source.
func Name(name string) error {
	var e errs
	e.check(len(name) <= maxNameLength, "name", "must be at most %d characters", maxNameLength)
	e.check(subdomain.MatchString(name), "name", "must be lowercase letters, digits, '-' and '.', starting and ending with a letter or digit")
	return asError(e)
}

// Properties checks a complete configuration named name. It returns a *FieldError.
//
// It first checks what only the ARM model has: its units (seconds), its map keys, the
// body secrets that never reach the FluxConfig, and the messages ARM users know. Then it
// converts with ToSpec and validates the FluxConfig against the CRD's schema and CEL rules,
// in-process, so a configuration the endpoint accepts is one the API server accepts.
func Properties(name string, p *dpv1.FluxConfigurationProperties) error {
	var e errs
	if p.Namespace != "" {
		e.check(len(p.Namespace) <= maxNameLength && label.MatchString(p.Namespace), "properties.namespace",
			"must be a DNS label: at most 63 lowercase letters, digits and '-'")
	}
	sourceKind(&e, p)
	sources(&e, p)
	kustomizations(&e, name, p.Kustomizations)
	protectedSettings(&e, p.ConfigurationProtectedSettings)
	if p.ReconciliationWaitDuration != "" {
		_, err := ParseISODuration(p.ReconciliationWaitDuration)
		e.check(err == nil, "properties.reconciliationWaitDuration", "%v", err)
	}
	if err := asError(e); err != nil {
		return err
	}
	spec, err := ToSpec(p)
	if err != nil {
		return err
	}
	return validateCRD(context.Background(), name, Namespace(p), &spec)
}

// sourceKind enforces that the body named by sourceKind is present and no other is, with
// the message ARM uses.
func sourceKind(e *errs, p *dpv1.FluxConfigurationProperties) {
	kind := p.SourceKind
	if kind == "" {
		kind = DefaultSourceKind
	}
	bodies := map[string]bool{
		"GitRepository": p.GitRepository != nil, "Bucket": p.Bucket != nil,
		"AzureBlob": p.AzureBlob != nil, "OCIRepository": p.OCIRepository != nil,
	}
	present, known := bodies[kind]
	if !known {
		e.add("properties.sourceKind", "must be GitRepository, Bucket, AzureBlob or OCIRepository")
		return
	}
	if !present {
		e.add("properties.sourceKind", "Invalid source kind match. Config with specified source kind '%s' must contain corresponding body specified in the properties.", kind)
		return
	}
	for _, other := range []string{"GitRepository", "Bucket", "AzureBlob", "OCIRepository"} {
		if other != kind && bodies[other] {
			e.add("properties.sourceKind", "Invalid source kind match. Config with specified source kind '%s' must not contain a body for source kind '%s'; remove %s or set it to null.",
				kind, other, jsonName(other))
		}
	}
}

func jsonName(kind string) string {
	switch kind {
	case "OCIRepository":
		return "ociRepository"
	case "AzureBlob":
		return "azureBlob"
	}
	return strings.ToLower(kind[:1]) + kind[1:]
}

func interval(e *errs, field string, v *int64) {
	if v != nil {
		e.check(*v > 0 && *v <= maxSeconds, field, "must be between 1 and %d seconds", maxSeconds)
	}
}

func base64Field(e *errs, field, v string, limit int) {
	if v == "" {
		return
	}
	b, err := base64.StdEncoding.DecodeString(v)
	e.check(err == nil, field, "must be base64")
	e.check(len(b) <= limit, field, "must decode to at most %d bytes", limit)
}

func asError(e errs) error {
	if e.first == nil {
		return nil
	}
	return e.first
}
