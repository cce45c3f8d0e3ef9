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

// Package cleanup is what the chart's pre-delete hook runs: it deletes the FluxConfigs of its
// release and waits until the controller has finished with them, so that uninstalling leaves
// no Flux objects or tenant RBAC behind. It only talks to the API server; the controller
// (still running while pre-delete hooks run) does the actual clean-up through its finalizer.
//
// A release's FluxConfigs are those its controller reconciles: the ones in its watch
// namespace, or every one when it watches all namespaces. The agent, which the chart runs only
// with watchAllNamespaces, writes inside that scope, so what it manages is included. Another
// release's configs, in its own watch namespace, are never touched: deleting them would make
// that release's controller prune its tenants' workloads.
package cleanup

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// The chart binds the ClusterRole cluster-wide only when the release watches all namespaces;
// otherwise with a RoleBinding in the watch namespace, so the API server enforces the scope too.
// +kubebuilder:rbac:groups=clusterconfig.azure.com,resources=fluxconfigs,verbs=list;delete
// The agent re-creates the FluxConfigs it is told about; the hook stops it first, and only it:
// a Role in the release namespace (the placeholder "system", as kustomize and
// hack/chart-rbac.sh replace it), limited to the release's agent by name.
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;delete,resourceNames=fluxconfig-agent,namespace=system

// Options tunes Run.
type Options struct {
	// Timeout bounds the wait for the FluxConfigs to disappear.
	Timeout time.Duration
	// Poll is the interval between two lists while waiting.
	Poll time.Duration
	// Out receives one line per step, for the hook Job's log.
	Out io.Writer
	// Agent is the fluxconfig-agent Deployment to delete, and wait for, before anything else;
	// empty when the release runs no agent.
	Agent types.NamespacedName
	// Namespace is the release's watch namespace: only the FluxConfigs there are deleted.
	// Empty when the release watches all namespaces, and so owns every FluxConfig.
	Namespace string
}

// Run deletes the release's FluxConfigs and returns once none is left. A cluster without the
// FluxConfig CRD has nothing to clean up.
func Run(ctx context.Context, c client.Client, opts Options) error {
	if opts.Poll <= 0 {
		opts.Poll = 2 * time.Second
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	// One deadline for the whole hook, stopping the agent included, so --timeout bounds it.
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	if err := stopAgent(ctx, c, opts); err != nil {
		return err
	}
	left, err := remaining(ctx, c, opts.Namespace)
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
		items, err := remaining(ctx, c, opts.Namespace)
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
	fmt.Fprintf(opts.Out, "Every FluxConfig %s is gone\n", scope(opts.Namespace))
	return nil
}

// stopAgent deletes the agent's Deployment in the foreground and waits until it is gone, which
// is after its pods are: a running agent would re-create the FluxConfigs deleted next.
func stopAgent(ctx context.Context, c client.Client, opts Options) error {
	if opts.Agent.Name == "" {
		return nil
	}
	agent := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: opts.Agent.Namespace, Name: opts.Agent.Name}}
	err := c.Delete(ctx, agent, client.PropagationPolicy(metav1.DeletePropagationForeground))
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting Deployment %s: %w", opts.Agent, err)
	}
	fmt.Fprintf(opts.Out, "Stopping %s so that it does not re-create FluxConfigs\n", opts.Agent)
	err = wait.PollUntilContextTimeout(ctx, opts.Poll, opts.Timeout, true, func(ctx context.Context) (bool, error) {
		return apierrors.IsNotFound(c.Get(ctx, opts.Agent, agent)), nil
	})
	if err != nil {
		return fmt.Errorf("%w: Deployment %s still has pods", err, opts.Agent)
	}
	return nil
}

// remaining lists the release's FluxConfigs: those of namespace, or all when it is empty.
func remaining(ctx context.Context, c client.Client, namespace string) ([]v1alpha1.FluxConfig, error) {
	list := &v1alpha1.FluxConfigList{}
	if err := c.List(ctx, list, client.InNamespace(namespace)); err != nil {
		if apimeta.IsNoMatchError(err) || apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("listing FluxConfigs: %w", err)
	}
	return list.Items, nil
}

func scope(namespace string) string {
	if namespace == "" {
		return "of the cluster"
	}
	return "of namespace " + namespace
}

func names(list []v1alpha1.FluxConfig) string {
	out := make([]string, 0, len(list))
	for _, fc := range list {
		out = append(out, fc.Namespace+"/"+fc.Name)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
