/*
Copyright 2026 The fluxconfig Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Package cleanup is what the chart's pre-delete hook runs: it deletes every FluxConfig and
// waits until the controller has finished with them, so that uninstalling leaves no Flux
// objects or tenant RBAC behind. It only talks to the API server; the controller (still
// running while pre-delete hooks run) does the actual clean-up through its finalizer.
package cleanup

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// +kubebuilder:rbac:groups=clusterconfig.azure.com,resources=fluxconfigs,verbs=list;delete

// Options tunes Run.
type Options struct {
	// Timeout bounds the wait for the FluxConfigs to disappear.
	Timeout time.Duration
	// Poll is the interval between two lists while waiting.
	Poll time.Duration
	// Out receives one line per step, for the hook Job's log.
	Out io.Writer
}

// Run deletes every FluxConfig in the cluster and returns once none is left. A cluster without
// the FluxConfig CRD has nothing to clean up.
func Run(ctx context.Context, c client.Client, opts Options) error {
	if opts.Poll <= 0 {
		opts.Poll = 2 * time.Second
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	left, err := remaining(ctx, c)
	if err != nil || len(left) == 0 {
		return err
	}
	for _, fc := range left {
		if fc.DeletionTimestamp.IsZero() {
			fmt.Fprintf(opts.Out, "Deleting FluxConfig %s/%s\n", fc.Namespace, fc.Name)
			if err := c.Delete(ctx, &fc); client.IgnoreNotFound(err) != nil {
				return fmt.Errorf("deleting FluxConfig %s/%s: %w", fc.Namespace, fc.Name, err)
			}
		}
	}
	fmt.Fprintf(opts.Out, "Waiting for %d FluxConfig(s) to be cleaned up\n", len(left))
	// A failed list (an API server hiccup, or the deadline striking mid-request) is retried,
	// and the last successful one names what is left.
	last := left
	err = wait.PollUntilContextTimeout(ctx, opts.Poll, opts.Timeout, true, func(ctx context.Context) (bool, error) {
		items, err := remaining(ctx, c)
		if err != nil {
			fmt.Fprintf(opts.Out, "%v; retrying\n", err)
			return false, nil
		}
		last = items
		return len(last) == 0, nil
	})
	if err != nil {
		if len(last) > 0 {
			return fmt.Errorf("%w: FluxConfigs not cleaned up yet (is fluxconfig-controller running?): %s", err, names(last))
		}
		return err
	}
	fmt.Fprintln(opts.Out, "Every FluxConfig is gone")
	return nil
}

func remaining(ctx context.Context, c client.Client) ([]v1alpha1.FluxConfig, error) {
	list := &v1alpha1.FluxConfigList{}
	if err := c.List(ctx, list); err != nil {
		if apimeta.IsNoMatchError(err) || apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("listing FluxConfigs: %w", err)
	}
	return list.Items, nil
}

func names(list []v1alpha1.FluxConfig) string {
	out := make([]string, 0, len(list))
	for _, fc := range list {
		out = append(out, fc.Namespace+"/"+fc.Name)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
