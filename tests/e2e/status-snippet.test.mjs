// The status snippet on ordinary pages of a site, as an operator installs it: dist/snippet copied to
// /_gateway-doctor/status/ next to the error page, `<script type="module">` + `<gateway-status>` on
// static pages that nginx serves under a strict Content-Security-Policy. Real nginx (the shipped
// snippet with its micro-cached health endpoint), the demo application (`xtask upstream`), a real
// status page server (`xtask upstream --mode status-page`, whose JSON the tests rewrite), headless
// Chromium.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { axeViolations } from './lib/axe.mjs';
import { distDir } from './lib/dist.mjs';
import {
  killUpstream,
  openBrowser,
  rawGet,
  removeScratchDir,
  requireEnv,
  scratchDir,
  startNginx,
  startUpstream,
  stopNginx,
  stopUpstream,
  upstreamStats,
  withReport,
} from './lib/harness.mjs';

const CSP =
  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; img-src 'self'";
const SCRIPT = '<script type="module" src="/_gateway-doctor/status/gateway-status.js"></script>';
const HOSTILE_TITLE = '<img src=x onerror="window.pwned=1">Checkout <b>errors</b> & slow logins';

const page = (body) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Shop</title>${SCRIPT}</head>
<body><h1>Shop</h1>
${body}
</body>
</html>
`;

const PAGES = {
  'status.html': page(
    '<gateway-status status-url="/status/summary.json" href="https://status.example.com/" interval-ms="2000"></gateway-status>',
  ),
  'health.html': page('<gateway-status health-url="/_gateway-doctor/health" interval-ms="2000" banner></gateway-status>'),
  'banner.html': page(`<gateway-status health-url="/_gateway-doctor/health" interval-ms="4000" banner>
<script type="application/json">{"texts": {"banner": "Checkout is unavailable, retrying…"}}</script>
</gateway-status>`),
  'fetch.html': page('<gateway-status banner="fetch"></gateway-status>'),
};

/** A Statuspage summary.json (the format most status pages speak). */
function summary({ indicator, incident }) {
  return JSON.stringify({
    page: { id: 'shop', name: 'Shop', url: 'https://status.example.com' },
    status: { indicator, description: indicator === 'none' ? 'All Systems Operational' : 'Partial System Outage' },
    components: [],
    incidents: incident
      ? [{ name: incident, status: 'investigating', shortlink: 'https://stspg.io/1', started_at: '2026-11-24T10:00:00Z' }]
      : [],
    scheduled_maintenances: [],
  });
}

const level = (p) => p.getAttribute('gateway-status', 'data-level');
const shadowText = (p, part) =>
  p.evaluate((name) => document.querySelector('gateway-status').shadowRoot.querySelector(`[part~="${name}"]`).textContent, part);

describe('status snippet', { timeout: 90_000 }, () => {
  let siteDir;
  let pagesDir;
  let statusFile;
  let statusServer;
  let app;
  let appPort;
  let nginx;
  const browsers = [];

  before(async () => {
    const env = requireEnv();
    siteDir = await scratchDir('gd-e2e-status-site-');
    await cp(env.siteDir, siteDir, { recursive: true });
    await cp(path.join(distDir(), 'snippet'), path.join(siteDir, 'status'), { recursive: true });
    pagesDir = await scratchDir('gd-e2e-status-pages-');
    for (const [name, html] of Object.entries(PAGES)) await writeFile(path.join(pagesDir, name), html);
    statusFile = path.join(pagesDir, 'summary.json');
    await writeFile(statusFile, summary({ indicator: 'major', incident: HOSTILE_TITLE }));
    statusServer = await startUpstream('status-page', { bodyFile: statusFile, stats: true });
    app = await startUpstream('up');
    appPort = app.port;
    nginx = await startNginx({
      upstreamPort: appPort,
      siteDir,
      extraConf: `
location /pages/ {
    alias ${pagesDir}/;
    default_type text/html;
    add_header Cache-Control "no-store" always;
    add_header Content-Security-Policy "${CSP}" always;
}
location = /status/summary.json {
    proxy_pass http://127.0.0.1:${statusServer.port};
}
`,
    });
  });

  after(async () => {
    for (const b of browsers) await b.close();
    await stopNginx(nginx);
    await stopUpstream(app);
    await stopUpstream(statusServer);
    await removeScratchDir(siteDir);
    await removeScratchDir(pagesDir);
  });

  /** A browser on `name`, collecting CSP violations; failures get its console and nginx's logs. */
  async function open(name, { initScript } = {}) {
    const b = await openBrowser({ origin: nginx.origin });
    browsers.push(b);
    b.violations = [];
    b.page.on('console', (msg) => {
      if (/Content Security Policy/i.test(msg.text())) b.violations.push(msg.text());
    });
    if (initScript) await b.context.addInitScript(initScript);
    const res = await b.page.goto(`${nginx.origin}/pages/${name}`, { waitUntil: 'load' });
    assert.equal(res.status(), 200);
    return b;
  }

  const withLogs = (fn) => withReport({ nginx, browsers }, fn);

  const waitForLevel = (p, want, timeout = 10_000) =>
    p.waitForFunction((w) => document.querySelector('gateway-status')?.dataset.level === w, want, { timeout });

  let statusPage; // the browser of the first two tests

  test('every page of the site loads the snippet as its shipped .gz twin, not gzipped on the fly', async () => {
    for (const name of ['gateway-status.js', 'gateway_doctor.js', 'gateway_doctor_bg.wasm']) {
      const res = await rawGet(`${nginx.origin}/_gateway-doctor/status/${name}`, { 'accept-encoding': 'gzip' });
      assert.equal(res.status, 200, name);
      assert.equal(res.headers['content-encoding'], 'gzip', name);
      const twin = await readFile(path.join(siteDir, 'status', `${name}.gz`));
      assert.ok(res.body.equals(twin), `${name}: the .gz file's bytes`);
    }
  });

  test('an incident on the status page is shown as text, hostile HTML included', async () => {
    await withLogs(async () => {
      statusPage = await open('status.html');
      const p = statusPage.page;
      await waitForLevel(p, 'partial-outage');
      assert.equal(await shadowText(p, 'text'), 'Partial outage');
      assert.equal(await shadowText(p, 'incident'), HOSTILE_TITLE);
      const parsed = await p.evaluate(() => document.querySelector('gateway-status').shadowRoot.querySelectorAll('img, b').length);
      assert.equal(parsed, 0, 'the incident title was parsed as HTML');
      assert.equal(await p.evaluate(() => window.pwned), undefined);
      const link = await p.evaluate(() => {
        const a = document.querySelector('gateway-status').shadowRoot.querySelector('[part~="link"]');
        return { href: a.href, text: a.textContent, hidden: a.hidden };
      });
      assert.deepEqual(link, { href: 'https://status.example.com/', text: 'Status page', hidden: false });
      const role = await p.evaluate(() => document.querySelector('gateway-status').shadowRoot.querySelector('[role="status"]')?.getAttribute('part'));
      assert.equal(role, 'status', 'the status line is a polite live region');
      // The dot carries the level's colour (not the "unknown" grey).
      const colours = await p.evaluate(() => {
        const dot = document.querySelector('gateway-status').shadowRoot.querySelector('[part~="dot"]');
        return getComputedStyle(dot).backgroundColor;
      });
      assert.equal(colours, 'rgb(188, 76, 0)');
      // WCAG 2.2 A/AA inside the snippet's shadow root too, in light and in dark mode.
      assert.deepEqual(await axeViolations(p), [], 'light');
      await p.emulateMedia({ colorScheme: 'dark' });
      assert.deepEqual(await axeViolations(p), [], 'dark');
      await p.emulateMedia({ colorScheme: 'light' });
      assert.deepEqual(statusPage.violations, []);
      assert.deepEqual(statusPage.consoleErrors, []);
    });
  });

  test('when the incident is resolved, the next poll shows all systems operational', async () => {
    await withLogs(async () => {
      const p = statusPage.page;
      await writeFile(statusFile, summary({ indicator: 'none' }));
      await waitForLevel(p, 'operational', 6_000);
      assert.equal(await shadowText(p, 'text'), 'All systems operational');
      assert.equal(await shadowText(p, 'incident'), '');
    });
  });

  test('a hidden tab stops polling and checks at once when visible again', async () => {
    await withLogs(async () => {
      const p = statusPage.page;
      const polls = async () => (await upstreamStats(statusServer)).requests;
      // Hide right after a poll reached the status page server.
      const start = await polls();
      await waitUntil(async () => (await polls()) > start, 6_000, 'no poll reached the status page');
      const setVisibility = (state) =>
        p.evaluate((s) => {
          Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => s });
          Object.defineProperty(document, 'hidden', { configurable: true, get: () => s === 'hidden' });
          document.dispatchEvent(new Event('visibilitychange'));
        }, state);
      await setVisibility('hidden');
      const hiddenAt = await polls();
      await new Promise((r) => setTimeout(r, 5_000)); // two and a half intervals
      assert.equal(await polls(), hiddenAt, 'the hidden tab kept polling');
      await setVisibility('visible');
      await waitUntil(async () => (await polls()) > hiddenAt, 1_500, 'no poll right after the tab became visible');
    });
  });

  test('health endpoint down: the line says so, and our own probes do not raise the banner', async () => {
    await withLogs(async () => {
      const { page: p } = await open('health.html');
      await waitForLevel(p, 'operational');
      await killUpstream(app);
      await waitForLevel(p, 'down', 8_000);
      assert.equal(await shadowText(p, 'text'), 'Our servers are not responding');
      assert.equal(await p.getAttribute('gateway-status', 'data-banner'), null);
      assert.equal(await shadowText(p, 'banner'), '');
    });
  });

  test('banner: a real 502 from an API call shows it; the health endpoint answering again hides it', async () => {
    await withLogs(async () => {
      const b = await open('banner.html');
      const p = b.page;
      await waitForLevel(p, 'down'); // the application is still down
      assert.equal(await p.getAttribute('gateway-status', 'data-banner'), null);
      const status = await p.evaluate(() => fetch('/api/cart').then(async (r) => (await r.text(), r.status)));
      assert.equal(status, 502);
      await p.waitForSelector('gateway-status[data-banner]', { state: 'attached', timeout: 5_000 });
      assert.equal(await shadowText(p, 'banner'), 'Checkout is unavailable, retrying…');
      const banner = await p.evaluate(() => {
        const el = document.querySelector('gateway-status').shadowRoot.querySelector('[part~="banner"]');
        const box = el.getBoundingClientRect();
        return { role: el.getAttribute('role'), position: getComputedStyle(el).position, top: box.top, width: box.width };
      });
      assert.equal(banner.role, 'status');
      assert.equal(banner.position, 'fixed');
      assert.equal(banner.top, 0);
      assert.ok(banner.width > 500, `banner width ${banner.width}`);
      assert.deepEqual(await axeViolations(p), [], 'the banner meets WCAG 2.2 A/AA');
      // A site whose header must stay visible keeps the banner in the flow, where the element is
      // (set through the CSSOM here: the page's CSP allows no inline style).
      const inFlow = await p.evaluate(() => {
        const host = document.querySelector('gateway-status');
        host.style.setProperty('--gateway-status-banner-position', 'static');
        const el = host.shadowRoot.querySelector('[part~="banner"]');
        return {
          position: getComputedStyle(el).position,
          top: el.getBoundingClientRect().top,
          headingBottom: document.querySelector('h1').getBoundingClientRect().bottom,
        };
      });
      assert.equal(inFlow.position, 'static');
      assert.ok(inFlow.top >= inFlow.headingBottom, `the banner no longer covers the heading: ${JSON.stringify(inFlow)}`);

      app = await startUpstream('up', { port: appPort });
      // No API call from the page: the snippet's own retries of the health endpoint notice recovery.
      await p.waitForSelector('gateway-status:not([data-banner])', { state: 'attached', timeout: 15_000 });
      await waitForLevel(p, 'operational', 10_000);
      assert.equal(await shadowText(p, 'banner'), '');
      assert.deepEqual(b.violations, []);
    });
  });

  test('banner="fetch" where the browser does not report response statuses: the fetch wrapper', async () => {
    await withLogs(async () => {
      // An older browser: no Resource Timing responseStatus.
      const b = await open('fetch.html', {
        initScript: () => {
          delete PerformanceResourceTiming.prototype.responseStatus;
        },
      });
      const p = b.page;
      await waitForLevel(p, 'off'); // nothing to check: banner only
      await killUpstream(app);
      assert.equal(await p.evaluate(() => fetch('/api/cart').then(async (r) => (await r.text(), r.status))), 502);
      await p.waitForSelector('gateway-status[data-banner]', { state: 'attached', timeout: 5_000 });
      assert.equal(await shadowText(p, 'banner'), 'Some features are unavailable, retrying…');
      app = await startUpstream('up', { port: appPort });
      // The page's next call succeeds: the banner goes at once.
      assert.equal(await p.evaluate(() => fetch('/api/cart').then(async (r) => (await r.text(), r.status))), 200);
      await p.waitForSelector('gateway-status:not([data-banner])', { state: 'attached', timeout: 2_000 });
      assert.deepEqual(b.consoleErrors, []);
    });
  });
});

async function waitUntil(check, timeoutMs, message) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${message} within ${timeoutMs} ms`);
}
