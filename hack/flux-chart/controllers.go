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

package main

// controller is one Flux controller of the chart: where its manifests come from and what
// the chart layers on.
type controller struct {
	// Name is the Deployment's name, as Flux's install names it.
	Name string
	// Key is its entry under .Values.flux.
	Key string
	// Module holds config/manager; Flag is the command-line flag of its version.
	Module, Flag string
	// From names another controller whose manifests are the base, for a controller whose
	// module is not served: its Deployment has the same shape.
	From string
	// StoragePath adds the /data volume and --storage-path a derived controller needs.
	StoragePath bool
	// Lockdown flags under multiTenancy.enforce.
	NoCrossNamespaceRefs, DefaultServiceAccount bool
	// Requeue takes --requeue-dependency; SSH takes the SSH algorithm flags.
	Requeue, SSH bool
	// Events sends events to notification-controller when it is enabled.
	Events bool
	// Fetches sources or secrets from a cloud: workloadIdentity.enable gives it the identity.
	Fetches bool
}

// controllers in the order the chart renders them. Source-, kustomize- and helm-controller
// are built and run by the tests at the versions the Makefile pins, so their manifests come
// from those modules. notification-controller's module is served only at an older version
// (NOTIFICATION_MANIFEST_VERSION), whose config/manager is the base for the image the chart
// pins. Source-controller fetches sources, kustomize-controller decrypts with cloud key
// services, and the image controllers read registries and push to Git: those get the workload
// identity. The image controllers' modules are not served at all: they share kustomize-controller's
// shape (metrics and health ports, /tmp), plus a /data volume for the reflector's database.
var controllers = []controller{
	{Name: "source-controller", Key: "sourceController", Module: "github.com/fluxcd/source-controller", Flag: "source",
		SSH: true, Events: true, Fetches: true},
	{Name: "kustomize-controller", Key: "kustomizeController", Module: "github.com/fluxcd/kustomize-controller", Flag: "kustomize",
		NoCrossNamespaceRefs: true, DefaultServiceAccount: true, Requeue: true, Events: true, Fetches: true},
	{Name: "helm-controller", Key: "helmController", Module: "github.com/fluxcd/helm-controller", Flag: "helm",
		NoCrossNamespaceRefs: true, DefaultServiceAccount: true, Requeue: true, Events: true},
	{Name: "notification-controller", Key: "notificationController", Module: "github.com/fluxcd/notification-controller", Flag: "notification",
		NoCrossNamespaceRefs: true},
	{Name: "image-reflector-controller", Key: "imageReflectorController", From: "kustomize-controller",
		StoragePath: true, NoCrossNamespaceRefs: true, Events: true, Fetches: true},
	{Name: "image-automation-controller", Key: "imageAutomationController", From: "kustomize-controller",
		NoCrossNamespaceRefs: true, SSH: true, Events: true, Fetches: true},
}
