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
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	. "github.com/onsi/gomega"

	"github.com/fluxconfig/fluxconfig/internal/dashboard"
)

// screenshotEnv names a file to save a PNG of the fleet overview to (docs/dashboard.png is
// made so); the test only takes it when set.
const screenshotEnv = "FLUXCONFIG_DASHBOARD_SCREENSHOT"

// chromium starts Debian's chromium headless with a fresh profile and returns a browser
// tab's context. The test skips when chromium is not installed, and only then.
func chromium(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed, so the dashboard's browser test cannot run: apt-get install -y chromium (.ci/run does)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 800))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelTab)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancelTimeout)
	return ctx
}

func TestDashboard_Browser(t *testing.T) {
	g := NewWithT(t)
	ctx := chromium(t)
	f := startFleet(t)

	// Every URL the browser asks for, to show the token never is in one.
	var mu sync.Mutex
	var urls []string
	g.Expect(chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			urls = append(urls, e.Request.URL+e.Request.URLFragment)
			mu.Unlock()
		}
	})).To(Succeed())
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	get := func(what string, a chromedp.Action[string]) string {
		t.Helper()
		v, err := chromedp.Run(ctx, a)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	token := chromedp.ID("token")

	do("opening the dashboard", chromedp.Navigate(f.e.URL+"/ui/"), chromedp.WaitVisible(token))
	g.Expect(get("reading the location", chromedp.Location())).To(Equal(f.e.URL + "/ui/login"))

	do("signing in with a wrong token", chromedp.SendKeys(token, "not-the-admin-token"), chromedp.Submit(token),
		chromedp.WaitVisible(chromedp.CSS("p.error")))
	g.Expect(get("reading the error", chromedp.Text(chromedp.CSS("p.error")))).To(Equal("That is not the admin token."))
	g.Expect(cookies(ctx, t, f.e.URL)).To(BeEmpty())

	do("signing in", chromedp.SendKeys(token, f.admin), chromedp.Submit(token),
		chromedp.WaitVisible(chromedp.CSS("table.grid")))
	g.Expect(get("reading the location", chromedp.Location())).To(Equal(f.e.URL + "/ui/"))
	jar := cookies(ctx, t, f.e.URL)
	g.Expect(jar).To(HaveLen(1))
	g.Expect(jar[0].Name).To(Equal(dashboard.CookieName))
	g.Expect(jar[0].HTTPOnly).To(BeTrue())
	g.Expect(jar[0].SameSite).To(Equal(network.CookieSameSiteStrict))
	g.Expect(jar[0].Value).NotTo(ContainSubstring(f.admin))

	text := get("reading the overview", chromedp.Text(chromedp.CSS("main")))
	g.Expect(text).To(ContainSubstring("Disconnected clusters"))
	g.Expect(text).To(ContainSubstring(disconnected))
	if file := os.Getenv(screenshotEnv); file != "" {
		do("sizing the viewport", chromedp.EmulateViewport(1280, 800))
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(os.WriteFile(file, png, 0o644)).To(Succeed()) //nolint:gosec // an image for the docs
	}

	// Find the failing configuration as a user would: the Non-Compliant count, then its cell.
	do("filtering to Non-Compliant", chromedp.Click(chromedp.CSS("a.tile.s-Non-Compliant")),
		chromedp.WaitVisible(chromedp.CSS("td.cell.s-Non-Compliant a")))
	g.Expect(get("reading the location", chromedp.Location())).To(Equal(f.e.URL + "/ui/?state=Non-Compliant"))
	do("opening the failing configuration", chromedp.Click(chromedp.CSS("td.cell.s-Non-Compliant a")),
		chromedp.WaitVisible(chromedp.CSS("table.objects")))
	g.Expect(get("reading the location", chromedp.Location())).To(HavePrefix(f.e.URL + "/ui/configurations/" + failingConfig))
	text = get("reading the configuration", chromedp.Text(chromedp.CSS("main")))
	g.Expect(text).To(ContainSubstring(failMessage))
	g.Expect(text).To(ContainSubstring("Cluster " + failingOn))
	helm := get("reading the HelmReleases", chromedp.Text(chromedp.CSS("table.helm tbody")))
	g.Expect(strings.Fields(helm)).To(Equal([]string{failingConfig + "/" + helmRelease, "Non-Compliant", "3", "5", "0", "5"}))

	do("opening the cluster", chromedp.Click(chromedp.CSS(`h2 a[href="/ui/clusters/`+failingOn+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("dl.facts")))
	text = get("reading the cluster", chromedp.Text(chromedp.CSS("main")))
	g.Expect(text).To(ContainSubstring(agentVersion))
	g.Expect(text).To(ContainSubstring("Last poll"))
	g.Expect(text).To(ContainSubstring(failMessage))

	do("opening a configuration from the overview's column", chromedp.Navigate(f.e.URL+"/ui/"),
		chromedp.Click(chromedp.CSS(`thead a[href="/ui/configurations/monitoring"]`)),
		chromedp.WaitVisible(chromedp.CSS("section.card")))
	g.Expect(get("reading the heading", chromedp.Text(chromedp.CSS("h1")))).To(Equal("Configuration monitoring"))

	do("signing out", chromedp.Click(chromedp.CSS("header form button")), chromedp.WaitVisible(token))
	do("opening a cluster signed out", chromedp.Navigate(f.e.URL+"/ui/clusters/"+failingOn), chromedp.WaitVisible(token))
	g.Expect(get("reading the location", chromedp.Location())).To(Equal(f.e.URL + "/ui/login"))

	mu.Lock()
	defer mu.Unlock()
	g.Expect(len(urls)).To(BeNumerically(">", 8))
	for _, u := range urls {
		g.Expect(u).NotTo(ContainSubstring(f.admin))
	}
	for _, c := range cookies(ctx, t, f.e.URL) {
		g.Expect(c.Value).NotTo(ContainSubstring(f.admin))
	}
}

// cookies are the browser's cookies for the dashboard.
func cookies(ctx context.Context, t *testing.T, base string) []*network.Cookie {
	t.Helper()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/ui/"}})
	if err != nil {
		t.Fatal(err)
	}
	return res.Cookies
}
