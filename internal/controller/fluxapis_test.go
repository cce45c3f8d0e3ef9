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
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// fakeDiscovery serves the kinds it holds, per group version; down fails every request.
type fakeDiscovery struct {
	mu    sync.Mutex
	kinds map[string][]string
	down  bool
	calls int
}

func (f *fakeDiscovery) serve(gv string, kinds ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.kinds[gv] = append(f.kinds[gv], kinds...)
}

func (f *fakeDiscovery) setDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

func (f *fakeDiscovery) ServerResourcesForGroupVersion(gv string) (*metav1.APIResourceList, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.down {
		return nil, errors.New("connection refused")
	}
	kinds, ok := f.kinds[gv]
	if !ok {
		return nil, apierrors.NewNotFound(schema.GroupResource{}, gv)
	}
	list := &metav1.APIResourceList{GroupVersion: gv}
	for _, k := range kinds {
		list.APIResources = append(list.APIResources,
			metav1.APIResource{Name: CRDName(schema.GroupKind{Kind: k}), Kind: k},
			metav1.APIResource{Name: CRDName(schema.GroupKind{Kind: k}) + "/status", Kind: k})
	}
	return list, nil
}

var (
	gitRepositoryGK = schema.GroupKind{Group: "source.toolkit.fluxcd.io", Kind: "GitRepository"}
	ociRepositoryGK = schema.GroupKind{Group: "source.toolkit.fluxcd.io", Kind: "OCIRepository"}
	helmReleaseGK   = schema.GroupKind{Group: "helm.toolkit.fluxcd.io", Kind: "HelmRelease"}
)

func TestFluxAPIs_DiscoversAgainWhenAKindIsMissing(t *testing.T) {
	g := NewWithT(t)
	d := &fakeDiscovery{kinds: map[string][]string{}}
	d.serve("source.toolkit.fluxcd.io/v1", "GitRepository")
	d.serve("kustomize.toolkit.fluxcd.io/v1", "Kustomization")
	now := time.Unix(0, 0)
	apis := NewFluxAPIs(d, FluxGVKs())
	apis.now = func() time.Time { return now }
	g.Expect(apis.Refresh()).To(Succeed())
	g.Expect(apis.Served(gitRepositoryGK)).To(BeTrue())
	g.Expect(apis.Served(helmReleaseGK)).To(BeFalse(), "a group that is not served is absent, not an error")
	g.Expect(apis.Missing(requiredFluxKinds)).To(BeEmpty())
	g.Expect(apis.Missing([]schema.GroupKind{ociRepositoryGK})).To(Equal([]string{"ocirepositories.source.toolkit.fluxcd.io"}))

	// The CRD is installed later: a miss within the interval does not ask again, one after
	// it does, and finds it.
	d.serve("source.toolkit.fluxcd.io/v1", "OCIRepository")
	calls := d.calls
	served, err := apis.Ensure(ociRepositoryGK)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(served).To(BeFalse())
	g.Expect(d.calls).To(Equal(calls), "rate limited")
	now = now.Add(apis.Interval)
	served, err = apis.Ensure(ociRepositoryGK)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(served).To(BeTrue())
	// A served kind costs no request.
	calls = d.calls
	_, _ = apis.Ensure(gitRepositoryGK)
	g.Expect(d.calls).To(Equal(calls))

	// A NoMatch from the API server (its CRD removed, or not served yet after a restart)
	// makes the kind absent until a discovery finds it again.
	apis.Forget(ociRepositoryGK)
	g.Expect(apis.Served(ociRepositoryGK)).To(BeFalse())
	now = now.Add(apis.Interval)
	g.Expect(apis.Ensure(ociRepositoryGK)).To(BeTrue())

	// An API server that cannot be asked is an error, not "absent".
	d.setDown(true)
	now = now.Add(apis.Interval)
	_, err = apis.Ensure(helmReleaseGK)
	g.Expect(err).To(MatchError(ContainSubstring("connection refused")))
}

func TestFluxAPIs_WaitForRequiredRetries(t *testing.T) {
	g := NewWithT(t)
	d := &fakeDiscovery{kinds: map[string][]string{}}
	d.setDown(true)
	apis := NewFluxAPIs(d, FluxGVKs())
	done := make(chan error, 1)
	go func() { done <- apis.WaitForRequired(context.Background(), logr.Discard()) }()
	g.Consistently(done, 1500*time.Millisecond).ShouldNot(Receive(), "an API server that is down is waited for")
	d.setDown(false)
	d.serve("source.toolkit.fluxcd.io/v1", "GitRepository")
	g.Consistently(done, 2500*time.Millisecond).ShouldNot(Receive(), "Kustomization is required too")
	d.serve("kustomize.toolkit.fluxcd.io/v1", "Kustomization")
	g.Eventually(done, 10*time.Second).Should(Receive(BeNil()))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := NewFluxAPIs(&fakeDiscovery{kinds: map[string][]string{}}, FluxGVKs()).WaitForRequired(ctx, logr.Discard())
	g.Expect(err).To(MatchError(ContainSubstring("gitrepositories.source.toolkit.fluxcd.io")))
}
