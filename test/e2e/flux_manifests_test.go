//go:build e2e

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

package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// orderLabel marks the ConfigMaps whose creation order the first scenario checks.
const orderLabel = "e2e.fluxconfig.io/order"

// configMapYAML is a ConfigMap manifest carrying a version, labelled for the order watch.
func configMapYAML(namespace, name, version string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata:
  name: %s
  namespace: %s
  labels:
    %s: "true"
data:
  version: %q
`, name, namespace, orderLabel, version)
}

// namespaceYAML is a Namespace manifest.
func namespaceYAML(name string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n", name)
}

// deploymentYAML is a Deployment; no kubelet runs, so it never gets pods, only applied.
func deploymentYAML(namespace, name string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[2]s
  namespace: %[1]s
spec:
  replicas: 1
  selector:
    matchLabels:
      app: %[2]s
  template:
    metadata:
      labels:
        app: %[2]s
    spec:
      containers:
      - name: %[2]s
        image: registry.invalid/%[2]s:1
`, namespace, name)
}

// configMapVersion returns the version a ConfigMap holds, or "absent".
func configMapVersion(ctx context.Context, namespace, name string) func() string {
	return func() string {
		cm := &corev1.ConfigMap{}
		if err := k8sClient.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, cm); err != nil {
			return "absent"
		}
		return cm.Data["version"]
	}
}

// b64 encodes a value as the endpoint's protected settings and CA fields expect.
func b64(v string) string { return base64.StdEncoding.EncodeToString([]byte(v)) }

// properties marshals a configuration body for the endpoint.
func properties(p map[string]any) string {
	data, err := json.Marshal(map[string]any{"properties": p})
	Expect(err).NotTo(HaveOccurred())
	return string(data)
}
