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
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// DefaultDiscoveryInterval is the least time between two discoveries of the Flux kinds.
const DefaultDiscoveryInterval = 5 * time.Second

// DefaultCRDRecheckInterval is how often a config refused for a missing CRD looks again.
const DefaultCRDRecheckInterval = time.Minute

// requiredFluxKinds must be served before the controller starts: every config renders a
// Kustomization, and GitRepository is the default source kind.
var requiredFluxKinds = []schema.GroupKind{
	{Group: "source.toolkit.fluxcd.io", Kind: "GitRepository"},
	{Group: "kustomize.toolkit.fluxcd.io", Kind: "Kustomization"},
}

// ResourceLister is what FluxAPIs needs of a discovery client.
type ResourceLister interface {
	ServerResourcesForGroupVersion(groupVersion string) (*metav1.APIResourceList, error)
}

// FluxAPIs tells which Flux kinds the API server serves. It asks at start and again when a
// kind is found missing, at most once per Interval, so a CRD installed later, or served late
// by an API server that just restarted, is not taken for absent for good.
type FluxAPIs struct {
	lister   ResourceLister
	versions []schema.GroupVersion
	// Interval is the least time between two discoveries.
	Interval time.Duration
	now      func() time.Time

	mu     sync.Mutex
	served map[schema.GroupKind]bool
	last   time.Time
}

// NewFluxAPIs returns a FluxAPIs that asks lister about the group versions of kinds.
func NewFluxAPIs(lister ResourceLister, kinds []schema.GroupVersionKind) *FluxAPIs {
	seen := map[schema.GroupVersion]bool{}
	a := &FluxAPIs{lister: lister, Interval: DefaultDiscoveryInterval, now: time.Now, served: map[schema.GroupKind]bool{}}
	for _, gvk := range kinds {
		if gv := gvk.GroupVersion(); !seen[gv] {
			seen[gv] = true
			a.versions = append(a.versions, gv)
		}
	}
	sort.Slice(a.versions, func(i, j int) bool { return a.versions[i].String() < a.versions[j].String() })
	return a
}

// Refresh asks the API server which kinds it serves now. A group version it does not serve
// is not an error; failing to ask is.
func (a *FluxAPIs) Refresh() error {
	served := map[schema.GroupKind]bool{}
	for _, gv := range a.versions {
		list, err := a.lister.ServerResourcesForGroupVersion(gv.String())
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("discovering %s: %w", gv, err)
		}
		for _, res := range list.APIResources {
			if !strings.Contains(res.Name, "/") {
				served[schema.GroupKind{Group: gv.Group, Kind: res.Kind}] = true
			}
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.served, a.last = served, a.now()
	return nil
}

// Served says whether gk was served at the last discovery.
func (a *FluxAPIs) Served(gk schema.GroupKind) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.served[gk]
}

// Ensure says whether gk is served, discovering again when it was not and the last
// discovery is older than Interval.
func (a *FluxAPIs) Ensure(gk schema.GroupKind) (bool, error) {
	a.mu.Lock()
	served, stale := a.served[gk], a.now().Sub(a.last) >= a.Interval
	a.mu.Unlock()
	if served || !stale {
		return served, nil
	}
	if err := a.Refresh(); err != nil {
		return false, err
	}
	return a.Served(gk), nil
}

// Forget marks gk as not served, after the API server answered NoMatch for it: the next
// Ensure discovers again, once Interval has passed.
func (a *FluxAPIs) Forget(gk schema.GroupKind) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.served, gk)
}

// Missing lists the kinds of gks that were not served at the last discovery.
func (a *FluxAPIs) Missing(gks []schema.GroupKind) []string {
	var missing []string
	for _, gk := range gks {
		if !a.Served(gk) {
			missing = append(missing, CRDName(gk))
		}
	}
	return missing
}

// WaitForRequired discovers until GitRepository and Kustomization are served, backing off
// from one second to half a minute, so an API server that is down or still starting is
// waited for rather than failed on.
func (a *FluxAPIs) WaitForRequired(ctx context.Context, log logr.Logger) error {
	delay := time.Second
	for {
		err := a.Refresh()
		if err == nil {
			missing := a.Missing(requiredFluxKinds)
			if len(missing) == 0 {
				return nil
			}
			err = fmt.Errorf("the CRDs %s are not served; install Flux's source and kustomize CRDs", strings.Join(missing, ", "))
		}
		log.Info("Waiting for the Flux CRDs", "reason", err.Error(), "retryAfter", delay)
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the Flux CRDs: %w (last: %w)", ctx.Err(), err)
		case <-time.After(delay):
		}
		delay = min(2*delay, 30*time.Second)
	}
}

// CRDName is the name of the CRD that defines a Flux kind, e.g.
// gitrepositories.source.toolkit.fluxcd.io.
func CRDName(gk schema.GroupKind) string {
	plural := strings.ToLower(gk.Kind)
	if strings.HasSuffix(plural, "y") {
		plural = strings.TrimSuffix(plural, "y") + "ies"
	} else {
		plural += "s"
	}
	return plural + "." + gk.Group
}

// CRDNotInstalledError refuses a config that needs a Flux kind the API server does not serve.
type CRDNotInstalledError struct{ CRD string }

func (e *CRDNotInstalledError) Error() string {
	return fmt.Sprintf("this config needs the CRD %s, which this cluster does not serve; install it "+
		"(it comes with Flux's controllers) and the config proceeds without a change", e.CRD)
}
