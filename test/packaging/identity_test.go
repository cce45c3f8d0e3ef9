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
	"slices"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

const (
	workloadIdentityUse      = "azure.workload.identity/use"
	workloadIdentityClientID = "azure.workload.identity/client-id"
)

// podNamespaceEnv is how the controller and the agent learn the release namespace. (Fields, not
// equality: installing fills in the API server's defaults.)
var podNamespaceEnv = And(HaveField("Name", "POD_NAMESPACE"), HaveField("ValueFrom.FieldRef.FieldPath", "metadata.namespace"))

// checkIdentityProxy checks the rendering of ci/identity-proxy-values.yaml: what each pod gets
// of the workload identity, the proxy and its own values.
func checkIdentityProxy(g *WithT, ns string, objs []*unstructured.Unstructured) {
	const clientID = "00000000-0000-0000-0000-0000000000aa"
	fetches := []string{"source-controller", "kustomize-controller"}
	for _, name := range fluxControllers {
		labels := podLabels(g, objs, name)
		annotations := serviceAccountAnnotations(objs, name)
		if slices.Contains(fetches, name) {
			g.Expect(labels).To(HaveKeyWithValue(workloadIdentityUse, "true"), name)
			g.Expect(annotations).To(HaveKeyWithValue(workloadIdentityClientID, clientID), name)
		} else {
			g.Expect(labels).NotTo(HaveKey(workloadIdentityUse), name)
			g.Expect(annotations).NotTo(HaveKey(workloadIdentityClientID), name)
		}
		// Every Flux controller talks out: the proxy, never for in-cluster traffic, and its CA
		// besides the system roots.
		c := container(g, objs, name)
		env := envMap(c)
		g.Expect(env).To(HaveKeyWithValue("HTTPS_PROXY", "http://proxy.corp.example.com:3128"), name)
		g.Expect(env).To(HaveKeyWithValue("HTTP_PROXY", "http://proxy.corp.example.com:3128"), name)
		g.Expect(strings.Split(env["NO_PROXY"], ",")).To(ContainElements("10.0.0.0/8", ".corp.example.com",
			"$(KUBERNETES_SERVICE_HOST)", ".svc", ".cluster.local", ".cluster.local."), name)
		g.Expect(strings.Split(env["SSL_CERT_DIR"], ":")).To(ContainElements("/etc/ssl/certs", "/var/run/fluxconfig/proxy-ca"), name)
		g.Expect(c.VolumeMounts).To(ContainElement(corev1.VolumeMount{Name: "proxy-ca",
			MountPath: "/var/run/fluxconfig/proxy-ca", ReadOnly: true}), name)
		g.Expect(podSpec(g, objs, name).Spec.Volumes).To(ContainElement(And(HaveField("Name", "proxy-ca"),
			HaveField("VolumeSource.ConfigMap.Name", "corp-proxy-ca"),
			HaveField("VolumeSource.ConfigMap.Items", ConsistOf(corev1.KeyToPath{Key: "ca.pem", Path: "proxy-ca.crt"})))), name)
		// Upstream's environment stays.
		if name == "source-controller" {
			g.Expect(env).To(HaveKey("RUNTIME_NAMESPACE"))
		}
	}

	// Each controller's own values.
	source := container(g, objs, "source-controller")
	g.Expect(envMap(source)).To(HaveKeyWithValue("SOURCE_EXTRA", "1"))
	g.Expect(source.VolumeMounts).To(ContainElement(corev1.VolumeMount{Name: "extra", MountPath: "/extra"}))
	g.Expect(podSpec(g, objs, "source-controller").Spec.Volumes).To(ContainElement(HaveField("Name", "extra")))
	g.Expect(serviceAccountAnnotations(objs, "source-controller")).To(HaveKeyWithValue("example.com/owner", "platform"))
	g.Expect(podLabels(g, objs, "source-controller")).To(HaveKeyWithValue("team", "platform"))
	g.Expect(podLabels(g, objs, "helm-controller")).To(HaveKeyWithValue("team", "platform"))
	g.Expect(envMap(container(g, objs, "kustomize-controller"))).NotTo(HaveKey("SOURCE_EXTRA"))

	// The agent: proxy, its values, the multi-tenancy settings.
	agent := container(g, objs, "fluxconfig-agent")
	env := envMap(agent)
	g.Expect(env).To(HaveKeyWithValue("HTTPS_PROXY", "http://proxy.corp.example.com:3128"))
	g.Expect(env).To(HaveKeyWithValue("GODEBUG", "http2client=0"))
	g.Expect(agent.Env).To(ContainElement(podNamespaceEnv))
	g.Expect(agent.Args).To(ContainElements("--prune-limit=25", "--protected-namespaces=kube-system,kube-public,kube-node-lease,platform"))
	g.Expect(agent.ReadinessProbe.HTTPGet.Path).To(Equal("/readyz?exclude=prune"), "agent.readinessChecks gates the probe on upstream")
	g.Expect(agent.VolumeMounts).To(ContainElements(HaveField("Name", "extra"), HaveField("Name", "proxy-ca"), HaveField("Name", "token")))
	g.Expect(serviceAccountAnnotations(objs, "fluxconfig-agent")).To(Equal(map[string]string{"example.com/owner": "platform"}))
	g.Expect(podLabels(g, objs, "fluxconfig-agent")).To(HaveKeyWithValue("team", "platform"))

	// fluxconfig-controller talks to the API server only.
	controller := container(g, objs, "fluxconfig-controller")
	g.Expect(envNames(controller)).To(ConsistOf("POD_NAMESPACE"))
	g.Expect(controller.Args).To(ContainElement("--protected-namespaces=kube-system,kube-public,kube-node-lease,platform"))
}

// TestChart_IdentityAndProxyNeedTheirSettings: what the schema cannot refuse fails at render
// time, saying what to set.
func TestChart_IdentityAndProxyNeedTheirSettings(t *testing.T) {
	chrt := loadChart(t)
	for want, values := range map[string]map[string]any{
		"workloadIdentity.clientId is required": {"workloadIdentity": map[string]any{"enable": true}},
		"with flux.install=false, annotate your own Flux's ServiceAccounts": {"flux": map[string]any{"install": false},
			"workloadIdentity": map[string]any{"enable": true, "clientId": "00000000-0000-0000-0000-0000000000aa"}},
		"set at most one of proxy.caBundle.configMapName and proxy.caBundle.secretName": {"proxy": map[string]any{
			"caBundle": map[string]any{"configMapName": "a", "secretName": "b"}}},
	} {
		_, err := renderChart(chrt, "values", "flux-system", values)
		NewWithT(t).Expect(err).To(MatchError(ContainSubstring(want)))
	}
}

func envMap(c corev1.Container) map[string]string {
	out := map[string]string{}
	for _, e := range c.Env {
		out[e.Name] = e.Value
	}
	return out
}

func envNames(c corev1.Container) []string {
	out := []string{}
	for _, e := range c.Env {
		out = append(out, e.Name)
	}
	return out
}

// podSpec returns the pod template of the named Deployment.
func podSpec(g *WithT, objs []*unstructured.Unstructured, deployment string) corev1.PodTemplateSpec {
	for _, o := range byKind(objs, "Deployment") {
		if o.GetName() != deployment {
			continue
		}
		tmpl, _, _ := unstructured.NestedMap(o.Object, "spec", "template")
		data, err := yaml.Marshal(tmpl)
		g.Expect(err).NotTo(HaveOccurred())
		var pod corev1.PodTemplateSpec
		g.Expect(yaml.Unmarshal(data, &pod)).To(Succeed())
		return pod
	}
	g.Expect(deployment).To(BeEmpty(), "no Deployment %s", deployment)
	return corev1.PodTemplateSpec{}
}

func podLabels(g *WithT, objs []*unstructured.Unstructured, deployment string) map[string]string {
	return podSpec(g, objs, deployment).Labels
}

func serviceAccountAnnotations(objs []*unstructured.Unstructured, name string) map[string]string {
	for _, o := range byKind(objs, "ServiceAccount") {
		if o.GetName() == name {
			return o.GetAnnotations()
		}
	}
	return nil
}
