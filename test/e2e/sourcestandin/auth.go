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

package sourcestandin

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// authMethod reads the keys of a Flux git Secret (identity and known_hosts for ssh,
// username and password for http(s)), as source-controller does.
func authMethod(rawURL string, data map[string][]byte) (transport.AuthMethod, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "ssh":
		if len(data["identity"]) == 0 {
			return nil, errors.New("invalid 'ssh' auth option: 'identity' is required")
		}
		if len(data["known_hosts"]) == 0 {
			return nil, errors.New("invalid 'ssh' auth option: 'known_hosts' is required")
		}
		keys, err := gitssh.NewPublicKeys(u.User.Username(), data["identity"], string(data["password"]))
		if err != nil {
			return nil, err
		}
		keys.HostKeyCallback, err = hostKeyCallback(data["known_hosts"])
		if err != nil {
			return nil, err
		}
		return keys, nil
	case "http", "https":
		if len(data["username"]) == 0 && len(data["password"]) == 0 {
			return nil, nil
		}
		return &githttp.BasicAuth{Username: string(data["username"]), Password: string(data["password"])}, nil
	default:
		return nil, fmt.Errorf("unsupported URL scheme %q", u.Scheme)
	}
}

// hostKeyCallback accepts only the host keys listed in known_hosts for the dialled host.
func hostKeyCallback(knownHosts []byte) (ssh.HostKeyCallback, error) {
	type entry struct {
		hosts []string
		key   ssh.PublicKey
	}
	var entries []entry
	for rest := knownHosts; len(bytes.TrimSpace(rest)) > 0; {
		_, hosts, key, _, next, err := ssh.ParseKnownHosts(rest)
		if err != nil {
			return nil, fmt.Errorf("known_hosts: %w", err)
		}
		entries = append(entries, entry{hosts, key})
		rest = next
	}
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		want := knownhosts.Normalize(hostname)
		for _, e := range entries {
			for _, h := range e.hosts {
				if knownhosts.Normalize(h) == want && bytes.Equal(e.key.Marshal(), key.Marshal()) {
					return nil
				}
			}
		}
		return fmt.Errorf("ssh: host key of %s is not in known_hosts", hostname)
	}, nil
}
