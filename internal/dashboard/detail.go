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

package dashboard

import (
	"slices"
	"strings"
	"time"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/endpoint"
)

// configDetail is one configuration of one cluster as its pages show it. It holds nothing
// secret: records keep protected settings apart, and they are never read here.
type configDetail struct {
	Cluster, Name                     string
	State, Provisioning, Error        string
	SourceKind, SourceURL, Ref        string
	Commit                            string
	SourceUpdatedAt, ReportedAt       time.Time
	Suspended, Deleting, Disconnected bool
	Objects                           []objectDetail
	HelmReleases                      []objectDetail
}

type objectDetail struct {
	Kind, Namespace, Name, State string
	// Messages are the messages of its conditions, not-True ones first.
	Messages []string
	// Helm failure counts; only for HelmReleases.
	Revision, Failures, InstallFailures, UpgradeFailures int64
}

func detail(rec *endpoint.Record, disconnected bool) configDetail {
	p := rec.Properties
	d := configDetail{Cluster: rec.Cluster, Name: rec.Name, State: states[stateIndex(p.ComplianceState)],
		Provisioning: p.ProvisioningState, Error: p.ErrorMessage, SourceKind: p.SourceKind,
		Commit: p.SourceSyncedCommitID, Suspended: p.Suspend != nil && *p.Suspend,
		Deleting: rec.Deleting, Disconnected: disconnected}
	if d.SourceKind == "" {
		d.SourceKind = "GitRepository"
	}
	d.SourceURL, d.Ref = source(p)
	if p.SourceUpdatedAt != nil {
		d.SourceUpdatedAt = *p.SourceUpdatedAt
	}
	if p.StatusUpdatedAt != nil {
		d.ReportedAt = *p.StatusUpdatedAt
	}
	for _, s := range p.Statuses {
		o := objectDetail{Kind: s.Kind, Namespace: s.Namespace, Name: s.Name, State: states[stateIndex(s.ComplianceState)]}
		conds := slices.Clone(s.StatusConditions)
		slices.SortStableFunc(conds, func(a, b dpv1.ObjectStatusConditionDefinition) int {
			return boolInt(a.Status == "True") - boolInt(b.Status == "True")
		})
		for _, c := range conds {
			if c.Message != "" {
				o.Messages = append(o.Messages, c.Type+": "+c.Message)
			}
		}
		if s.Hint != "" {
			o.Messages = append(o.Messages, "Hint: "+s.Hint)
		}
		if h := s.HelmReleaseProperties; h != nil || s.Kind == "HelmRelease" {
			if h != nil {
				o.Revision, o.Failures, o.InstallFailures, o.UpgradeFailures = h.LastRevisionApplied, h.FailureCount, h.InstallFailureCount, h.UpgradeFailureCount
			}
			d.HelmReleases = append(d.HelmReleases, o)
		}
		d.Objects = append(d.Objects, o)
	}
	// The failing objects first, so their messages are what one sees.
	slices.SortStableFunc(d.Objects, func(a, b objectDetail) int { return stateIndex(a.State) - stateIndex(b.State) })
	return d
}

// source is the URL and the revision selector of whichever source the record declares.
func source(p dpv1.FluxConfigurationProperties) (url, ref string) {
	switch {
	case p.GitRepository != nil:
		g := p.GitRepository
		if r := g.RepositoryRef; r != nil {
			ref = join("branch", r.Branch, "tag", r.Tag, "semver", r.Semver, "commit", r.Commit)
		}
		return g.URL, ref
	case p.OCIRepository != nil:
		o := p.OCIRepository
		if r := o.RepositoryRef; r != nil {
			ref = join("tag", r.Tag, "semver", r.Semver, "digest", r.Digest)
		}
		return o.URL, ref
	case p.Bucket != nil:
		return p.Bucket.URL, join("bucket", p.Bucket.BucketName)
	case p.AzureBlob != nil:
		return p.AzureBlob.URL, join("container", p.AzureBlob.ContainerName)
	}
	return "", ""
}

// join writes the non-empty values of key, value pairs as "key value, …".
func join(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			parts = append(parts, kv[i]+" "+kv[i+1])
		}
	}
	return strings.Join(parts, ", ")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
