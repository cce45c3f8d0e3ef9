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

// Package reporter is fluxconfig-agent's status reporter: a reconciler that watches the
// FluxConfigs the agent manages and sends their §B.1 status to the endpoint when it changed,
// at most once per status interval, remembering in the cluster what it last sent.
package reporter

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/agent"
	"github.com/fluxconfig/fluxconfig/internal/arm"
)

// Reporter sends status reports; the workqueue retries failed reports with backoff.
type Reporter struct {
	Client ctrlclient.Client
	Config client.Agent
	// Interval is the least time between two reports of one configuration about the same
	// operation and provisioning state.
	Interval time.Duration
	Now      func() time.Time
	// Identity is the agent's: only the FluxConfigs it wrote are reported, never another
	// agent's that happen to be in the same cluster.
	Identity agent.Identity
	// Hold, when not nil, holds every report until it is closed: the agent closes it when the
	// poller's first round has ended. On a fresh cluster that round creates every
	// FluxConfig, and a report, with the PATCH that records it, per configuration would
	// share the API server with it. The workqueue keeps what waits; nothing is lost.
	Hold <-chan struct{}
}

// SetupWithManager watches the FluxConfigs labelled as written by this agent.
func (r *Reporter) SetupWithManager(mgr ctrl.Manager) error {
	managed := predicate.NewPredicateFuncs(func(o ctrlclient.Object) bool { return r.Identity.Owner(o) == agent.Ours })
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.FluxConfig{}, builder.WithPredicates(managed)).
		Named("fluxconfig-status-reporter").
		Complete(r)
}

// Reconcile reports one FluxConfig's status if it differs from what was last reported.
func (r *Reporter) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	if r.Hold != nil {
		select {
		case <-r.Hold:
		case <-ctx.Done():
			return ctrl.Result{}, ctx.Err()
		}
	}
	obj := &v1alpha1.FluxConfig{}
	if err := r.Client.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, ctrlclient.IgnoreNotFound(err)
	}
	if r.Identity.Owner(obj) != agent.Ours || obj.DeletionTimestamp != nil || obj.Spec.OperationID == "" {
		// Deletions are reported by the poller once the object is gone.
		return ctrl.Result{}, nil
	}
	now := r.Now()
	rep, recheck := BuildReport(obj, now)
	mark := marker(rep)
	last := obj.Annotations[v1alpha1.LastReportedAnnotation]
	if last == mark {
		return ctrl.Result{RequeueAfter: recheck}, nil
	}
	if wait := r.holdOff(obj, last, mark, now); wait > 0 {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	log := ctrl.LoggerFrom(ctx)
	log.V(1).Info("Reporting status", "operationId", rep.OperationID, "provisioningState", rep.ProvisioningState, "complianceState", rep.ComplianceState)
	if err := r.Config.ReportStatus(ctx, obj.Name, rep); err != nil {
		var ce *client.Error
		if errors.As(err, &ce) && ce.StatusCode == http.StatusNotFound {
			// The endpoint forgot the configuration (forceDelete): nobody waits for this
			// report, and retrying would only add noise.
			log.Info("The endpoint no longer knows this configuration; status not reported")
			return ctrl.Result{}, nil
		}
		agent.ReportErrors.Inc()
		return ctrl.Result{}, fmt.Errorf("reporting status of %s: %w", req.NamespacedName, err)
	}
	// Remember the report in the cluster: a restarted agent compares against this, so it
	// neither repeats an accepted report nor skips one that was never sent.
	patch := ctrlclient.MergeFrom(obj.DeepCopy())
	if obj.Annotations == nil {
		obj.Annotations = map[string]string{}
	}
	obj.Annotations[v1alpha1.LastReportedAnnotation] = mark
	obj.Annotations[v1alpha1.LastReportedAtAnnotation] = now.UTC().Format(time.RFC3339)
	if err := r.Client.Patch(ctx, obj, patch, ctrlclient.FieldOwner(agent.FieldOwner)); err != nil {
		return ctrl.Result{}, fmt.Errorf("recording the report on %s: %w", req.NamespacedName, err)
	}
	return ctrl.Result{RequeueAfter: recheck}, nil
}

// holdOff returns how long to wait before reporting: a change of the observed status within
// the same operation and provisioning state waits for the status interval; a new operation
// or provisioning state goes out at once.
func (r *Reporter) holdOff(obj *v1alpha1.FluxConfig, last, mark string, now time.Time) time.Duration {
	if last == "" || prefix(last) != prefix(mark) {
		return 0
	}
	at, err := time.Parse(time.RFC3339, obj.Annotations[v1alpha1.LastReportedAtAnnotation])
	if err != nil {
		return 0
	}
	return at.Add(r.Interval).Sub(now)
}

// marker is <operationId>/<provisioningState>/<digest of the report>.
func marker(rep *dpv1.StatusReport) string {
	data, _ := json.Marshal(rep)
	sum := sha256.Sum256(data)
	return rep.OperationID + "/" + rep.ProvisioningState + "/" + hex.EncodeToString(sum[:12])
}

func prefix(mark string) string {
	if i := strings.LastIndex(mark, "/"); i >= 0 {
		return mark[:i]
	}
	return mark
}

// BuildReport converts obj's status into a report, and says when to look again because a
// reconciliation wait will expire (zero when nothing is pending).
func BuildReport(obj *v1alpha1.FluxConfig, now time.Time) (*dpv1.StatusReport, time.Duration) {
	rep := &dpv1.StatusReport{OperationID: obj.Spec.OperationID, ObservedStatus: arm.ObservedFromStatus(&obj.Status)}
	var recheck time.Duration
	rep.ProvisioningState, rep.ErrorMessage, recheck = provisioning(obj, now)
	return rep, recheck
}
