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
	"strings"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// defaultInterval is the ARM default of every *InSeconds interval and timeout (600 s), used
// when the API server did not default a field (objects built in memory).
const defaultInterval = 10 * time.Minute

// FluxSource is a Flux source kind fluxconfig renders.
type FluxSource struct {
	GVK     schema.GroupVersionKind
	New     func() client.Object
	NewList func() client.ObjectList
}

var (
	gitRepository = FluxSource{sourcev1.GroupVersion.WithKind(sourcev1.GitRepositoryKind),
		func() client.Object { return &sourcev1.GitRepository{} }, func() client.ObjectList { return &sourcev1.GitRepositoryList{} }}
	bucket = FluxSource{sourcev1.GroupVersion.WithKind(sourcev1.BucketKind),
		func() client.Object { return &sourcev1.Bucket{} }, func() client.ObjectList { return &sourcev1.BucketList{} }}
	ociRepository = FluxSource{sourcev1.GroupVersion.WithKind(sourcev1.OCIRepositoryKind),
		func() client.Object { return &sourcev1.OCIRepository{} }, func() client.ObjectList { return &sourcev1.OCIRepositoryList{} }}
)

// sourceType is how one FluxConfig source kind is rendered.
type sourceType struct {
	flux   FluxSource
	auth   func(fc *v1alpha1.FluxConfig, p protected, in Inputs, opts Options) (authResult, error)
	render func(fc *v1alpha1.FluxConfig, auth authResult, suspend bool) (client.Object, error)
}

// sourceTypes is the one table of source kinds: render, the controller's watches, prune and
// status all follow it.
var sourceTypes = map[v1alpha1.SourceKind]sourceType{
	v1alpha1.SourceKindGitRepository: {gitRepository, func(fc *v1alpha1.FluxConfig, p protected, in Inputs, opts Options) (authResult, error) {
		return gitAuth(fc, p, in.GeneratedSSHKey, opts.KnownHosts)
	}, renderGitRepository},
	v1alpha1.SourceKindBucket:        {bucket, ignoreInputs(bucketAuth), renderBucket},
	v1alpha1.SourceKindAzureBlob:     {bucket, ignoreInputs(azureBlobAuth), renderAzureBlob},
	v1alpha1.SourceKindOCIRepository: {ociRepository, ignoreInputs(ociAuth), renderOCIRepository},
}

func ignoreInputs(auth func(*v1alpha1.FluxConfig, protected) (authResult, error)) func(*v1alpha1.FluxConfig, protected, Inputs, Options) (authResult, error) {
	return func(fc *v1alpha1.FluxConfig, p protected, _ Inputs, _ Options) (authResult, error) {
		return auth(fc, p)
	}
}

// SourceOf is the Flux source fc renders.
func SourceOf(fc *v1alpha1.FluxConfig) FluxSource { return sourceTypes[fc.SourceKind()].flux }

// FluxSources lists every Flux source kind a FluxConfig may render, once each.
func FluxSources() []FluxSource { return []FluxSource{gitRepository, bucket, ociRepository} }

func interval(d *metav1.Duration) metav1.Duration {
	if d == nil || d.Duration <= 0 {
		return metav1.Duration{Duration: defaultInterval}
	}
	return *d
}

func localRef(name string) *meta.LocalObjectReference {
	if name == "" {
		return nil
	}
	return &meta.LocalObjectReference{Name: name}
}

func sourceMeta(fc *v1alpha1.FluxConfig, kind string) (metav1.TypeMeta, metav1.ObjectMeta) {
	return metav1.TypeMeta{APIVersion: sourcev1.GroupVersion.String(), Kind: kind},
		metav1.ObjectMeta{Name: fc.Name, Namespace: fc.Namespace, Labels: Labels(fc.Namespace, fc.Name)}
}

func renderSource(fc *v1alpha1.FluxConfig, auth authResult, opts Options) (client.Object, error) {
	t, ok := sourceTypes[fc.SourceKind()]
	if !ok {
		return nil, invalid("spec.sourceKind", "unknown source kind %q", fc.SourceKind())
	}
	return t.render(fc, auth, fc.Spec.Suspend || opts.ForceSuspend)
}

func renderBucket(fc *v1alpha1.FluxConfig, auth authResult, suspend bool) (client.Object, error) {
	b := fc.Spec.Bucket
	return bucketSource(fc, auth, suspend, b.SyncInterval, b.Timeout, sourcev1.BucketSpec{
		Provider:   sourcev1.BucketProviderGeneric,
		BucketName: b.BucketName,
		Endpoint:   strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(b.URL, "https://"), "http://"), "/"),
		Insecure:   b.Insecure,
	}), nil
}

func renderAzureBlob(fc *v1alpha1.FluxConfig, auth authResult, suspend bool) (client.Object, error) {
	b := fc.Spec.AzureBlob
	return bucketSource(fc, auth, suspend, b.SyncInterval, b.Timeout, sourcev1.BucketSpec{
		Provider:   sourcev1.BucketProviderAzure,
		BucketName: b.ContainerName,
		Endpoint:   b.URL,
	}), nil
}

// bucketSource completes spec, which names the bucket and its provider, into the Bucket
// both bucket kinds render to.
func bucketSource(fc *v1alpha1.FluxConfig, auth authResult, suspend bool, syncInterval, timeout *metav1.Duration, spec sourcev1.BucketSpec) *sourcev1.Bucket {
	spec.SecretRef = localRef(auth.secretRef)
	spec.Interval = interval(syncInterval)
	spec.Timeout = timeout
	spec.Suspend = suspend
	obj := &sourcev1.Bucket{Spec: spec}
	obj.TypeMeta, obj.ObjectMeta = sourceMeta(fc, sourcev1.BucketKind)
	return obj
}

func renderGitRepository(fc *v1alpha1.FluxConfig, auth authResult, suspend bool) (client.Object, error) {
	g := fc.Spec.GitRepository
	url, err := gitURL(g.URL)
	if err != nil {
		return nil, err
	}
	obj := &sourcev1.GitRepository{Spec: sourcev1.GitRepositorySpec{
		URL:       url,
		SecretRef: localRef(auth.secretRef),
		Provider:  strings.ToLower(string(g.Provider)),
		Interval:  interval(g.SyncInterval),
		Timeout:   g.Timeout,
		Suspend:   suspend,
	}}
	if obj.Spec.Provider == "" {
		obj.Spec.Provider = sourcev1.GitProviderGeneric
	}
	if r := g.RepositoryRef; r != nil {
		obj.Spec.Reference = &sourcev1.GitRepositoryRef{Branch: r.Branch, Tag: r.Tag, SemVer: r.Semver, Commit: r.Commit}
	}
	if g.Ignore != "" {
		ignore := g.Ignore // the rendered object does not alias the config
		obj.Spec.Ignore = &ignore
	}
	obj.TypeMeta, obj.ObjectMeta = sourceMeta(fc, sourcev1.GitRepositoryKind)
	return obj, nil
}

// gitURL turns the scp-like form git@host:org/repo, which Flux does not accept, into
// ssh://git@host/org/repo.
func gitURL(url string) (string, error) {
	if !strings.HasPrefix(url, "git@") {
		return url, nil
	}
	host, path, ok := strings.Cut(strings.TrimPrefix(url, "git@"), ":")
	if !ok || host == "" || path == "" {
		return "", invalid("spec.gitRepository.url", "a git@ url must look like git@host:org/repo")
	}
	return "ssh://git@" + host + "/" + strings.TrimPrefix(path, "/"), nil
}

func renderOCIRepository(fc *v1alpha1.FluxConfig, auth authResult, suspend bool) (client.Object, error) {
	o := fc.Spec.OCIRepository
	obj := &sourcev1.OCIRepository{Spec: sourcev1.OCIRepositorySpec{
		URL:                o.URL,
		Provider:           sourcev1.GenericOCIProvider,
		SecretRef:          localRef(auth.secretRef),
		CertSecretRef:      localRef(auth.certSecretRef),
		ServiceAccountName: o.ServiceAccountName,
		Insecure:           o.Insecure,
		Interval:           interval(o.SyncInterval),
		Timeout:            o.Timeout,
		Suspend:            suspend,
	}}
	if o.UseWorkloadIdentity {
		obj.Spec.Provider = sourcev1.AzureOCIProvider
	}
	if r := o.RepositoryRef; r != nil {
		obj.Spec.Reference = &sourcev1.OCIRepositoryRef{Tag: r.Tag, SemVer: r.Semver, Digest: r.Digest}
	}
	if l := o.LayerSelector; l != nil {
		obj.Spec.LayerSelector = &sourcev1.OCILayerSelector{MediaType: l.MediaType, Operation: string(l.Operation)}
	}
	if v := o.Verify; v != nil {
		obj.Spec.Verify = &sourcev1.OCIRepositoryVerification{Provider: string(v.Provider), SecretRef: localRef(auth.verifySecretRef)}
		for _, id := range v.MatchOIDCIdentity {
			obj.Spec.Verify.MatchOIDCIdentity = append(obj.Spec.Verify.MatchOIDCIdentity,
				sourcev1.OIDCIdentityMatch{Issuer: id.Issuer, Subject: id.Subject})
		}
	}
	obj.TypeMeta, obj.ObjectMeta = sourceMeta(fc, sourcev1.OCIRepositoryKind)
	return obj, nil
}
