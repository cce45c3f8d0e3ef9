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

// Package sourcestandin stands in for Flux's source-controller in the e2e suite, which
// cannot build it offline. It does the part kustomize-controller depends on: it clones a
// GitRepository with the credentials of its secretRef (the Secret fluxconfig-controller
// rendered), packs the revision as a tar.gz artifact served on 127.0.0.1, and writes
// status.artifact and the Ready condition in source-controller's format. It is test code
// and never ships.
package sourcestandin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage/memory"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
)

// GitRepositoryReconciler produces artifacts for GitRepository objects.
type GitRepositoryReconciler struct {
	Client    client.Client
	Artifacts *ArtifactServer
}

// SetupWithManager registers the reconciler; only spec changes and the interval trigger it.
func (r *GitRepositoryReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).Named("source-standin").
		For(&sourcev1.GitRepository{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Complete(r)
}

// Reconcile fetches the repository and records the outcome in its status.
func (r *GitRepositoryReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := &sourcev1.GitRepository{}
	if err := r.Client.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !obj.DeletionTimestamp.IsZero() || obj.Spec.Suspend {
		return ctrl.Result{}, nil
	}
	before := obj.DeepCopy()
	artifact, err := r.fetch(ctx, obj)
	if err != nil {
		setReady(obj, metav1.ConditionFalse, "GitOperationFailed", err.Error())
	} else {
		if !obj.GetArtifact().HasRevision(artifact.Revision) {
			obj.Status.Artifact = artifact
		}
		setReady(obj, metav1.ConditionTrue, "Succeeded", fmt.Sprintf("stored artifact for revision '%s'", artifact.Revision))
	}
	obj.Status.ObservedGeneration = obj.Generation
	if !equality.Semantic.DeepEqual(before.Status, obj.Status) {
		if err := r.Client.Status().Patch(ctx, obj, client.MergeFrom(before)); err != nil {
			return ctrl.Result{}, err
		}
	}
	return ctrl.Result{RequeueAfter: obj.Spec.Interval.Duration}, nil
}

// fetch clones the branch head and stores it as an artifact.
func (r *GitRepositoryReconciler) fetch(ctx context.Context, obj *sourcev1.GitRepository) (*meta.Artifact, error) {
	secret := &corev1.Secret{}
	if obj.Spec.SecretRef != nil {
		key := client.ObjectKey{Namespace: obj.Namespace, Name: obj.Spec.SecretRef.Name}
		if err := r.Client.Get(ctx, key, secret); err != nil {
			return nil, fmt.Errorf("failed to get secret '%s': %w", key, err)
		}
	}
	opts, err := cloneOptions(obj, secret.Data)
	if err != nil {
		return nil, fmt.Errorf("failed to configure authentication options: %w", err)
	}
	timeout := time.Minute
	if obj.Spec.Timeout != nil {
		timeout = obj.Spec.Timeout.Duration
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fs := memfs.New()
	repo, err := git.CloneContext(ctx, memory.NewStorage(), fs, opts)
	if err != nil {
		return nil, fmt.Errorf("failed to checkout and determine revision: unable to clone '%s': %w", obj.Spec.URL, err)
	}
	head, err := repo.Head()
	if err != nil {
		return nil, err
	}
	data, err := pack(fs)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	path := fmt.Sprintf("gitrepository/%s/%s/%s.tar.gz", obj.Namespace, obj.Name, head.Hash())
	size := int64(len(data))
	return &meta.Artifact{
		Path:           path,
		URL:            r.Artifacts.Put(path, data),
		Revision:       fmt.Sprintf("%s@sha1:%s", branch(obj), head.Hash()),
		Digest:         "sha256:" + hex.EncodeToString(sum[:]),
		LastUpdateTime: metav1.NewTime(time.Now()),
		Size:           &size,
	}, nil
}

func cloneOptions(obj *sourcev1.GitRepository, data map[string][]byte) (*git.CloneOptions, error) {
	auth, err := authMethod(obj.Spec.URL, data)
	if err != nil {
		return nil, err
	}
	return &git.CloneOptions{
		URL:           obj.Spec.URL,
		Auth:          auth,
		CABundle:      data["ca.crt"],
		ReferenceName: plumbing.NewBranchReferenceName(branch(obj)),
		SingleBranch:  true,
		Depth:         1,
		Tags:          git.NoTags,
	}, nil
}

func branch(obj *sourcev1.GitRepository) string {
	if obj.Spec.Reference != nil && obj.Spec.Reference.Branch != "" {
		return obj.Spec.Reference.Branch
	}
	return "master"
}

func setReady(obj *sourcev1.GitRepository, status metav1.ConditionStatus, reason, message string) {
	apimeta.SetStatusCondition(&obj.Status.Conditions, metav1.Condition{
		Type: meta.ReadyCondition, Status: status, Reason: reason, Message: message, ObservedGeneration: obj.Generation,
	})
}
