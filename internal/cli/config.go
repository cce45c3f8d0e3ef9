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
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"

	"github.com/fluxconfig/fluxconfig/api/dataplane/v1/client"
)

// The environment variables the CLI reads; a flag wins over them, and they win over the
// config file.
const (
	EnvEndpoint  = "FLUXCONFIG_ENDPOINT"
	EnvToken     = "FLUXCONFIG_TOKEN"
	EnvTokenFile = "FLUXCONFIG_TOKEN_FILE"
	EnvCAFile    = "FLUXCONFIG_CA_FILE"
	EnvCluster   = "FLUXCONFIG_CLUSTER"
	EnvConfig    = "FLUXCONFIG_CONFIG"
)

// FileConfig is the config file, ~/.config/fluxconfig/config.yaml by default. Relative
// paths in it are relative to the file.
type FileConfig struct {
	// Endpoint is the base URL of the configuration endpoint.
	Endpoint string `json:"endpoint,omitempty"`
	// TokenFile holds the management (admin) token. The file never holds the token itself.
	TokenFile string `json:"token-file,omitempty"`
	// CAFile is a PEM bundle trusted for the endpoint's certificate.
	CAFile string `json:"ca-file,omitempty"`
	// Cluster is the cluster used when --cluster is not given.
	Cluster string `json:"cluster,omitempty"`
}

// connection is where and as whom the CLI talks: flags first, then the environment, then
// the config file.
type connection struct {
	configFile string
	endpoint   string
	tokenFile  string
	caFile     string
	cluster    string
	timeout    time.Duration
}

func (c *connection) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.configFile, "config", "", "config file (env "+EnvConfig+"; default $XDG_CONFIG_HOME/fluxconfig/config.yaml, else ~/.config/fluxconfig/config.yaml)")
	fs.StringVar(&c.endpoint, "endpoint", "", "base URL of the configuration endpoint (env "+EnvEndpoint+")")
	fs.StringVar(&c.tokenFile, "token-file", "", "file holding the management token (env "+EnvTokenFile+", or the token itself in "+EnvToken+")")
	fs.StringVar(&c.caFile, "ca-file", "", "PEM CA bundle for the endpoint's certificate (env "+EnvCAFile+")")
	fs.StringVarP(&c.cluster, "cluster", "c", "", "cluster whose configurations to manage (alias --cluster-name; env "+EnvCluster+", or cluster in the config file)")
	fs.DurationVar(&c.timeout, "request-timeout", 30*time.Second, "time limit of one request to the endpoint")
}

// resolved is a connection with every source applied.
type resolved struct {
	endpoint, token, tokenFile, caFile, cluster string
}

// resolve applies the environment and the config file under the flags.
func (c *connection) resolve(getenv func(string) string) (*resolved, error) {
	fc, err := c.loadFile(getenv)
	if err != nil {
		return nil, err
	}
	r := &resolved{
		endpoint: first(c.endpoint, getenv(EnvEndpoint), fc.Endpoint),
		caFile:   first(c.caFile, getenv(EnvCAFile), fc.CAFile),
		cluster:  first(c.cluster, getenv(EnvCluster), fc.Cluster),
	}
	switch {
	case c.tokenFile != "":
		r.tokenFile = c.tokenFile
	case getenv(EnvToken) != "":
		r.token = getenv(EnvToken)
	default:
		r.tokenFile = first(getenv(EnvTokenFile), fc.TokenFile)
	}
	if r.endpoint == "" {
		return nil, errors.New("no endpoint: pass --endpoint, set " + EnvEndpoint + ", or put endpoint: in the config file")
	}
	return r, nil
}

// client builds the typed endpoint client for the resolved cluster.
func (r *resolved) client(timeout time.Duration) (*client.Cluster, error) {
	if r.cluster == "" {
		return nil, errors.New("no cluster: pass --cluster, set " + EnvCluster + ", or put cluster: in the config file")
	}
	c, err := r.endpointClient(timeout)
	if err != nil {
		return nil, err
	}
	return c.Cluster(r.cluster), nil
}

// endpointClient builds the typed endpoint client for calls that name no configured
// cluster, such as the cluster registry's.
func (r *resolved) endpointClient(timeout time.Duration) (*client.Client, error) {
	return client.New(client.Options{Endpoint: r.endpoint, Token: r.token, TokenFile: r.tokenFile, CAFile: r.caFile, Timeout: timeout})
}

// loadFile reads the config file. A missing file at the default place is no error; one
// named by --config or the environment must exist.
func (c *connection) loadFile(getenv func(string) string) (*FileConfig, error) {
	path, explicit := first(c.configFile, getenv(EnvConfig)), true
	if path == "" {
		explicit = false
		dir := getenv("XDG_CONFIG_HOME")
		if dir == "" {
			home := getenv("HOME")
			if home == "" {
				return &FileConfig{}, nil
			}
			dir = filepath.Join(home, ".config")
		}
		path = filepath.Join(dir, "fluxconfig", "config.yaml")
	}
	data, err := os.ReadFile(expandHome(path, getenv))
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return &FileConfig{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the config file: %w", err)
	}
	fc := &FileConfig{}
	if err := yaml.UnmarshalStrict(data, fc); err != nil {
		return nil, fmt.Errorf("config file %s: %w (known keys: endpoint, token-file, ca-file, cluster)", path, err)
	}
	base := filepath.Dir(expandHome(path, getenv))
	fc.TokenFile = relativeTo(base, expandHome(fc.TokenFile, getenv))
	fc.CAFile = relativeTo(base, expandHome(fc.CAFile, getenv))
	return fc, nil
}

func first(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

func expandHome(path string, getenv func(string) string) string {
	if path == "~" || strings.HasPrefix(path, "~/") {
		return filepath.Join(getenv("HOME"), strings.TrimPrefix(path, "~"))
	}
	return path
}

func relativeTo(base, path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(base, path)
}
