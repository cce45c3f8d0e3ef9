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

package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// Reasons a call failed; the agent's UpstreamConnected metric uses them as its label.
const (
	ReasonUnreachable     = "Unreachable"
	ReasonUnauthorized    = "Unauthorized"
	ReasonServerError     = "ServerError"
	ReasonRequestRefused  = "RequestRefused"
	ReasonInvalidResponse = "InvalidResponse"
	ReasonNoToken         = "TokenUnreadable"
)

// Error is a failed call. Its message says what is wrong and what to check, and never
// includes the token.
type Error struct {
	Method, URL string
	Reason      string
	// StatusCode is the HTTP status of a non-2xx answer; 0 when there was none.
	StatusCode int
	// Detail is the endpoint's ARM error body, when it sent one: Target names the field.
	Detail dpv1.ErrorDetail
	Err    error
}

func (e *Error) Error() string {
	if e.StatusCode != 0 {
		return fmt.Sprintf("%s %s answered %d %s: %v", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode), e.Err)
	}
	return fmt.Sprintf("%s %s: %s: %v", e.Method, e.URL, strings.ToLower(e.Reason), e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// StatusCode returns the HTTP status of a failed call's answer, or 0.
func StatusCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// IsNotFound reports whether the endpoint answered 404.
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }

// statusError turns a non-2xx answer into an Error, keeping the endpoint's ARM error.
func (c *Client) statusError(method, u string, code int, body []byte) error {
	e := &Error{Method: method, URL: u, StatusCode: code}
	var arm dpv1.ErrorResponse
	msg := "no error message"
	if json.Unmarshal(body, &arm) == nil && arm.Error.Message != "" {
		e.Detail = arm.Error
		msg = arm.Error.Message
		if arm.Error.Target != "" && !strings.Contains(msg, arm.Error.Target) {
			msg = arm.Error.Target + ": " + msg
		}
	}
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		e.Reason = ReasonUnauthorized
		where := "the token"
		if c.opts.TokenFile != "" {
			where = "the token in " + c.opts.TokenFile
		}
		e.Err = fmt.Errorf("%s; check %s and the cluster name", msg, where)
	case code >= 500:
		e.Reason = ReasonServerError
		e.Err = errors.New(msg)
	default:
		e.Reason = ReasonRequestRefused
		e.Err = errors.New(msg)
	}
	return e
}

var errMissingValue = errors.New(`the response has no "value" list; refusing to read it as an empty set`)

// DecodeList decodes a desired set strictly: unknown fields, a missing value list, an item
// without name or operationId, and duplicate names are errors that name the item.
func DecodeList(body []byte) ([]dpv1.DesiredConfiguration, error) {
	items, _, err := decodeDesired(body)
	return items, err
}

// decodeDesired is DecodeList that also returns the list's authoritative flag.
func decodeDesired(body []byte) ([]dpv1.DesiredConfiguration, bool, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, false, errors.New("the response is empty")
	}
	var top struct {
		Value         *[]json.RawMessage `json:"value"`
		Authoritative bool               `json:"authoritative"`
	}
	if err := dpv1.DecodeStrict(body, &top); err != nil {
		return nil, false, fmt.Errorf("decoding the response: %w", err)
	}
	if top.Value == nil {
		return nil, false, errMissingValue
	}
	items := make([]dpv1.DesiredConfiguration, 0, len(*top.Value))
	seen := map[string]int{}
	for i, raw := range *top.Value {
		var item dpv1.DesiredConfiguration
		if err := dpv1.DecodeStrict(raw, &item); err != nil {
			return nil, false, fmt.Errorf("item %d%s: %w", i, nameOf(raw), err)
		}
		if item.Name == "" || item.OperationID == "" {
			return nil, false, fmt.Errorf("item %d%s: name and operationId are required", i, nameOf(raw))
		}
		if j, dup := seen[item.Name]; dup {
			return nil, false, fmt.Errorf("item %d (%q): the same name as item %d", i, item.Name, j)
		}
		seen[item.Name] = i
		items = append(items, item)
	}
	return items, top.Authoritative, nil
}

// nameOf returns ` ("name")` when the raw item has a readable name, for error messages.
func nameOf(raw json.RawMessage) string {
	var n struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(raw, &n) != nil || n.Name == "" {
		return ""
	}
	return fmt.Sprintf(" (%q)", n.Name)
}
