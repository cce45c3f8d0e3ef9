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
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/internal/arm"
)

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers with the ARM error shape.
func writeError(w http.ResponseWriter, code int, errCode, target, message string) {
	writeJSON(w, code, dpv1.ErrorResponse{Error: dpv1.ErrorDetail{Code: errCode, Message: message, Target: target}})
}

// writeFieldError answers 400 for a validation error, naming the field.
func writeFieldError(w http.ResponseWriter, err error) {
	var fe *arm.FieldError
	if errors.As(err, &fe) {
		writeError(w, http.StatusBadRequest, "InvalidRequestContent", fe.Field, fe.Error())
		return
	}
	writeError(w, http.StatusBadRequest, "InvalidRequestContent", "", err.Error())
}

// writeInternal answers 500 without details, which may name internal paths, and logs them.
func (s *Server) writeInternal(w http.ResponseWriter, r *http.Request, err error) {
	s.Log.Error(err, "Request failed", "method", r.Method, "path", r.URL.Path)
	writeError(w, http.StatusInternalServerError, "InternalError", "", "the endpoint could not complete the request; see its log")
}

// readBody reads at most MaxBodyBytes and answers 413 when the body is larger.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeError(w, http.StatusRequestEntityTooLarge, "RequestTooLarge", "",
			fmt.Sprintf("the request body exceeds %d bytes", MaxBodyBytes))
		return nil, false
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequestContent", "", "reading the request body: "+err.Error())
		return nil, false
	}
	return data, true
}

// readStrict reads the body into v as decodeStrict does, answering a bad one itself; the
// raw body is returned for handlers that read it a second way.
func readStrict(w http.ResponseWriter, r *http.Request, v any) ([]byte, bool) {
	data, ok := readBody(w, r)
	if !ok {
		return nil, false
	}
	if err := decodeStrict(data, v); err != nil {
		writeFieldError(w, err)
		return nil, false
	}
	return data, true
}

// decodeStrict decodes one JSON value, refusing unknown fields and trailing data; the
// error names the offending field. Values are never echoed back.
func decodeStrict(data []byte, v any) error {
	err := dpv1.DecodeStrict(data, v)
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, dpv1.ErrTrailingData):
		return errors.New("the body holds more than one JSON value")
	case errors.As(err, &typeErr):
		return &arm.FieldError{Field: typeErr.Field, Message: "must be a JSON " + jsonKind(typeErr.Type)}
	}
	return fmt.Errorf("the body is not valid JSON for this request: %w", err)
}

// jsonKind names the JSON type a Go type decodes from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "object"
}
