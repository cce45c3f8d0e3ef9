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

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// KustomizationDefinition is one Flux Kustomization applying a path of the source. It is
// named <FluxConfig name>-<name>.
type KustomizationDefinition struct {
	// name of the kustomization, unique within the FluxConfig.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=62
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	// +required
	Name string `json:"name"`

	// path in the source to apply; the source root when empty.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Path string `json:"path,omitempty"`

	// dependsOn names other kustomizations of this FluxConfig that must be ready first.
	// +kubebuilder:validation:MaxItems=20
	// +kubebuilder:validation:items:MaxLength=62
	// +listType=set
	// +optional
	DependsOn []string `json:"dependsOn,omitempty"`

	// syncInterval is how often the kustomization is applied.
	// +kubebuilder:default="10m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]+(\\\\.[0-9]+)?(ms|s|m|h))+$') || duration(self) > duration('0s')",message="must be a positive duration such as 10m or 1h30m"
	// +optional
	SyncInterval *metav1.Duration `json:"syncInterval,omitempty"`

	// retryInterval is how soon a failed apply is retried; syncInterval when unset.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]+(\\\\.[0-9]+)?(ms|s|m|h))+$') || duration(self) > duration('0s')",message="must be a positive duration such as 10m or 1h30m"
	// +optional
	RetryInterval *metav1.Duration `json:"retryInterval,omitempty"`

	// timeout bounds one apply, including the health checks of wait.
	// +kubebuilder:default="10m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]+(\\\\.[0-9]+)?(ms|s|m|h))+$') || duration(self) > duration('0s')",message="must be a positive duration such as 10m or 1h30m"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// prune deletes objects that were applied before and are no longer in the source, and
	// everything applied when the kustomization is deleted.
	// +optional
	Prune bool `json:"prune,omitempty"`

	// force recreates objects whose immutable fields changed.
	// +optional
	Force bool `json:"force,omitempty"`

	// wait health-checks everything applied before the kustomization counts as ready.
	// +kubebuilder:default=true
	// +optional
	Wait *bool `json:"wait,omitempty"`

	// postBuild substitutes variables in the built manifests.
	// +optional
	PostBuild *PostBuildDefinition `json:"postBuild,omitempty"`
}

// PostBuildDefinition substitutes ${var} references after kustomize build.
type PostBuildDefinition struct {
	// substitute maps variable names to values.
	// +kubebuilder:validation:MaxProperties=256
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[_a-zA-Z][_a-zA-Z0-9]*$'))",message="variable names must start with a letter or underscore and hold only letters, digits and underscores"
	// +optional
	Substitute map[string]string `json:"substitute,omitempty"`

	// substituteFrom reads variables from ConfigMaps and Secrets of this namespace; later
	// entries win.
	// +kubebuilder:validation:MaxItems=32
	// +listType=atomic
	// +optional
	SubstituteFrom []SubstituteReferenceDefinition `json:"substituteFrom,omitempty"`
}

// SubstituteReferenceKind is the kind of object variables are read from.
// +kubebuilder:validation:Enum=ConfigMap;Secret
type SubstituteReferenceKind string

// SubstituteReferenceDefinition names a ConfigMap or Secret to read variables from.
type SubstituteReferenceDefinition struct {
	// kind is ConfigMap or Secret.
	// +required
	Kind SubstituteReferenceKind `json:"kind"`

	// name of the object in this namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	// +required
	Name string `json:"name"`

	// optional lets the kustomization proceed while the object does not exist.
	// +optional
	Optional bool `json:"optional,omitempty"`
}
