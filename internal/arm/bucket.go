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

package arm

import (
	"strings"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// The Bucket body in both directions: ToSpec and FromSpec call these, so a new field is
// converted here, once each way.

func bucketToSpec(b *dpv1.BucketDefinition) *v1alpha1.BucketDefinition {
	// The ARM spec defaults insecure to true; following the url's scheme instead keeps a
	// body that omits it valid for both http:// and https://.
	insecure := strings.HasPrefix(b.URL, "http://")
	if b.Insecure != nil {
		insecure = *b.Insecure
	}
	return &v1alpha1.BucketDefinition{
		URL:          b.URL,
		BucketName:   b.BucketName,
		Insecure:     insecure,
		SyncInterval: seconds(b.SyncIntervalInSeconds),
		Timeout:      seconds(b.TimeoutInSeconds),
		AccessKey:    b.AccessKey,
		LocalAuthRef: b.LocalAuthRef,
	}
}

func bucketFromSpec(b *v1alpha1.BucketDefinition) *dpv1.BucketDefinition {
	return &dpv1.BucketDefinition{
		URL: b.URL, BucketName: b.BucketName, Insecure: boolPtr(b.Insecure),
		SyncIntervalInSeconds: inSeconds(b.SyncInterval), TimeoutInSeconds: inSeconds(b.Timeout),
		AccessKey: b.AccessKey, LocalAuthRef: b.LocalAuthRef,
	}
}
