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
	"sort"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// The kustomization body in both directions: ToSpec and FromSpec call these, so a new field is
// converted here, once each way.

// kustomizationsToSpec turns the map into a list sorted by name, so the same map always
// gives the same spec. Null entries (PATCH removals already applied) are skipped.
func kustomizationsToSpec(in map[string]*dpv1.KustomizationDefinition) []v1alpha1.KustomizationDefinition {
	names := make([]string, 0, len(in))
	for name, k := range in {
		if k != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	out := make([]v1alpha1.KustomizationDefinition, 0, len(names))
	for _, name := range names {
		k := in[name]
		d := v1alpha1.KustomizationDefinition{
			Name:          name,
			Path:          k.Path,
			DependsOn:     k.DependsOn,
			SyncInterval:  seconds(k.SyncIntervalInSeconds),
			RetryInterval: seconds(k.RetryIntervalInSeconds),
			Timeout:       seconds(k.TimeoutInSeconds),
			Prune:         k.Prune != nil && *k.Prune,
			Force:         k.Force != nil && *k.Force,
			Wait:          k.Wait,
		}
		if pb := k.PostBuild; pb != nil {
			d.PostBuild = &v1alpha1.PostBuildDefinition{Substitute: pb.Substitute}
			for _, f := range pb.SubstituteFrom {
				d.PostBuild.SubstituteFrom = append(d.PostBuild.SubstituteFrom, v1alpha1.SubstituteReferenceDefinition{
					Kind: v1alpha1.SubstituteReferenceKind(f.Kind), Name: f.Name, Optional: f.Optional != nil && *f.Optional,
				})
			}
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func kustomizationFromSpec(k *v1alpha1.KustomizationDefinition) *dpv1.KustomizationDefinition {
	out := &dpv1.KustomizationDefinition{
		Name: k.Name, Path: k.Path, DependsOn: k.DependsOn,
		SyncIntervalInSeconds: inSeconds(k.SyncInterval), RetryIntervalInSeconds: inSeconds(k.RetryInterval),
		TimeoutInSeconds: inSeconds(k.Timeout), Prune: boolPtr(k.Prune), Force: boolPtr(k.Force), Wait: k.Wait,
	}
	if pb := k.PostBuild; pb != nil {
		out.PostBuild = &dpv1.PostBuildDefinition{Substitute: pb.Substitute}
		for _, f := range pb.SubstituteFrom {
			out.PostBuild.SubstituteFrom = append(out.PostBuild.SubstituteFrom,
				dpv1.SubstituteFromDefinition{Kind: string(f.Kind), Name: f.Name, Optional: boolPtr(f.Optional)})
		}
	}
	return out
}
