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

	"path/filepath"
	"strings"

	. "github.com/onsi/gomega"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

// releaseNamespace is where the chart's ServiceAccounts live in the suite, as in a cluster.
const releaseNamespace = "fluxconfig-system"

// asChartAccounts installs the ServiceAccounts and RBAC the chart renders for our three
// processes, exactly as `helm install` would (the Flux controllers left out), and writes,
// for each of fluxconfig-controller, fluxconfig-agent and fluxconfig-cleanup, a kubeconfig
// that impersonates that ServiceAccount the way the API server authenticates its token.
// The processes then get no more than the chart gives them.
func asChartAccounts(ctx context.Context, c client.Client, adminKubeconfig []byte, dir string) map[string]string {
	chrt, err := loader.Load(filepath.Join(testenv.RepoRoot(), "charts", "fluxconfig"))
	Expect(err).NotTo(HaveOccurred())
	values := map[string]any{
		"flux":  map[string]any{"install": false},
		"agent": map[string]any{"endpoint": "http://127.0.0.1:1", "clusterName": "e2e", "tokenSecret": map[string]any{"name": "agent-token"}},
	}
	rv, err := chartutil.ToRenderValues(chrt, values,
		chartutil.ReleaseOptions{Name: "fluxconfig", Namespace: releaseNamespace, Revision: 1, IsInstall: true}, nil)
	Expect(err).NotTo(HaveOccurred())
	files, err := engine.Engine{Strict: true}.Render(chrt, rv)
	Expect(err).NotTo(HaveOccurred())
	var rbac []*unstructured.Unstructured
	for name, content := range files {
		if !strings.HasSuffix(name, ".yaml") {
			continue
		}
		objs, err := testenv.DecodeManifests([]byte(content))
		Expect(err).NotTo(HaveOccurred(), name)
		for _, o := range objs {
			switch o.GetKind() {
			case "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding":
				rbac = append(rbac, o)
			}
		}
	}
	Expect(testenv.EnsureNamespace(ctx, c, releaseNamespace)).To(Succeed())
	Expect(testenv.ApplyManifests(ctx, c, "e2e-helm", rbac)).To(Succeed())

	paths := map[string]string{}
	for _, sa := range []string{"fluxconfig-controller", "fluxconfig-agent", "fluxconfig-cleanup"} {
		Expect(rbac).To(ContainElement(WithTransform(func(o *unstructured.Unstructured) string {
			return o.GetKind() + "/" + o.GetName()
		}, Equal("ServiceAccount/"+sa))), "the chart renders ServiceAccount %s", sa)
		cfg, err := clientcmd.Load(adminKubeconfig)
		Expect(err).NotTo(HaveOccurred())
		for _, user := range cfg.AuthInfos {
			user.Impersonate = "system:serviceaccount:" + releaseNamespace + ":" + sa
			user.ImpersonateGroups = []string{"system:serviceaccounts", "system:serviceaccounts:" + releaseNamespace, "system:authenticated"}
		}
		path := filepath.Join(dir, sa+".kubeconfig")
		Expect(clientcmd.WriteToFile(*cfg, path)).To(Succeed())
		paths[sa] = path
	}
	return paths
}
