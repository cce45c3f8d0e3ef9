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

package s3server

import (
	"net/http"
	"testing"
)

func TestRequireSignature_RefusesUnsignedAndUnknownKeys(t *testing.T) {
	s, err := Start(Options{AccessKey: "AKID", SecretKey: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Put("b", map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	for name, auth := range map[string]string{
		"unsigned":      "",
		"unknown key":   "AWS4-HMAC-SHA256 Credential=OTHER/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00",
		"bad signature": "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00",
	} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+s.Host+"/b/k", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, resp.StatusCode)
		}
	}
}
