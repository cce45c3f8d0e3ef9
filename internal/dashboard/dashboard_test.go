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

package dashboard_test

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/fluxconfig/fluxconfig/internal/dashboard"
)

// page fetches path, which must answer 200, and returns its body.
func (f *fleet) page(t *testing.T, g *WithT, c *http.Client, path string) string {
	t.Helper()
	code, body, _ := f.get(t, c, path)
	g.Expect(code).To(Equal(http.StatusOK), path)
	return body
}

// get fetches a dashboard path and returns the status, the body and the Location.
func (f *fleet) get(t *testing.T, c *http.Client, path string) (int, string, string) {
	t.Helper()
	resp, err := c.Get(f.e.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body), resp.Header.Get("Location")
}

func (f *fleet) signedIn(t *testing.T) *http.Client {
	t.Helper()
	c := browser(t)
	if a := f.login(t, c, f.admin); a.code != http.StatusSeeOther {
		t.Fatalf("login answered %d", a.code)
	}
	return c
}

func TestDashboard_EveryPageNeedsASession(t *testing.T) {
	g := NewWithT(t)
	f := startFleet(t)
	c := browser(t)
	for _, path := range []string{"/ui/", "/ui/configurations/" + failingConfig, "/ui/clusters/" + failingOn, "/ui/?state=Non-Compliant"} {
		code, body, loc := f.get(t, c, path)
		g.Expect(code).To(Equal(http.StatusSeeOther), path)
		g.Expect(loc).To(Equal("/ui/login"), path)
		g.Expect(body).NotTo(ContainSubstring(failingOn), path)
	}
	// The bearer token of the API is not a session either.
	req, _ := http.NewRequest(http.MethodGet, f.e.URL+"/ui/", nil)
	req.Header.Set("Authorization", "Bearer "+f.admin)
	resp, err := c.Do(req)
	g.Expect(err).NotTo(HaveOccurred())
	_ = resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusSeeOther))
}

func TestDashboard_LoginSetsASessionCookieThatIsNotTheToken(t *testing.T) {
	g := NewWithT(t)
	f := startFleet(t)
	c := browser(t)

	a := f.login(t, c, f.admin)
	g.Expect(a.code).To(Equal(http.StatusSeeOther))
	g.Expect(a.location).To(Equal("/ui/"))
	cookies := a.cookies
	g.Expect(cookies).To(HaveLen(1))
	ck := cookies[0]
	g.Expect(ck.Name).To(Equal(dashboard.CookieName))
	g.Expect(ck.HttpOnly).To(BeTrue())
	g.Expect(ck.SameSite).To(Equal(http.SameSiteStrictMode))
	g.Expect(ck.Path).To(Equal("/ui/"))
	g.Expect(ck.Value).NotTo(ContainSubstring(f.admin))
	g.Expect(len(ck.Value)).To(BeNumerically(">=", 43), "a random id of 32 bytes")

	body := f.page(t, g, c, "/ui/")
	g.Expect(body).To(ContainSubstring(failingOn))
	g.Expect(body).NotTo(ContainSubstring(f.admin))
}

func TestDashboard_WrongTokenIsRefused(t *testing.T) {
	g := NewWithT(t)
	f := startFleet(t)
	c := browser(t)
	// An agent's token is a valid token, but not the admin's.
	for _, token := range []string{"wrong", f.tokens[failingOn], ""} {
		a := f.login(t, c, token)
		g.Expect(a.code).To(Equal(http.StatusUnauthorized))
		g.Expect(a.cookies).To(BeEmpty())
	}
	code, _, loc := f.get(t, c, "/ui/")
	g.Expect(code).To(Equal(http.StatusSeeOther))
	g.Expect(loc).To(Equal("/ui/login"))
}

func TestDashboard_LoginFromAnotherSiteIsRefused(t *testing.T) {
	g := NewWithT(t)
	f := startFleet(t)
	for _, header := range [][2]string{{"Origin", "https://attacker.example"}, {"Origin", "null"}, {"Sec-Fetch-Site", "cross-site"}} {
		c := browser(t)
		req, _ := http.NewRequest(http.MethodPost, f.e.URL+"/ui/login", strings.NewReader("token="+f.admin))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(header[0], header[1])
		resp, err := c.Do(req)
		g.Expect(err).NotTo(HaveOccurred())
		_ = resp.Body.Close()
		g.Expect(resp.StatusCode).To(Equal(http.StatusForbidden), header[0]+": "+header[1])
		g.Expect(resp.Cookies()).To(BeEmpty())
	}
}

func TestDashboard_LogoutAndTokenRotationEndTheSession(t *testing.T) {
	g := NewWithT(t)
	f := startFleet(t)

	c := f.signedIn(t)
	req, _ := http.NewRequest(http.MethodPost, f.e.URL+"/ui/logout", nil)
	req.Header.Set("Origin", f.e.URL)
	resp, err := c.Do(req)
	g.Expect(err).NotTo(HaveOccurred())
	_ = resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusSeeOther))
	code, _, _ := f.get(t, c, "/ui/")
	g.Expect(code).To(Equal(http.StatusSeeOther))

	c = f.signedIn(t)
	code, _, _ = f.get(t, c, "/ui/")
	g.Expect(code).To(Equal(http.StatusOK))
	g.Expect(os.WriteFile(f.e.Tokens.AdminFile, []byte("rotated\n"), 0o600)).To(Succeed())
	code, _, loc := f.get(t, c, "/ui/")
	g.Expect(code).To(Equal(http.StatusSeeOther), "a session opened with the old admin token ends")
	g.Expect(loc).To(Equal("/ui/login"))
}

func TestDashboard_FleetOverview(t *testing.T) {
	g := NewWithT(t)
	f := startFleet(t)
	c := f.signedIn(t)

	body := f.page(t, g, c, "/ui/")
	g.Expect(body).To(ContainSubstring(`http-equiv="refresh"`))
	g.Expect(body).To(ContainSubstring(`<td class="cell s-Non-Compliant"><a href="/ui/configurations/` + failingConfig + `?q=` + failingOn + `">Non-Compliant</a>`))
	g.Expect(body).To(ContainSubstring(`<span class="n">1</span> Non-Compliant`))
	g.Expect(body).To(ContainSubstring(`<span class="n">1</span> Disconnected clusters`))
	// The disconnected cluster is listed apart, not in the grid.
	apart, grid, ok := strings.Cut(body, "Connected clusters</h2>")
	g.Expect(ok).To(BeTrue())
	g.Expect(apart).To(ContainSubstring(`<a href="/ui/clusters/` + disconnected + `">`))
	g.Expect(grid).NotTo(ContainSubstring(disconnected))
	g.Expect(grid).To(ContainSubstring("1–9 of 9"))

	body = f.page(t, g, c, "/ui/?state=Non-Compliant")
	g.Expect(body).To(ContainSubstring(`<a href="/ui/clusters/` + failingOn + `">`))
	g.Expect(body).NotTo(ContainSubstring(`<a href="/ui/clusters/prod-us-east-1">`))

	body = f.page(t, g, c, "/ui/?state=Disconnected")
	g.Expect(body).To(ContainSubstring(`<tr class="stale"><th scope="row"><a href="/ui/clusters/` + disconnected + `">`))
	g.Expect(body).To(ContainSubstring("1–1 of 1"))

	body = f.page(t, g, c, "/ui/?q=prod-")
	g.Expect(body).To(ContainSubstring("1–4 of 4"))
	g.Expect(body).To(ContainSubstring(`<span class="n">15</span> Compliant`))
	body = f.page(t, g, c, "/ui/?q=prod-&page=2")
	g.Expect(body).To(ContainSubstring("Page 2 is past the last page, 1."))
	g.Expect(body).To(ContainSubstring(`<a rel="prev" href="/ui/?page=1&amp;q=prod-">`))
	body = f.page(t, g, c, "/ui/?q=nothing-")
	g.Expect(body).To(ContainSubstring("Nothing matches."))

	code, body, _ := f.get(t, c, "/ui/?state=Broken")
	g.Expect(code).To(Equal(http.StatusBadRequest))
	g.Expect(body).To(ContainSubstring("state must be one of"))
	code, body, _ = f.get(t, c, "/ui/?page=0")
	g.Expect(code).To(Equal(http.StatusBadRequest))
	g.Expect(body).To(ContainSubstring("page must be"))
}

func TestDashboard_ConfigurationPage(t *testing.T) {
	g := NewWithT(t)
	f := startFleet(t)
	c := f.signedIn(t)

	body := f.page(t, g, c, "/ui/configurations/"+failingConfig)
	g.Expect(body).To(ContainSubstring("https://git.example.com/platform/" + failingConfig))
	g.Expect(body).To(ContainSubstring("(branch main)"))
	g.Expect(body).To(ContainSubstring("main@sha1:"))
	g.Expect(body).To(ContainSubstring(htmlEscape(failMessage)))
	g.Expect(body).To(ContainSubstring("Helm upgrade failed for release payments/payments-api"))
	g.Expect(body).To(MatchRegexp(`<td>` + failingConfig + `/` + helmRelease + `</td><td><span class="badge s-Non-Compliant">Non-Compliant</span></td><td>3</td>\s*<td class="num">5</td><td class="num">0</td><td class="num">5</td>`))
	g.Expect(body).NotTo(ContainSubstring(protectedValue))
	// Clusters without it are not listed; disconnected ones are counted apart.
	g.Expect(body).NotTo(ContainSubstring("Cluster <a href=\"/ui/clusters/dev-1\">"))
	g.Expect(body).To(ContainSubstring("of 6 clusters with this configuration"))

	body = f.page(t, g, c, "/ui/configurations/"+failingConfig+"?state=Non-Compliant")
	g.Expect(strings.Count(body, `<section class="card"`)).To(Equal(1))
	g.Expect(body).To(ContainSubstring("Cluster <a href=\"/ui/clusters/" + failingOn + "\">"))

	code, _, _ := f.get(t, c, "/ui/configurations/nothing-named-so")
	g.Expect(code).To(Equal(http.StatusNotFound))
}

func TestDashboard_ClusterPage(t *testing.T) {
	g := NewWithT(t)
	f := startFleet(t)
	c := f.signedIn(t)

	body := f.page(t, g, c, "/ui/clusters/"+failingOn)
	g.Expect(body).To(ContainSubstring("<dt>Last poll</dt><dd>" + fixtureStart.Add(2*time.Minute).Format("2006-01-02 15:04:05") + " UTC (0s ago)</dd>"))
	g.Expect(body).To(ContainSubstring("<dt>Agent</dt><dd>" + agentVersion + "</dd>"))
	g.Expect(body).To(ContainSubstring(`<span class="badge s-Compliant">Connected</span>`))
	for _, name := range fleetConfigs {
		g.Expect(body).To(ContainSubstring(`<a href="/ui/configurations/` + name + `">`))
	}
	g.Expect(body).To(ContainSubstring(htmlEscape(failMessage)))
	// The failing configuration comes first.
	g.Expect(strings.Index(body, "/ui/configurations/"+failingConfig+`"`)).To(BeNumerically("<", strings.Index(body, `/ui/configurations/cluster-config"`)))

	body = f.page(t, g, c, "/ui/clusters/"+disconnected)
	g.Expect(body).To(ContainSubstring(`<span class="badge s-Disconnected">Disconnected</span>`))
	g.Expect(body).To(ContainSubstring("(2m0s ago)"))

	code, _, _ := f.get(t, c, "/ui/clusters/unknown-cluster")
	g.Expect(code).To(Equal(http.StatusNotFound))
}

func htmlEscape(s string) string {
	return strings.NewReplacer("'", "&#39;", `"`, "&#34;", "<", "&lt;", ">", "&gt;", "&", "&amp;").Replace(s)
}
