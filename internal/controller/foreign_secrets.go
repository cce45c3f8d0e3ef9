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

package controller

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// secretMeta is the metadata-only form of a Secret.
func secretMeta() *metav1.PartialObjectMetadata {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	return m
}

// foreignSecrets starts a second, metadata-only cache of the Secrets the main cache leaves
// out: those without NameLabel, which fluxconfig never writes. A Secret the controller is
// about to create is then known to be absent or foreign without a read from the API server,
// one request less per new config. Only names are kept: annotations (kubectl's
// last-applied-configuration holds a Secret's data) and managed fields are dropped on arrival.
// The returned source makes the controller wait until the cache has synced.
func foreignSecrets(mgr ctrl.Manager, namespace string) (cache.Cache, source.Source, error) {
	notOurs, err := labels.Parse("!" + v1alpha1.NameLabel)
	if err != nil {
		return nil, nil, err
	}
	opts := cache.Options{
		HTTPClient: mgr.GetHTTPClient(), Scheme: mgr.GetScheme(), Mapper: mgr.GetRESTMapper(),
		ReaderFailOnMissingInformer: true,
		DefaultLabelSelector:        notOurs,
		DefaultTransform:            keepName,
	}
	if namespace != "" {
		opts.DefaultNamespaces = map[string]cache.Config{namespace: {}}
	}
	c, err := cache.New(mgr.GetConfig(), opts)
	if err != nil {
		return nil, nil, fmt.Errorf("creating the cache of foreign Secrets: %w", err)
	}
	if err := mgr.Add(c); err != nil {
		return nil, nil, err
	}
	src := source.Kind(c, secretMeta(), handler.TypedFuncs[*metav1.PartialObjectMetadata, reconcile.Request]{})
	return c, src, nil
}

// keepName drops everything of a Secret's metadata but what identifies it.
func keepName(obj any) (any, error) {
	m, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		return obj, nil
	}
	return &metav1.PartialObjectMetadata{TypeMeta: m.TypeMeta, ObjectMeta: metav1.ObjectMeta{
		Name: m.Name, Namespace: m.Namespace, UID: m.UID, ResourceVersion: m.ResourceVersion, Labels: m.Labels,
	}}, nil
}
