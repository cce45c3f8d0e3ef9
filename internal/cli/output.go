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

package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"sigs.k8s.io/yaml"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// Output formats of -o.
const (
	outputTable = "table"
	outputJSON  = "json"
	outputYAML  = "yaml"
)

func checkOutput(format string) error {
	switch format {
	case outputTable, outputJSON, outputYAML:
		return nil
	}
	return fmt.Errorf("-o %q: use table, json or yaml", format)
}

// render writes v as JSON or YAML, or as the table table writes.
func render(out io.Writer, format string, v any, table func(w io.Writer)) error {
	switch format {
	case outputJSON:
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "%s\n", data)
		return err
	case outputYAML:
		data, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		_, err = out.Write(data)
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	table(tw)
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// sourceOf returns a configuration's source URL and reference, for tables.
func sourceOf(p dpv1.FluxConfigurationProperties) (url, ref string) {
	switch {
	case p.GitRepository != nil:
		url = p.GitRepository.URL
		if r := p.GitRepository.RepositoryRef; r != nil {
			ref = firstRef(map[string]string{"branch": r.Branch, "tag": r.Tag, "semver": r.Semver, "commit": r.Commit}, "branch", "tag", "semver", "commit")
		}
	case p.Bucket != nil:
		url, ref = p.Bucket.URL, "bucket "+p.Bucket.BucketName
	case p.AzureBlob != nil:
		url, ref = p.AzureBlob.URL, "container "+p.AzureBlob.ContainerName
	case p.OCIRepository != nil:
		url = p.OCIRepository.URL
		if r := p.OCIRepository.RepositoryRef; r != nil {
			ref = firstRef(map[string]string{"tag": r.Tag, "semver": r.Semver, "digest": r.Digest}, "tag", "semver", "digest")
		}
	}
	return url, ref
}

func firstRef(values map[string]string, order ...string) string {
	var parts []string
	for _, k := range order {
		if values[k] != "" {
			parts = append(parts, k+" "+values[k])
		}
	}
	return strings.Join(parts, ", ")
}

func configsTable(cfgs []dpv1.FluxConfiguration) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintln(w, "NAME\tNAMESPACE\tSCOPE\tKIND\tURL\tPROVISIONING\tCOMPLIANCE\tSYNCED COMMIT")
		for _, c := range cfgs {
			p := c.Properties
			url, _ := sourceOf(p)
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, p.Namespace, p.Scope, kindOf(p.SourceKind), orDash(url),
				orDash(p.ProvisioningState), orDash(p.ComplianceState), orDash(p.SourceSyncedCommitID))
		}
	}
}

func configTable(c *dpv1.FluxConfiguration) func(io.Writer) {
	return func(w io.Writer) {
		p := c.Properties
		url, ref := sourceOf(p)
		suspend := p.Suspend != nil && *p.Suspend
		rows := [][2]string{
			{"Name", c.Name}, {"Namespace", p.Namespace}, {"Scope", p.Scope},
			{"Kind", kindOf(p.SourceKind)}, {"URL", orDash(url)}, {"Reference", orDash(ref)},
			{"Suspend", fmt.Sprint(suspend)}, {"Kustomizations", orDash(strings.Join(sortedKeys(p.Kustomizations), ", "))},
			{"Provisioning", orDash(p.ProvisioningState)}, {"Compliance", orDash(p.ComplianceState)},
			{"Synced commit", orDash(p.SourceSyncedCommitID)}, {"Objects", objectSummary(p.Statuses)},
		}
		if p.RepositoryPublicKey != "" {
			rows = append(rows, [2]string{"Repository public key", p.RepositoryPublicKey})
		}
		if p.ErrorMessage != "" {
			rows = append(rows, [2]string{"Error", p.ErrorMessage})
		}
		for _, r := range rows {
			fmt.Fprintf(w, "%s:\t%s\n", r[0], r[1])
		}
	}
}

// objectSummary counts the reported objects by compliance, e.g. "3 (2 Compliant, 1 Pending)".
func objectSummary(statuses []dpv1.ObjectStatusDefinition) string {
	if len(statuses) == 0 {
		return "none reported"
	}
	counts := map[string]int{}
	for _, s := range statuses {
		counts[orDash(s.ComplianceState)]++
	}
	var parts []string
	for _, state := range sortedKeys(counts) {
		parts = append(parts, fmt.Sprintf("%d %s", counts[state], state))
	}
	return fmt.Sprintf("%d (%s)", len(statuses), strings.Join(parts, ", "))
}

func kustomizationsTable(ks map[string]*dpv1.KustomizationDefinition) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintln(w, "NAME\tPATH\tDEPENDS ON\tPRUNE\tFORCE\tWAIT\tSYNC INTERVAL\tTIMEOUT")
		for _, name := range sortedKeys(ks) {
			k := ks[name]
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, orDash(k.Path), orDash(strings.Join(k.DependsOn, ",")),
				boolOf(k.Prune), boolOf(k.Force), boolOf(k.Wait), secondsOf(k.SyncIntervalInSeconds), secondsOf(k.TimeoutInSeconds))
		}
	}
}

func objectsTable(statuses []dpv1.ObjectStatusDefinition) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintln(w, "KIND\tNAMESPACE\tNAME\tCOMPLIANCE\tAPPLIED BY\tMESSAGE")
		for _, s := range statuses {
			by := "-"
			if s.AppliedBy != nil {
				by = s.AppliedBy.Namespace + "/" + s.AppliedBy.Name
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Kind, s.Namespace, s.Name, orDash(s.ComplianceState), by, orDash(readyMessage(s)))
		}
	}
}

func objectTable(s *dpv1.ObjectStatusDefinition) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintf(w, "Kind:\t%s\nNamespace:\t%s\nName:\t%s\nCompliance:\t%s\n", s.Kind, s.Namespace, s.Name, orDash(s.ComplianceState))
		if s.AppliedBy != nil {
			fmt.Fprintf(w, "Applied by:\t%s/%s\n", s.AppliedBy.Namespace, s.AppliedBy.Name)
		}
		if h := s.HelmReleaseProperties; h != nil {
			fmt.Fprintf(w, "Helm revision:\t%d\nHelm failures:\t%d (install %d, upgrade %d)\n", h.LastRevisionApplied, h.FailureCount, h.InstallFailureCount, h.UpgradeFailureCount)
		}
		for _, c := range s.StatusConditions {
			fmt.Fprintf(w, "Condition %s:\t%s %s: %s\n", c.Type, c.Status, c.Reason, c.Message)
		}
		if s.Hint != "" {
			fmt.Fprintf(w, "Hint:\t%s\n", s.Hint)
		}
	}
}

// readyMessage is the message of the object's Ready condition, for the list.
func readyMessage(s dpv1.ObjectStatusDefinition) string {
	for _, c := range s.StatusConditions {
		if c.Type == "Ready" {
			return c.Message
		}
	}
	return ""
}

func boolOf(b *bool) string {
	if b == nil {
		return "-"
	}
	return fmt.Sprint(*b)
}

func secondsOf(s *int64) string {
	if s == nil {
		return "-"
	}
	return fmt.Sprintf("%ds", *s)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
