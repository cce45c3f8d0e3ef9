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

package packaging

import (
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// endpointValues turns the endpoint on with the one Secret it always needs, plus extra.
func endpointValues(extra map[string]any) map[string]any {
	e := map[string]any{"enabled": true, "adminTokenSecret": map[string]any{"name": "admin"}}
	for k, v := range extra {
		e[k] = v
	}
	return map[string]any{"endpoint": e}
}

// checkEndpointBolt checks ci/endpoint-values.yaml: one replica on a PVC the chart creates,
// HTTPS, file-based cluster tokens, and a NetworkPolicy that lets agents in.
func checkEndpointBolt(g *WithT, ns string, objs []*unstructured.Unstructured) {
	c := container(g, objs, "fluxconfig-endpoint")
	g.Expect(c.Image).To(HavePrefix("ghcr.io/fluxconfig/fluxconfig-endpoint:"))
	g.Expect(c.Args).To(ContainElements("--listen=:8443", "--admin-token-file=/var/run/fluxconfig/admin/token",
		"--cluster-tokens-dir=/var/run/fluxconfig/cluster-tokens", "--data=/var/lib/fluxconfig-endpoint/fluxconfig-endpoint.db",
		"--tls-cert-file=/var/run/fluxconfig/tls/tls.crt", "--tls-key-file=/var/run/fluxconfig/tls/tls.key"))
	g.Expect(envNames(c)).NotTo(ContainElement("FLUXCONFIG_DATABASE_URL"))
	g.Expect(c.ReadinessProbe.HTTPGet.Path).To(Equal("/healthz"))
	g.Expect(c.ReadinessProbe.HTTPGet.Scheme).To(Equal(corev1.URISchemeHTTPS))
	g.Expect(c.LivenessProbe.HTTPGet.Scheme).To(Equal(corev1.URISchemeHTTPS))
	g.Expect(resources(c)).To(Equal("50m/64Mi/1/1Gi"))
	pod := podSpec(g, objs, "fluxconfig-endpoint")
	g.Expect(*pod.Spec.AutomountServiceAccountToken).To(BeFalse(), "the endpoint needs no Kubernetes API access")
	g.Expect(pod.Spec.Volumes).To(ContainElements(
		And(HaveField("Name", "data"), HaveField("VolumeSource.PersistentVolumeClaim.ClaimName", "fluxconfig-endpoint-data")),
		And(HaveField("Name", "tls"), HaveField("VolumeSource.Secret.SecretName", "fluxconfig-endpoint-tls")),
		And(HaveField("Name", "cluster-tokens"), HaveField("VolumeSource.Secret.SecretName", "fluxconfig-endpoint-cluster-tokens"))))
	dep := byName(objs, "Deployment", "fluxconfig-endpoint")
	g.Expect(field(dep.Object, "spec", "strategy", "type")).To(Equal("Recreate"), "one bbolt writer at a time")
	pvc := byName(objs, "PersistentVolumeClaim", "fluxconfig-endpoint-data")
	g.Expect(pvc.GetAnnotations()).To(HaveKeyWithValue("helm.sh/resource-policy", "keep"))
	g.Expect(field(pvc.Object, "spec", "resources", "requests", "storage")).To(Equal("2Gi"))
	g.Expect(field(pvc.Object, "spec", "storageClassName")).To(Equal("standard"))
	g.Expect(names(objs, "Service")).To(ContainElement("fluxconfig-endpoint"))
	g.Expect(names(objs, "NetworkPolicy")).To(ContainElement("fluxconfig-endpoint"))
}

// checkEndpointPostgres checks ci/endpoint-postgres-values.yaml: three replicas, the URL from
// a Secret through the environment, no volume for a store, plain HTTP.
func checkEndpointPostgres(g *WithT, ns string, objs []*unstructured.Unstructured) {
	c := container(g, objs, "fluxconfig-endpoint")
	g.Expect(c.Env).To(ContainElement(And(HaveField("Name", "FLUXCONFIG_DATABASE_URL"),
		HaveField("ValueFrom.SecretKeyRef.Name", "fluxconfig-endpoint-db"), HaveField("ValueFrom.SecretKeyRef.Key", "dsn"))))
	g.Expect(c.Args).To(ContainElement("--admin-token-file=/var/run/fluxconfig/admin/admin"))
	g.Expect(c.Args).NotTo(ContainElement(Or(HavePrefix("--data"), HavePrefix("--database-url"), HavePrefix("--tls-"),
		HavePrefix("--cluster-tokens-dir"))), "the URL stays out of the process list")
	g.Expect(c.ReadinessProbe.HTTPGet.Scheme).To(Equal(corev1.URISchemeHTTP))
	g.Expect(podSpec(g, objs, "fluxconfig-endpoint").Spec.Volumes).To(ConsistOf(HaveField("Name", "admin-token")))
	dep := byName(objs, "Deployment", "fluxconfig-endpoint")
	g.Expect(field(dep.Object, "spec", "replicas")).To(BeEquivalentTo(3))
	g.Expect(names(objs, "PersistentVolumeClaim")).To(BeEmpty())
	svc := byName(objs, "Service", "fluxconfig-endpoint")
	g.Expect(field(svc.Object, "spec", "type")).To(Equal("LoadBalancer"))
	g.Expect(names(objs, "NetworkPolicy")).To(BeEmpty(), "without flux.install there is no allow-egress to open")
}

// field is the value at path in o; nil when absent.
func field(o map[string]any, path ...string) any {
	v, _, _ := unstructured.NestedFieldNoCopy(o, path...)
	return v
}

func byName(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, o := range byKind(objs, kind) {
		if o.GetName() == name {
			return o
		}
	}
	return &unstructured.Unstructured{Object: map[string]any{}}
}

// TestChart_EndpointBoltHasOneReplica: a bbolt file has one writer, so the schema refuses
// more than one replica on it, naming the value; PostgreSQL takes several.
func TestChart_EndpointBoltHasOneReplica(t *testing.T) {
	g := NewWithT(t)
	chrt := loadChart(t)
	_, err := renderChart(chrt, "endpoint", "flux-system", endpointValues(map[string]any{"replicas": 2}))
	g.Expect(err).To(MatchError(And(ContainSubstring("values don't meet the specifications of the schema"),
		ContainSubstring("/endpoint/replicas"))))
	_, err = renderChart(chrt, "endpoint", "flux-system", endpointValues(map[string]any{"replicas": 2,
		"store": map[string]any{"type": "bbolt", "bbolt": map[string]any{"existingClaim": "data"}}}))
	g.Expect(err).To(MatchError(ContainSubstring("/endpoint/replicas")), "an existing claim is still one file")
	objs, err := renderChart(chrt, "endpoint", "flux-system", endpointValues(map[string]any{"replicas": 2,
		"store": map[string]any{"type": "postgres", "postgres": map[string]any{"secretName": "db"}}}))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(field(byName(objs, "Deployment", "fluxconfig-endpoint").Object, "spec", "replicas")).To(BeEquivalentTo(2))

	// An existing claim replaces the chart's.
	objs, err = renderChart(chrt, "endpoint", "flux-system", endpointValues(map[string]any{
		"store": map[string]any{"bbolt": map[string]any{"existingClaim": "mine"}}}))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(names(objs, "PersistentVolumeClaim")).To(BeEmpty())
	g.Expect(podSpec(g, objs, "fluxconfig-endpoint").Spec.Volumes).To(ContainElement(
		HaveField("VolumeSource.PersistentVolumeClaim.ClaimName", "mine")))
}

// TestChart_EndpointNeedsItsSettings: the Secrets the endpoint cannot run without fail at
// render time, naming the value; a store type other than the two, in the schema.
func TestChart_EndpointNeedsItsSettings(t *testing.T) {
	chrt := loadChart(t)
	for want, values := range map[string]map[string]any{
		"endpoint.adminTokenSecret.name is required": {"endpoint": map[string]any{"enabled": true}},
		"endpoint.store.postgres.secretName is required": endpointValues(map[string]any{
			"store": map[string]any{"type": "postgres"}}),
		"/endpoint/store/type": endpointValues(map[string]any{"store": map[string]any{"type": "etcd"}}),
		"/endpoint/adminTokenSecret": endpointValues(map[string]any{"adminTokenSecret": map[string]any{
			"name": "admin", "namespace": "other"}}),
	} {
		_, err := renderChart(chrt, "endpoint", "flux-system", values)
		NewWithT(t).Expect(err).To(MatchError(ContainSubstring(want)))
	}
	objs, err := renderChart(chrt, "endpoint", "flux-system", nil)
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	NewWithT(t).Expect(names(objs, "Deployment")).NotTo(ContainElement("fluxconfig-endpoint"), "off by default")
}
