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

package render

import (
	"encoding/json"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	"github.com/fluxcd/pkg/apis/kustomize"
	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

func renderKustomization(fc *v1alpha1.FluxConfig, k v1alpha1.KustomizationDefinition, opts Options) *kustomizev1.Kustomization {
	obj := &kustomizev1.Kustomization{
		TypeMeta: metav1.TypeMeta{APIVersion: kustomizev1.GroupVersion.String(), Kind: kustomizev1.KustomizationKind},
		ObjectMeta: metav1.ObjectMeta{
			Name: KustomizationName(fc.Name, k.Name), Namespace: fc.Namespace, Labels: Labels(fc.Namespace, fc.Name),
		},
		Spec: kustomizev1.KustomizationSpec{
			SourceRef:     kustomizev1.CrossNamespaceSourceReference{Kind: SourceOf(fc).GVK.Kind, Name: fc.Name},
			Path:          k.Path,
			Interval:      interval(k.SyncInterval),
			RetryInterval: k.RetryInterval,
			Timeout:       k.Timeout,
			Prune:         k.Prune,
			Force:         k.Force,
			Wait:          k.Wait == nil || *k.Wait,
			Suspend:       fc.Spec.Suspend || opts.ForceSuspend,
		},
	}
	if opts.MultiTenancy {
		obj.Spec.ServiceAccountName = ApplierServiceAccount
	}
	for _, d := range k.DependsOn {
		obj.Spec.DependsOn = append(obj.Spec.DependsOn, meta.DependencyReference{Name: KustomizationName(fc.Name, d)})
	}
	if pb := k.PostBuild; pb != nil && (len(pb.Substitute) > 0 || len(pb.SubstituteFrom) > 0) {
		obj.Spec.PostBuild = &kustomizev1.PostBuild{Substitute: pb.Substitute}
		for _, s := range pb.SubstituteFrom {
			obj.Spec.PostBuild.SubstituteFrom = append(obj.Spec.PostBuild.SubstituteFrom,
				kustomizev1.SubstituteReference{Kind: string(s.Kind), Name: s.Name, Optional: s.Optional})
		}
	}
	if fc.SourceKind() == v1alpha1.SourceKindGitRepository {
		obj.Spec.Patches = []kustomize.Patch{managedSourcePatch(fc)}
	}
	return obj
}

// managedSourcePatch points the chart of every HelmRelease annotated
// clusterconfig.azure.com/use-managed-source: "true" at the config's GitRepository.
func managedSourcePatch(fc *v1alpha1.FluxConfig) kustomize.Patch {
	op := []map[string]any{{
		"op":   "add",
		"path": "/spec/chart/spec/sourceRef",
		"value": map[string]string{
			"kind": "GitRepository", "name": fc.Name, "namespace": fc.Namespace,
		},
	}}
	data, _ := json.Marshal(op) // a map of strings always marshals
	return kustomize.Patch{
		Patch: string(data),
		Target: &kustomize.Selector{
			Group:              "helm.toolkit.fluxcd.io",
			Kind:               "HelmRelease",
			AnnotationSelector: v1alpha1.UseManagedSourceAnnotation + "=true",
		},
	}
}
