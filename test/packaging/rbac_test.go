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
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	dpclient "github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/agent"
	"github.com/fluxconfig/fluxconfig/internal/agent/drift"
	"github.com/fluxconfig/fluxconfig/internal/agent/poller"
	"github.com/fluxconfig/fluxconfig/internal/agent/reporter"
	"github.com/fluxconfig/fluxconfig/internal/cleanup"
	"github.com/fluxconfig/fluxconfig/internal/controller"
	"github.com/fluxconfig/fluxconfig/internal/preflight"
	"github.com/fluxconfig/fluxconfig/internal/render"
	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/testutil"
)

// forbiddenLog records every request the API server refused with 403.
type forbiddenLog struct {
	mu   sync.Mutex
	reqs []string
}

func (f *forbiddenLog) all() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.reqs...)
}

// asServiceAccount returns a configuration that impersonates namespace/name as the API server
// authenticates a pod's ServiceAccount token, and logs what is forbidden to it.
func asServiceAccount(namespace, name string, forbidden *forbiddenLog) *rest.Config {
	c := rest.CopyConfig(cfg)
	c.Impersonate = rest.ImpersonationConfig{
		UserName: "system:serviceaccount:" + namespace + ":" + name,
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"},
	}
	c.WarningHandler = nil
	c.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			resp, err := rt.RoundTrip(r)
			if err == nil && resp.StatusCode == http.StatusForbidden && forbidden != nil {
				forbidden.mu.Lock()
				forbidden.reqs = append(forbidden.reqs, r.Method+" "+r.URL.Path)
				forbidden.mu.Unlock()
			}
			return resp, err
		})
	})
	return c
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestChart_RBACIsEnoughAndNoMore installs the chart's RBAC (the ClusterRoles generated from
// the markers, their bindings, the ServiceAccounts) and runs the real controller, agent and
// clean-up hook as those ServiceAccounts, each with leader election as the chart runs them.
// A configuration PUT at a real endpoint reaches the cluster through the agent, the controller
// turns it into Flux objects and tenant RBAC, status goes back, and the pre-delete hook removes
// it all; no request of theirs is refused. Then each account is refused what is not its job.
func TestChart_RBACIsEnoughAndNoMore(t *testing.T) {
	g := NewWithT(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ensureCRDs(t)
	admin := adminClient(t)
	const ns, release, cluster = "rbac-system", "rbac", "cluster-1"

	objs := mustRender(t, release, ns, map[string]any{
		"flux": map[string]any{"install": false},
		"agent": map[string]any{"endpoint": "https://unused.example.com", "clusterName": cluster,
			"tokenSecret": map[string]any{"name": "agent-token"}},
	})
	var rbac []*unstructured.Unstructured
	for _, o := range objs {
		switch o.GetKind() {
		case "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding":
			rbac = append(rbac, o)
		}
	}
	g.Expect(names(rbac, "ServiceAccount")).To(ConsistOf("fluxconfig-controller", "fluxconfig-agent", "fluxconfig-cleanup",
		"fluxconfig-preflight"))
	// What is about the release namespace alone (Leases, the agent's Deployment) is in Roles there.
	g.Expect(names(rbac, "Role")).To(ConsistOf("fluxconfig-controller", "fluxconfig-agent", "fluxconfig-cleanup"))
	install(t, admin, rbac)
	ctrl.SetLogger(logr.Discard())

	// The pre-install hook, as its ServiceAccount, before anything runs.
	preflightForbidden := &forbiddenLog{}
	preflightClient, err := client.New(asServiceAccount(ns, "fluxconfig-preflight", preflightForbidden), client.Options{Scheme: scheme.New()})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = preflight.Check(ctx, preflightClient, preflight.Options{Release: release, Namespace: ns, FluxInstall: false})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(preflightForbidden.all()).To(BeEmpty(), "requests of the preflight hook refused")

	// The controller, as main.go builds it, as its ServiceAccount.
	controllerForbidden := &forbiddenLog{}
	controllerCfg := asServiceAccount(ns, "fluxconfig-controller", controllerForbidden)
	mgr, err := ctrl.NewManager(controllerCfg, ctrl.Options{
		Scheme: scheme.New(), Cache: controller.CacheOptions(),
		Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0",
		LeaderElection: true, LeaderElectionID: "fluxconfig-controller.clusterconfig.azure.com",
		LeaderElectionNamespace: ns,
	})
	g.Expect(err).NotTo(HaveOccurred())
	r := &controller.FluxConfigReconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(),
		Scheme: mgr.GetScheme(), Recorder: mgr.GetEventRecorder(controller.FieldManager),
		MultiTenancy: true, KnownHosts: render.BuiltInKnownHosts, ResyncInterval: time.Hour}
	g.Expect(r.SetupWithManager(mgr, 2)).To(Succeed())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Add(1)
	go func() { defer wg.Done(); _ = mgr.Start(ctx) }()

	// A real endpoint, and the agent, as main.go builds it, as its ServiceAccount.
	ep := startEndpoint(t, cluster)
	agentForbidden := &forbiddenLog{}
	agentMgr, err := ctrl.NewManager(asServiceAccount(ns, "fluxconfig-agent", agentForbidden), ctrl.Options{
		Scheme: scheme.New(), Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0",
		LeaderElection: true, LeaderElectionID: "fluxconfig-agent.clusterconfig.azure.com",
		LeaderElectionNamespace: ns,
		Client:                  client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}},
	})
	g.Expect(err).NotTo(HaveOccurred())
	agentAPI, err := dpclient.New(dpclient.Options{Endpoint: ep.URL, TokenFile: ep.agentToken})
	g.Expect(err).NotTo(HaveOccurred())
	cc := agentAPI.Cluster(cluster)
	identity, err := agent.NewIdentity(ep.URL, cluster)
	g.Expect(err).NotTo(HaveOccurred())
	recorder, desired := agentMgr.GetEventRecorder(agent.FieldOwner), &drift.Desired{}
	g.Expect(agentMgr.Add(&poller.Poller{Client: agentMgr.GetClient(), Config: cc, Interval: time.Second,
		Now: time.Now, Log: logr.Discard(), Identity: identity, StateNamespace: ns, Desired: desired, Recorder: recorder})).To(Succeed())
	g.Expect((&drift.Repairer{Client: agentMgr.GetClient(), Reader: agentMgr.GetAPIReader(), Desired: desired,
		Recorder: recorder}).SetupWithManager(agentMgr)).To(Succeed())
	g.Expect((&reporter.Reporter{Client: agentMgr.GetClient(), Config: cc, Interval: time.Second,
		Now: time.Now, Identity: identity}).SetupWithManager(agentMgr)).To(Succeed())
	agentCtx, stopAgent := context.WithCancel(ctx)
	agentDone := make(chan struct{})
	go func() { defer close(agentDone); _ = agentMgr.Start(agentCtx) }()

	// Two tenants: cluster scope (ClusterRoleBinding) and namespace scope (RoleBinding).
	prune := true
	for name, scope := range map[string]string{"cluster-tenant": "cluster", "ns-tenant": "namespace"} {
		ep.put(t, name, dpv1.FluxConfigurationProperties{
			Namespace: name, Scope: scope, SourceKind: "GitRepository",
			GitRepository: &dpv1.GitRepositoryDefinition{URL: "https://git.example.com/org/" + name,
				RepositoryRef: &dpv1.RepositoryRefDefinition{Branch: "main"}, HTTPSUser: "git"},
			Kustomizations:                 map[string]*dpv1.KustomizationDefinition{"apps": {Path: "./apps", Prune: &prune}},
			ConfigurationProtectedSettings: map[string]string{"httpsKey": base64.StdEncoding.EncodeToString([]byte("s3cr3t"))},
		})
	}
	for _, name := range []string{"cluster-tenant", "ns-tenant"} {
		g.Eventually(func(g Gomega) {
			g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: name, Name: name}, &sourcev1.GitRepository{})).To(Succeed())
			g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: name, Name: name + "-apps"}, &kustomizev1.Kustomization{})).To(Succeed())
			g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: name, Name: name + "-auth"}, &corev1.Secret{})).To(Succeed())
			g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: name, Name: render.ApplierServiceAccount}, &corev1.ServiceAccount{})).To(Succeed())
			fc := &v1alpha1.FluxConfig{}
			g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: name, Name: name}, fc)).To(Succeed())
			g.Expect(fc.Status.ObservedGeneration).To(Equal(fc.Generation), "the controller wrote status")
		}).WithTimeout(60*time.Second).Should(Succeed(), name)
	}
	g.Expect(admin.Get(ctx, client.ObjectKey{Name: render.ClusterRoleBindingName("cluster-tenant")}, &rbacv1.ClusterRoleBinding{})).To(Succeed())
	g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: "ns-tenant", Name: render.ApplierServiceAccount}, &rbacv1.RoleBinding{})).To(Succeed())
	// Both hold their leases, and the agent has reported the controller's status back.
	for _, id := range []string{"fluxconfig-controller.clusterconfig.azure.com", "fluxconfig-agent.clusterconfig.azure.com"} {
		lease := &coordinationv1.Lease{}
		g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: id}, lease)).To(Succeed())
		g.Expect(lease.Spec.HolderIdentity).NotTo(BeNil(), id)
	}
	g.Eventually(func() string { return ep.statusOf(t, "cluster-tenant") }).WithTimeout(60 * time.Second).
		ShouldNot(BeEmpty())

	// The pre-delete hook, as its ServiceAccount, while the controller runs. The agent would
	// re-create the FluxConfigs the hook deletes; the hook stops its Deployment first, which
	// stopping the in-process agent stands for here.
	stopAgent()
	<-agentDone
	hookForbidden := &forbiddenLog{}
	hook, err := client.New(asServiceAccount(ns, "fluxconfig-cleanup", hookForbidden), client.Options{Scheme: scheme.New()})
	g.Expect(err).NotTo(HaveOccurred())
	var out bytes.Buffer
	g.Expect(cleanup.Run(ctx, hook, cleanup.Options{Timeout: time.Minute, Poll: 200 * time.Millisecond, Out: &out,
		Agent: types.NamespacedName{Namespace: ns, Name: "fluxconfig-agent"}})).To(Succeed(), out.String())
	g.Expect(out.String()).To(ContainSubstring("Deleting FluxConfig cluster-tenant/cluster-tenant"))
	for _, name := range []string{"cluster-tenant", "ns-tenant"} {
		err := admin.Get(ctx, client.ObjectKey{Namespace: name, Name: name}, &sourcev1.GitRepository{})
		g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "GitRepository %s left behind: %v", name, err)
		err = admin.Get(ctx, client.ObjectKey{Namespace: name, Name: render.ApplierServiceAccount}, &corev1.ServiceAccount{})
		g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "flux-applier in %s left behind: %v", name, err)
	}
	err = admin.Get(ctx, client.ObjectKey{Name: render.ClusterRoleBindingName("cluster-tenant")}, &rbacv1.ClusterRoleBinding{})
	g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "tenant ClusterRoleBinding left behind: %v", err)

	cancel()
	wg.Wait()
	g.Expect(controllerForbidden.all()).To(BeEmpty(), "requests of the controller refused")
	g.Expect(agentForbidden.all()).To(BeEmpty(), "requests of the agent refused")
	g.Expect(hookForbidden.all()).To(BeEmpty(), "requests of the clean-up hook refused")

	// Nothing more: each account is refused what is not its job.
	bg := context.Background()
	controllerClient, err := client.New(asServiceAccount(ns, "fluxconfig-controller", nil), client.Options{Scheme: scheme.New()})
	g.Expect(err).NotTo(HaveOccurred())
	agentClient, err := client.New(asServiceAccount(ns, "fluxconfig-agent", nil), client.Options{Scheme: scheme.New()})
	g.Expect(err).NotTo(HaveOccurred())
	// A role with a right the controller lacks: binding it would be an escalation, which only
	// bind on that very role would allow (the controller has bind on cluster-admin alone).
	g.Expect(admin.Create(bg, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "configmap-writer"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"create"}}}})).To(Succeed())
	escalate := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "escalate"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "configmap-writer"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "default", Namespace: "default"}}}
	var allowed []string
	for what, err := range map[string]error{
		"controller binds a ClusterRole other than cluster-admin": controllerClient.Create(bg, escalate),
		"controller creates a ClusterRole":                        controllerClient.Create(bg, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "mine"}}),
		"controller lists ConfigMaps":                             controllerClient.List(bg, &corev1.ConfigMapList{}),
		"controller creates a Deployment":                         controllerClient.Create(bg, deployment("default")),
		"controller deletes a namespace":                          controllerClient.Delete(bg, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}}),
		"agent lists Secrets":                                     agentClient.List(bg, &corev1.SecretList{}),
		"agent updates a Secret (it server-side applies)": agentClient.Update(bg, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "default"}}),
		"controller takes a Lease outside the release namespace": controllerClient.Create(bg, lease("default")),
		"controller lists Leases":                                controllerClient.List(bg, &coordinationv1.LeaseList{}, client.InNamespace(ns)),
		"agent takes a Lease outside the release namespace":      agentClient.Create(bg, lease("default")),
		"agent deletes a Lease":                                  agentClient.Delete(bg, lease(ns)),
		"hook deletes the agent Deployment of another namespace": hook.Delete(bg, &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "fluxconfig-agent", Namespace: "default"}}),
		"preflight reads a Secret":       preflightClient.Get(bg, client.ObjectKey{Namespace: ns, Name: "agent-token"}, &corev1.Secret{}),
		"preflight deletes a Deployment": preflightClient.Delete(bg, deployment(ns)),
		"agent creates a Kustomization": agentClient.Create(bg, &kustomizev1.Kustomization{
			ObjectMeta: metav1.ObjectMeta{Name: "k", Namespace: "default"}}),
		"agent creates a RoleBinding": agentClient.Create(bg, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "rb", Namespace: "default"},
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"}}),
		"hook reads a Secret":                            hook.Get(bg, client.ObjectKey{Namespace: ns, Name: "agent-token"}, &corev1.Secret{}),
		"hook creates a FluxConfig":                      hook.Create(bg, &v1alpha1.FluxConfig{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "default"}}),
		"hook deletes a namespace":                       hook.Delete(bg, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}}),
		"hook deletes a Deployment other than the agent": hook.Delete(bg, deployment(ns)),
	} {
		if !apierrors.IsForbidden(err) {
			allowed = append(allowed, fmt.Sprintf("%s: want Forbidden, got %v", what, err))
		}
	}
	sort.Strings(allowed)
	g.Expect(allowed).To(BeEmpty())
}

func lease(namespace string) *coordinationv1.Lease {
	return &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "fluxconfig", Namespace: namespace}}
}

func deployment(namespace string) *appsv1.Deployment {
	labels := map[string]string{"app": "x"}
	return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: namespace},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "x", Image: "x"}}}}}}
}

// testEndpoint is the reference endpoint on 127.0.0.1 with one cluster registered, and its
// management client.
type testEndpoint struct {
	*testutil.Endpoint
	admin      *dpclient.Cluster
	agentToken string
}

func startEndpoint(t *testing.T, cluster string) *testEndpoint {
	t.Helper()
	e, err := testutil.StartEndpoint(t.TempDir(), testutil.EndpointOptions{AdminToken: testutil.NewToken(),
		Clusters: map[string]string{cluster: testutil.NewToken()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	token, err := os.ReadFile(e.Tokens.AdminFile)
	if err != nil {
		t.Fatal(err)
	}
	c, err := dpclient.New(dpclient.Options{Endpoint: e.URL, Token: string(token)})
	if err != nil {
		t.Fatal(err)
	}
	return &testEndpoint{Endpoint: e, admin: c.Cluster(cluster), agentToken: e.Tokens.AgentTokenFile(cluster)}
}

func (ep *testEndpoint) put(t *testing.T, name string, props dpv1.FluxConfigurationProperties) {
	t.Helper()
	if _, err := ep.admin.Put(context.Background(), name, &dpv1.FluxConfiguration{Properties: props}); err != nil {
		t.Fatal(err)
	}
}

// statusOf returns the compliance state the agent reported for name, empty before a report.
func (ep *testEndpoint) statusOf(t *testing.T, name string) string {
	t.Helper()
	c, err := ep.admin.Get(context.Background(), name)
	if err != nil {
		return ""
	}
	return c.Properties.ComplianceState
}
