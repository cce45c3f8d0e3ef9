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

package endpoint

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/arm"
)

// clusterSelector checks a placement's selector, naming the offending field, and returns
// it as a labels.Selector.
func clusterSelector(p dpv1.FleetPlacement) (labels.Selector, error) {
	const field = "placement.clusterSelector"
	sel := p.ClusterSelector
	if sel == nil {
		return nil, &arm.FieldError{Field: field, Message: "is required; {} selects every registered cluster"}
	}
	for _, k := range slices.Sorted(maps.Keys(sel.MatchLabels)) {
		f := fmt.Sprintf("%s.matchLabels[%q]", field, k)
		if msgs := validation.IsQualifiedName(k); len(msgs) > 0 {
			return nil, &arm.FieldError{Field: f, Message: "the key is not a valid label key: " + strings.Join(msgs, "; ")}
		}
		if msgs := validation.IsValidLabelValue(sel.MatchLabels[k]); len(msgs) > 0 {
			return nil, &arm.FieldError{Field: f, Message: "the value is not a valid label value: " + strings.Join(msgs, "; ")}
		}
	}
	ls := &metav1.LabelSelector{MatchLabels: sel.MatchLabels}
	for i, req := range sel.MatchExpressions {
		f := fmt.Sprintf("%s.matchExpressions[%d]", field, i)
		if msgs := validation.IsQualifiedName(req.Key); len(msgs) > 0 {
			return nil, &arm.FieldError{Field: f + ".key", Message: "is not a valid label key: " + strings.Join(msgs, "; ")}
		}
		switch req.Operator {
		case dpv1.SelectorOpIn, dpv1.SelectorOpNotIn:
			if len(req.Values) == 0 {
				return nil, &arm.FieldError{Field: f + ".values", Message: "must not be empty for operator " + req.Operator}
			}
		case dpv1.SelectorOpExists, dpv1.SelectorOpDoesNotExist:
			if len(req.Values) > 0 {
				return nil, &arm.FieldError{Field: f + ".values", Message: "must be empty for operator " + req.Operator}
			}
		default:
			return nil, &arm.FieldError{Field: f + ".operator", Message: fmt.Sprintf("%q is not In, NotIn, Exists or DoesNotExist", req.Operator)}
		}
		for j, v := range req.Values {
			if msgs := validation.IsValidLabelValue(v); len(msgs) > 0 {
				return nil, &arm.FieldError{Field: fmt.Sprintf("%s.values[%d]", f, j), Message: "is not a valid label value: " + strings.Join(msgs, "; ")}
			}
		}
		ls.MatchExpressions = append(ls.MatchExpressions, metav1.LabelSelectorRequirement{
			Key: req.Key, Operator: metav1.LabelSelectorOperator(req.Operator), Values: req.Values})
	}
	s, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return nil, &arm.FieldError{Field: field, Message: err.Error()}
	}
	return s, nil
}

// selects says whether f's placement selects a cluster labelled l. A stored placement was
// checked when it was accepted, so an error here selects nothing.
func (f *FleetRecord) selects(l map[string]string) bool {
	sel, err := clusterSelector(f.Placement)
	return err == nil && sel.Matches(labels.Set(l))
}

// Per-cluster variables of postBuild.substitute in a fleet configuration.
const (
	varClusterName  = "cluster_name"
	varLabelPrefix  = "cluster_label_"
	varNameReplaced = "_"
)

var (
	notVarChar = regexp.MustCompile(`[^a-zA-Z0-9_]`)
	varRef     = regexp.MustCompile(`\$\{(cluster_name|cluster_label_[a-zA-Z0-9_]+)\}`)
)

// clusterVars are the per-cluster variables of c: cluster_name, and cluster_label_<key>
// for each label, every character of the key outside [a-zA-Z0-9_] replaced by '_'. When
// two keys give the same variable, the key that sorts first wins.
func clusterVars(c *ClusterRecord) map[string]string {
	vars := map[string]string{varClusterName: c.Name}
	for _, k := range slices.Sorted(maps.Keys(c.Labels)) {
		v := varLabelPrefix + notVarChar.ReplaceAllString(k, varNameReplaced)
		if _, taken := vars[v]; !taken {
			vars[v] = c.Labels[k]
		}
	}
	return vars
}

// materialise returns f's properties as cluster c gets them. Each kustomization with a
// postBuild gets c's variables, except those it sets itself, and ${cluster_name} and
// ${cluster_label_*} in its own values are expanded; a reference to a label c lacks is
// left as written. A kustomization without postBuild is left alone: adding one would turn
// on substitution in manifests that never asked for it.
func materialise(f *FleetRecord, c *ClusterRecord) (dpv1.FluxConfigurationProperties, error) {
	var props dpv1.FluxConfigurationProperties
	// A deep copy: the kustomizations and their maps are shared with f otherwise.
	data, err := json.Marshal(f.Properties)
	if err != nil {
		return props, err
	}
	if err := json.Unmarshal(data, &props); err != nil {
		return props, err
	}
	vars := clusterVars(c)
	expand := func(s string) string {
		return varRef.ReplaceAllStringFunc(s, func(ref string) string {
			if v, ok := vars[ref[2:len(ref)-1]]; ok {
				return v
			}
			return ref
		})
	}
	for _, k := range props.Kustomizations {
		if k == nil || k.PostBuild == nil {
			continue
		}
		sub := make(map[string]string, len(k.PostBuild.Substitute)+len(vars))
		for name, v := range k.PostBuild.Substitute {
			sub[name] = expand(v)
		}
		for name, v := range vars {
			if _, set := sub[name]; !set {
				sub[name] = v
			}
		}
		k.PostBuild.Substitute = sub
	}
	if err := checkSubstitute(&props); err != nil {
		return props, err
	}
	return props, nil
}

// sameSpec says whether a record's properties, status aside, are want.
func sameSpec(have, want dpv1.FluxConfigurationProperties) bool {
	arm.ClearStatus(&have)
	arm.ClearStatus(&want)
	a, errA := json.Marshal(have)
	b, errB := json.Marshal(want)
	return errA == nil && errB == nil && string(a) == string(b)
}

// checkFleetSpec validates a fleet configuration as a per-cluster PUT validates its
// configuration, and refuses what a fleet cannot carry. It applies the same defaults.
func checkFleetSpec(name string, props *dpv1.FluxConfigurationProperties, placement dpv1.FleetPlacement) error {
	if err := arm.Name(name); err != nil {
		return err
	}
	arm.ClearStatus(props)
	if len(props.ConfigurationProtectedSettings) > 0 || len(arm.BodySecrets(props)) > 0 {
		// One secret for many clusters would sit in every cluster's list for 48 hours,
		// and there is no per-cluster redelivery for it yet.
		return &arm.FieldError{Field: "properties.configurationProtectedSettings", Message: "a fleet configuration " +
			"cannot carry protected settings or secret source fields; reference a Secret the clusters already hold " +
			"(localAuthRef), or put the secret in a per-cluster configuration"}
	}
	setDefaults(props)
	if err := checkSubstitute(props); err != nil {
		return err
	}
	if err := arm.Properties(name, props); err != nil {
		return err
	}
	_, err := clusterSelector(placement)
	return err
}

// samePlacement says whether two placements select alike; {} and an absent map are alike.
func samePlacement(a, b dpv1.FleetPlacement) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(x) == string(y)
}
