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
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// requireSignature refuses requests not signed (AWS Signature V4, Authorization header)
// with accessKey and secretKey, so a test with a wrong secret key fails as against S3.
func requireSignature(next http.Handler, accessKey, secretKey string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if err := verify(req, accessKey, secretKey); err != "" {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + err + `</Code><Message>` + err + `</Message></Error>`))
			return
		}
		next.ServeHTTP(w, req)
	})
}

// verify returns the S3 error code for a request that is not correctly signed, or "".
func verify(req *http.Request, accessKey, secretKey string) string {
	const algorithm = "AWS4-HMAC-SHA256"
	auth := req.Header.Get("Authorization")
	if !strings.HasPrefix(auth, algorithm+" ") {
		return "AccessDenied"
	}
	fields := map[string]string{}
	for _, part := range strings.Split(strings.TrimPrefix(auth, algorithm+" "), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	credential := strings.SplitN(fields["Credential"], "/", 2)
	if len(credential) != 2 || credential[0] != accessKey {
		return "InvalidAccessKeyId"
	}
	scope := credential[1] // date/region/service/aws4_request
	scopeParts := strings.Split(scope, "/")
	if len(scopeParts) != 4 {
		return "AuthorizationHeaderMalformed"
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	var headers strings.Builder
	for _, h := range signed {
		v := req.Header.Get(h)
		if h == "host" {
			v = req.Host
		}
		headers.WriteString(h + ":" + strings.Join(strings.Fields(v), " ") + "\n")
	}
	payload := req.Header.Get("X-Amz-Content-Sha256")
	if payload == "" {
		payload = "UNSIGNED-PAYLOAD"
	}
	canonical := strings.Join([]string{
		req.Method, req.URL.EscapedPath(), canonicalQuery(req), headers.String(), fields["SignedHeaders"], payload,
	}, "\n")
	sum := sha256.Sum256([]byte(canonical))
	toSign := strings.Join([]string{algorithm, req.Header.Get("X-Amz-Date"), scope, hex.EncodeToString(sum[:])}, "\n")
	key := []byte("AWS4" + secretKey)
	for _, p := range scopeParts {
		key = hmacSHA256(key, p)
	}
	want := hex.EncodeToString(hmacSHA256(key, toSign))
	if !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return "SignatureDoesNotMatch"
	}
	return ""
}

func canonicalQuery(req *http.Request) string {
	q := req.URL.Query()
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(q)) {
		vs := append([]string(nil), q[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			parts = append(parts, awsEscape(k)+"="+awsEscape(v))
		}
	}
	return strings.Join(parts, "&")
}

// awsEscape percent-encodes all but the unreserved characters, as SigV4 requires.
func awsEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
	}
	return b.String()
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// withLastModified sets Last-Modified where gofakes3 leaves it out of an object response;
// minio-go, which source-controller uses, refuses a GET without one.
func withLastModified(next http.Handler, since time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if w.Header().Get("Last-Modified") == "" {
			w.Header().Set("Last-Modified", since.UTC().Format(http.TimeFormat))
		}
		next.ServeHTTP(w, req)
	})
}
