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

// Package preflight is what the chart's pre-install hook runs: it refuses to install onto a
// cluster that already runs a Flux this release would fight with. Flux v1 (the retired
// sourceControlConfigurations agent and its helm-operator) is refused always; a Flux v2 that
// this release did not install is refused when the chart would install its own
// (flux.install=true); another fluxconfig-controller (another release, or Azure's extension)
// is refused when their watch scopes overlap, since each would reconcile, and its uninstall
// delete, the other's FluxConfigs. It only reads.
package preflight

import (
	"context"
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Reading CRD names and Deployments (their images and labels) is all the hook does.
// +kubebuilder:rbac:groups=apiextensions.k8s.io,resources=customresourcedefinitions,verbs=list
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=list

// MigrationDoc is where the refusal sends the user.
const MigrationDoc = "docs/migrating-from-azure.md"

// Helm's ownership annotations: what marks an object as made by a given release.
const (
	releaseNameAnnotation      = "meta.helm.sh/release-name"
	releaseNamespaceAnnotation = "meta.helm.sh/release-namespace"
)

// fluxV1Groups are the API groups of Flux v1 and its helm-operator.
var fluxV1Groups = []string{"helm.fluxcd.io", "flux.weave.works", "helm.integrations.flux.weave.works"}

// fluxV1Images are the repositories (the path after any registry) of Flux v1's Deployments.
var fluxV1Images = []string{"fluxcd/flux", "weaveworks/flux", "fluxcd/helm-operator", "weaveworks/helm-operator"}

// fluxV2Images are the repositories of the Flux v2 controllers.
var fluxV2Images = []string{"fluxcd/source-controller", "fluxcd/kustomize-controller", "fluxcd/helm-controller",
	"fluxcd/notification-controller", "fluxcd/image-reflector-controller", "fluxcd/image-automation-controller"}

// Options says which release is being installed, and how.
type Options struct {
	// Release and Namespace name the Helm release being installed.
	Release, Namespace string
	// FluxInstall is the chart's flux.install: the release brings its own Flux v2.
	FluxInstall bool
	// WatchNamespace is the release's watch namespace; empty when it watches all namespaces.
	WatchNamespace string
}

// Findings is what Check found, one line per object.
type Findings struct {
	FluxV1, ForeignFluxV2 []string
	// OverlappingControllers are other fluxconfig-controllers whose watch scope meets ours.
	OverlappingControllers []string
}

// Check lists the CRDs and Deployments of the cluster and reports a Flux v1, and a Flux v2 this
// release did not install (whether or not it matters: see Err).
func Check(ctx context.Context, c client.Reader, opts Options) (Findings, error) {
	var f Findings
	crds := &metav1.PartialObjectMetadataList{}
	crds.SetGroupVersionKind(apiextensionsv1.SchemeGroupVersion.WithKind("CustomResourceDefinitionList"))
	if err := listAll(ctx, c, crds, func() { crdNames(crds, opts, &f) }); err != nil {
		return f, fmt.Errorf("listing CustomResourceDefinitions: %w", err)
	}
	deployments := &appsv1.DeploymentList{}
	if err := listAll(ctx, c, deployments, func() { deploymentImages(deployments, opts, &f) }); err != nil {
		return f, fmt.Errorf("listing Deployments: %w", err)
	}
	return f, nil
}

// Err is the refusal for these findings, nil when the install may go ahead.
func (f Findings) Err(opts Options) error {
	var msgs []string
	if len(f.FluxV1) > 0 {
		msgs = append(msgs, fmt.Sprintf("found Flux v1 (%s). fluxconfig does not run beside Flux v1, the "+
			"agent of Azure's retired sourceControlConfigurations: move its configurations to FluxConfigs "+
			"and remove it first, as %s describes", strings.Join(f.FluxV1, "; "), MigrationDoc))
	}
	if opts.FluxInstall && len(f.ForeignFluxV2) > 0 {
		msgs = append(msgs, fmt.Sprintf("found a Flux v2 that release %s/%s did not install (%s), and "+
			"flux.install=true would install a second one. To use the Flux already there, install with "+
			"--set flux.install=false; to replace it (an Azure microsoft.flux extension, say), remove it "+
			"first, as %s describes", opts.Namespace, opts.Release, strings.Join(f.ForeignFluxV2, "; "), MigrationDoc))
	}
	if len(f.OverlappingControllers) > 0 {
		msgs = append(msgs, fmt.Sprintf("found another fluxconfig-controller reconciling the FluxConfigs this "+
			"release would (%s): two releases share a cluster only with watchAllNamespaces=false and a namespace "+
			"each; uninstall the other, or install this one in another namespace with --set watchAllNamespaces=false",
			strings.Join(f.OverlappingControllers, "; ")))
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("refusing to install: %s", strings.Join(msgs, ". Also, "))
}

// listAll pages through a list, calling each after every page.
func listAll(ctx context.Context, c client.Reader, list client.ObjectList, each func()) error {
	opts := &client.ListOptions{Limit: 500}
	for {
		if err := c.List(ctx, list, opts); err != nil {
			return err
		}
		each()
		opts.Continue = list.(metav1.ListInterface).GetContinue()
		if opts.Continue == "" {
			return nil
		}
	}
}

func crdNames(list *metav1.PartialObjectMetadataList, opts Options, f *Findings) {
	for _, crd := range list.Items {
		_, group, _ := strings.Cut(crd.Name, ".")
		switch {
		case slices.Contains(fluxV1Groups, group):
			f.FluxV1 = append(f.FluxV1, "CRD "+crd.Name)
		case strings.HasSuffix(group, ".toolkit.fluxcd.io") && !ours(&crd.ObjectMeta, opts):
			f.ForeignFluxV2 = append(f.ForeignFluxV2, "CRD "+crd.Name+madeBy(&crd.ObjectMeta))
		}
	}
}

func deploymentImages(list *appsv1.DeploymentList, opts Options, f *Findings) {
	for i := range list.Items {
		d := &list.Items[i]
		name := "Deployment " + d.Namespace + "/" + d.Name
		if scope, ok := controllerScope(d); ok && !ours(&d.ObjectMeta, opts) && overlaps(scope, opts.WatchNamespace) {
			f.OverlappingControllers = append(f.OverlappingControllers, name+", watching "+describe(scope))
			continue
		}
		// One line per Deployment, for the first container that tells.
		for _, c := range d.Spec.Template.Spec.Containers {
			if isImageOf(c.Image, fluxV1Images) {
				f.FluxV1 = append(f.FluxV1, name+" (image "+c.Image+")")
				break
			}
			if isImageOf(c.Image, fluxV2Images) {
				if !ours(&d.ObjectMeta, opts) {
					f.ForeignFluxV2 = append(f.ForeignFluxV2, name+" (image "+c.Image+")"+madeBy(&d.ObjectMeta))
				}
				break
			}
		}
	}
}

// controllerScope tells a fluxconfig-controller Deployment (ours, by its label, or Azure's
// extension's, by its image) and its watch namespace, empty for all.
func controllerScope(d *appsv1.Deployment) (string, bool) {
	ours := d.Spec.Template.Labels["app.kubernetes.io/name"] == "fluxconfig-controller"
	for _, c := range d.Spec.Template.Spec.Containers {
		if isImageOf(c.Image, []string{"azurek8sflux/fluxconfig-controller"}) {
			return "", true
		}
		if !ours {
			continue
		}
		for _, a := range c.Args {
			if ns, found := strings.CutPrefix(a, "--watch-namespace="); found {
				return ns, true
			}
		}
	}
	return "", ours
}

// overlaps reports whether two watch scopes ("" for all namespaces) share a namespace.
func overlaps(a, b string) bool { return a == "" || b == "" || a == b }

func describe(scope string) string {
	if scope == "" {
		return "all namespaces"
	}
	return "namespace " + scope
}

// ours reports an object Helm made for this very release: a CRD kept by crds.keep from an
// earlier install of it, which Helm adopts again.
func ours(obj *metav1.ObjectMeta, opts Options) bool {
	return obj.Annotations[releaseNameAnnotation] == opts.Release &&
		obj.Annotations[releaseNamespaceAnnotation] == opts.Namespace
}

func madeBy(obj *metav1.ObjectMeta) string {
	if name := obj.Annotations[releaseNameAnnotation]; name != "" {
		return ", of Helm release " + obj.Annotations[releaseNamespaceAnnotation] + "/" + name
	}
	return ""
}

// isImageOf reports whether image is one of repos, from any registry or mirror path:
// "mcr.microsoft.com/oss/fluxcd/source-controller:v1.2.0" is fluxcd/source-controller.
func isImageOf(image string, repos []string) bool {
	image, _, _ = strings.Cut(image, "@")
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		image = image[:i]
	}
	for _, r := range repos {
		if image == r || strings.HasSuffix(image, "/"+r) {
			return true
		}
	}
	return false
}
