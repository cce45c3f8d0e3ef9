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
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// valueSet is one way to install the chart: the defaults or a charts/fluxconfig/ci file
// (the files `make lint-chart` lints too), and what that rendering must hold.
type valueSet struct {
	name  string
	check func(g *WithT, ns string, objs []*unstructured.Unstructured)
}

var fluxControllers = []string{"source-controller", "kustomize-controller", "helm-controller", "notification-controller"}

var valueSets = []valueSet{
	{name: "defaults", check: func(g *WithT, ns string, objs []*unstructured.Unstructured) {
		g.Expect(names(objs, "Deployment")).To(ConsistOf(append([]string{"fluxconfig-controller"}, fluxControllers...)))
		g.Expect(names(objs, "CustomResourceDefinition")).To(HaveLen(15), "FluxConfig and the 14 Flux CRDs")
		g.Expect(names(objs, "CustomResourceDefinition")).To(ContainElements(
			"fluxconfigs.clusterconfig.azure.com", "gitrepositories.source.toolkit.fluxcd.io",
			"kustomizations.kustomize.toolkit.fluxcd.io", "helmreleases.helm.toolkit.fluxcd.io",
			"alerts.notification.toolkit.fluxcd.io", "providers.notification.toolkit.fluxcd.io",
			"receivers.notification.toolkit.fluxcd.io"))
		controller := container(g, objs, "fluxconfig-controller")
		g.Expect(controller.Args).To(ContainElements("--leader-elect=true", "--multi-tenancy-enforce=true"))
		g.Expect(resources(controller)).To(Equal("5m/30Mi/100m/150Mi"))
		for _, name := range []string{"kustomize-controller", "helm-controller"} {
			g.Expect(container(g, objs, name).Args).To(ContainElements(
				"--no-cross-namespace-refs=true", "--default-service-account=flux-applier"), name)
		}
		g.Expect(container(g, objs, "notification-controller").Args).To(ContainElement("--no-cross-namespace-refs=true"))
		g.Expect(container(g, objs, "source-controller").Args).NotTo(ContainElement(HavePrefix("--no-cross-namespace-refs")),
			"source-controller has no such flag")
		// `flux logs` reads every Deployment labelled part-of=flux; ours must not be one.
		for _, o := range byKind(objs, "Deployment") {
			isFlux := slices.Contains(fluxControllers, o.GetName())
			g.Expect(o.GetLabels()["app.kubernetes.io/part-of"] == "flux").To(Equal(isFlux), o.GetName())
		}
		g.Expect(names(objs, "Job")).To(ConsistOf("fluxconfig-cleanup", "fluxconfig-preflight"))
		g.Expect(jobArgs(g, objs, "fluxconfig-preflight")).To(ConsistOf("preflight", "--release=defaults",
			"--release-namespace="+ns, "--flux-install=true"))
		g.Expect(names(objs, "Service")).To(ConsistOf("fluxconfig-controller-metrics", "source-controller",
			"notification-controller", "webhook-receiver"))
		// Protected namespaces and the release namespace, for the controller.
		g.Expect(controller.Args).To(ContainElement("--protected-namespaces=kube-system,kube-public,kube-node-lease"))
		g.Expect(controller.Env).To(ContainElement(podNamespaceEnv))
		// Flux's own NetworkPolicies; no proxy and no workload identity unless asked for.
		g.Expect(names(objs, "NetworkPolicy")).To(ConsistOf("allow-egress", "allow-scraping", "allow-webhooks"))
		for _, name := range fluxControllers {
			g.Expect(envNames(container(g, objs, name))).NotTo(ContainElements("HTTPS_PROXY", "NO_PROXY", "SSL_CERT_DIR"), name)
			g.Expect(podLabels(g, objs, name)).NotTo(HaveKey(workloadIdentityUse), name)
		}
	}},
	{name: "agent", check: func(g *WithT, ns string, objs []*unstructured.Unstructured) {
		agent := container(g, objs, "fluxconfig-agent")
		g.Expect(agent.Args).To(ContainElements("--endpoint=https://config.example.com", "--cluster-name=cluster-1",
			"--token-file=/var/run/fluxconfig/token/token", "--ca-file=/var/run/fluxconfig/ca/ca.crt", "--leader-elect=true"))
		g.Expect(resources(agent)).To(Equal("5m/30Mi/50m/150Mi"))
		g.Expect(names(objs, "ClusterRole")).To(ContainElement("fluxconfig-agent-" + ns))
		g.Expect(names(objs, "Service")).To(ContainElement("fluxconfig-agent-metrics"))
		g.Expect(agent.Args).To(ContainElements("--prune-limit=10", "--protected-namespaces=kube-system,kube-public,kube-node-lease",
			"--poll-interval=30s", "--long-poll-wait=30s"))
		g.Expect(agent.Env).To(ContainElement(podNamespaceEnv))
		g.Expect(agent.ReadinessProbe.HTTPGet.Path).To(Equal("/readyz?exclude=upstream&exclude=prune"),
			"an endpoint unreachable at install time must not fail helm install --wait")
	}},
	{name: "identity-proxy", check: checkIdentityProxy},
	{name: "endpoint", check: checkEndpointBolt},
	{name: "endpoint-postgres", check: checkEndpointPostgres},
	{name: "no-flux", check: func(g *WithT, ns string, objs []*unstructured.Unstructured) {
		g.Expect(names(objs, "Deployment")).To(ConsistOf("fluxconfig-controller"))
		g.Expect(names(objs, "CustomResourceDefinition")).To(ConsistOf("fluxconfigs.clusterconfig.azure.com"))
		g.Expect(names(objs, "ClusterRole")).NotTo(ContainElement(HavePrefix("crd-controller")))
		g.Expect(names(objs, "NetworkPolicy")).To(BeEmpty(), "an existing Flux install brings its own")
		g.Expect(jobArgs(g, objs, "fluxconfig-preflight")).To(ContainElement("--flux-install=false"))
	}},
	{name: "no-multitenancy", check: func(g *WithT, ns string, objs []*unstructured.Unstructured) {
		g.Expect(container(g, objs, "fluxconfig-controller").Args).To(ContainElement("--multi-tenancy-enforce=false"))
		for _, name := range fluxControllers {
			g.Expect(container(g, objs, name).Args).NotTo(ContainElement(Or(
				HavePrefix("--no-cross-namespace-refs"), HavePrefix("--default-service-account"))), name)
		}
	}},
	{name: "custom", check: func(g *WithT, ns string, objs []*unstructured.Unstructured) {
		controller := container(g, objs, "fluxconfig-controller")
		g.Expect(resources(controller)).To(Equal("10m/64Mi/500m/512Mi"))
		g.Expect(controller.Args).To(ContainElements("--zap-log-level=debug", "--concurrent=8", "--kube-api-qps=80"))
		kustomize := container(g, objs, "kustomize-controller")
		g.Expect(kustomize.Args).To(ContainElements("--log-level=debug", "--concurrent=20", "--requeue-dependency=5s",
			"--feature-gates=StrictPostBuildSubstitutions=true"))
		g.Expect(resources(kustomize)).To(Equal("200m/256Mi/2/2Gi"))
		g.Expect(container(g, objs, "source-controller").Args).To(ContainElements(
			"--log-level=error", "--ssh-hostkey-algos=rsa-sha2-512,rsa-sha2-256"))
		g.Expect(container(g, objs, "helm-controller").Args).To(ContainElement("--concurrent=10"))
		g.Expect(container(g, objs, "image-automation-controller").Args).To(ContainElement("--ssh-hostkey-algos=rsa-sha2-512"))
		g.Expect(names(objs, "Deployment")).To(ContainElements("image-reflector-controller", "image-automation-controller"))
		for _, o := range objs {
			g.Expect(o.GetLabels()).To(HaveKeyWithValue("team", "platform"), "%s %s", o.GetKind(), o.GetName())
		}
	}},
	{name: "namespaced", check: func(g *WithT, ns string, objs []*unstructured.Unstructured) {
		g.Expect(container(g, objs, "fluxconfig-controller").Args).To(ContainElement("--watch-namespace=" + ns))
		for _, name := range fluxControllers {
			g.Expect(container(g, objs, name).Args).To(ContainElement("--watch-all-namespaces=false"), name)
		}
		// The Flux controllers hold their rights in the release namespace only.
		g.Expect(names(objs, "RoleBinding")).To(ContainElements("crd-controller-"+ns, "cluster-reconciler-"+ns))
		g.Expect(names(objs, "ClusterRoleBinding")).NotTo(ContainElement(Or(HavePrefix("crd-controller"), HavePrefix("cluster-reconciler"))))
		// So does the pre-delete hook, which deletes the FluxConfigs of the release namespace only.
		g.Expect(jobArgs(g, objs, "fluxconfig-cleanup")).To(ContainElement("--watch-namespace=" + ns))
		g.Expect(names(objs, "RoleBinding")).To(ContainElement("fluxconfig-cleanup-" + ns))
		g.Expect(names(objs, "ClusterRoleBinding")).NotTo(ContainElement(HavePrefix("fluxconfig-cleanup")))
		g.Expect(jobArgs(g, objs, "fluxconfig-preflight")).To(ContainElement("--watch-namespace=" + ns))
	}},
	{name: "minimal", check: func(g *WithT, ns string, objs []*unstructured.Unstructured) {
		g.Expect(names(objs, "CustomResourceDefinition")).To(BeEmpty())
		g.Expect(names(objs, "Job")).To(BeEmpty())
		g.Expect(names(objs, "Service")).To(BeEmpty())
		g.Expect(names(objs, "Deployment")).To(ConsistOf("fluxconfig-controller"))
	}},
}

// TestChart_InstallsOnAPIServer renders the chart for each value set, server-side applies every
// object (hooks included) to a real API server that starts without any CRD, and checks what
// each set promises. The namespaces warn on the restricted Pod Security Standard, so a pod
// template that breaks it comes back as an API warning and fails the test.
func TestChart_InstallsOnAPIServer(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(chartDir(), "ci", "*-values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// Every ci file has a case here, and every case but the defaults a ci file.
	var fromFiles []string
	for _, f := range files {
		fromFiles = append(fromFiles, strings.TrimSuffix(filepath.Base(f), "-values.yaml"))
	}
	var cases []string
	for _, vs := range valueSets[1:] {
		cases = append(cases, vs.name)
	}
	NewWithT(t).Expect(fromFiles).To(ConsistOf(cases))

	c := adminClient(t)
	for _, vs := range valueSets {
		t.Run(vs.name, func(t *testing.T) {
			g := NewWithT(t)
			values := map[string]any{}
			if vs.name != "defaults" {
				data, err := os.ReadFile(filepath.Join(chartDir(), "ci", vs.name+"-values.yaml"))
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(yaml.Unmarshal(data, &values)).To(Succeed())
			}
			ns := "fc-" + vs.name
			g.Expect(c.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns,
				Labels: map[string]string{"pod-security.kubernetes.io/warn": "restricted"}}})).To(Succeed())

			objs := mustRender(t, vs.name, ns, values)
			for _, o := range objs {
				if o.GetNamespace() != "" {
					g.Expect(o.GetNamespace()).To(Equal(ns), "%s %s is outside the release namespace", o.GetKind(), o.GetName())
				}
			}
			warnings.take()
			install(t, c, objs)
			g.Expect(warnings.take()).To(BeEmpty(), "API server warnings")
			vs.check(g, ns, objs)
		})
	}
}

func byKind(objs []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}

func names(objs []*unstructured.Unstructured, kind string) []string {
	out := []string{}
	for _, o := range byKind(objs, kind) {
		out = append(out, o.GetName())
	}
	return out
}

// container returns the only container of the named Deployment.
func container(g *WithT, objs []*unstructured.Unstructured, deployment string) corev1.Container {
	containers := podSpec(g, objs, deployment).Spec.Containers
	g.Expect(containers).To(HaveLen(1), deployment)
	return containers[0]
}

// resources prints requests and limits as cpu/memory/cpu/memory.
func resources(c corev1.Container) string {
	r := c.Resources
	return strings.Join([]string{r.Requests.Cpu().String(), r.Requests.Memory().String(),
		r.Limits.Cpu().String(), r.Limits.Memory().String()}, "/")
}
