// Every verdict of the diagnosis, produced by a real fault against real nginx (the shipped recipe) in
// headless Chromium: the upstream process killed, hanging past the proxy timeout, answering garbage or
// shedding load; a planned 503 with Retry-After; a deny rule added with an nginx reload; a status page
// reporting an incident; mirrors up, down and unresolvable (.invalid); the visitor's browser offline
// (Chromium's network emulation) or blocking the site (Chromium's URL blocking, like a filter or
// firewall); the gateway itself killed; the site back.
//
// Cross-origin endpoints (mirror, status page, third party) live on a local HTTPS server with a
// throwaway self-signed certificate (the config accepts only https:// for other origins); the browser
// context ignores certificate errors. The nginx snippet's Content-Security-Policy is edited exactly as
// its comment tells operators to (their origins added to connect-src), except in the one scenario that
// checks what happens when an operator forgets.
//
// Scenarios run side by side, each with its own nginx, upstream and browser context, in one Chromium.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import https from 'node:https';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import {
  CHROMIUM_ARGS,
  freePort,
  killUpstream,
  nginxLogs,
  removeScratchDir,
  requireEnv,
  scratchDir,
  siteWithConfig,
  startNginx,
  startUpstream,
  stopNginx,
  stopUpstream,
  widgetMounted,
} from './lib/harness.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SNIPPET = path.join(REPO, 'www/recipes/nginx/gateway-doctor.conf');
const DETAILS = path.join(REPO, 'www/recipes/nginx/gateway-doctor-details.conf');
/** Resolved to 127.0.0.1 by the browser only: a plain-http origin that is not "potentially trustworthy". */
const PLAIN_HOST = 'plain-http.test';
const INCIDENT_TITLE = 'Database <b>failover</b> in progress';

const run = (cmd, args) =>
  new Promise((resolve, reject) =>
    execFile(cmd, args, { timeout: 20_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd}: ${err.message}\n${stderr}`)) : resolve(stdout))),
  );

// ---------------------------------------------------------------------------------------------
// Shared fixtures: one HTTPS server for the other origins, one edited snippet, one browser.

const shared = { dirs: [], requests: [] };

/** The "other origins": a mirror with CORS, a status page reporting an incident, a 204 endpoint. */
async function startOtherOrigins(dir) {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
  ]);
  const summary = JSON.stringify({
    page: { id: 'gd', name: 'Shop', url: 'https://status.shop.example' },
    status: { indicator: 'major', description: 'Partial System Outage' },
    components: [],
    incidents: [
      {
        name: INCIDENT_TITLE,
        status: 'identified',
        started_at: '2025-03-01T09:55:00Z',
        shortlink: 'https://stspg.io/gd1',
      },
    ],
    scheduled_maintenances: [],
  });
  const server = https.createServer({ key: await readFile(key), cert: await readFile(cert) }, (req, res) => {
    const url = new URL(req.url, 'https://127.0.0.1');
    shared.requests.push({ path: url.pathname, cookie: req.headers.cookie, referer: req.headers.referer, origin: req.headers.origin });
    const cors = { 'access-control-allow-origin': '*', 'cache-control': 'no-store' };
    if (url.pathname.startsWith('/mirror')) {
      res.writeHead(200, { ...cors, 'content-type': 'text/html' }).end('<!doctype html><title>Mirror</title><h1>Mirror</h1>');
    } else if (url.pathname === '/status/summary.json') {
      res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end(summary);
    } else if (url.pathname === '/generate_204') {
      res.writeHead(204, cors).end();
    } else {
      res.writeHead(404, cors).end();
    }
  });
  const port = await freePort();
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return { server, port, origin: `https://127.0.0.1:${port}` };
}

// ---------------------------------------------------------------------------------------------
// Per scenario

/** nginx + upstream + a browser context and page, torn down by `close()`. */
async function scenario(name, { config, upstream: mode, upstreamOpts, killed = false, csp = true, extraConf } = {}) {
  const s = { name, logs: [], pageErrors: [] };
  if (mode) {
    s.upstream = await startUpstream(mode, upstreamOpts);
    s.upstreamPort = s.upstream.port;
    // A real crash: the process is killed, its port refuses connections.
    if (killed) await killUpstream(s.upstream);
  } else {
    s.upstreamPort = await freePort();
  }
  s.site = await siteWithConfig(config ?? {});
  s.nginx = await startNginx({
    upstreamPort: s.upstreamPort,
    siteDir: s.site,
    snippet: csp ? shared.snippet : undefined,
    extraConf,
  });
  s.context = await shared.browser.newContext({ ignoreHTTPSErrors: true });
  // Every verdict the page ever shows, from the first render on.
  await s.context.addInitScript(() => {
    window.__gdVerdicts = [];
    window.__gdTimeline = [];
    new MutationObserver(() => {
      const v = document.getElementById('gateway-doctor')?.dataset.verdict;
      if (v && window.__gdVerdicts[window.__gdVerdicts.length - 1] !== v) {
        window.__gdVerdicts.push(v);
        window.__gdTimeline.push(`${Math.round(performance.now())} ms ${v}`);
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-verdict'] });
    for (const name of ['online', 'offline']) {
      addEventListener(name, () => window.__gdTimeline.push(`${Math.round(performance.now())} ms event ${name}`));
    }
  });
  s.page = await s.context.newPage();
  s.page.on('console', (m) => s.logs.push(`${m.type()}: ${m.text()}`));
  s.page.on('pageerror', (e) => s.pageErrors.push(e.stack || e.message));
  s.close = async () => {
    await s.context.close().catch(() => {});
    if (s.upstream) await stopUpstream(s.upstream);
    await stopNginx(s.nginx);
    await removeScratchDir(s.site);
  };
  return s;
}

/** Runs `fn`, adding the page's console, the upstream's output and nginx's logs to a failure. */
async function withLogs(s, fn) {
  try {
    await fn();
    assert.deepEqual(s.pageErrors, [], 'no uncaught errors in the page');
  } catch (err) {
    let report = `\n--- ${s.name}: browser console ---\n${s.logs.join('\n')}`;
    report += `\n--- verdicts seen ---\n${JSON.stringify(await s.page.evaluate(() => window.__gdTimeline).catch(() => null))}`;
    report += `\n--- diagnostic report ---\n${await diagnosticReport(s).catch((e) => `(none: ${e.message})`)}`;
    if (s.upstream) report += `\n--- ${s.upstream.name} ---\n${s.upstream.output}`;
    report += `\n${await nginxLogs(s.nginx)}`;
    err.message += report;
    if (typeof err.stack === 'string') err.stack += report;
    throw err;
  } finally {
    await s.close();
  }
}

/** The widget's own "Copy diagnostic report" text, for failure messages. */
async function diagnosticReport(s) {
  const origin = new URL(s.page.url()).origin;
  await s.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin }).catch(() => {});
  await s.page.click('button[data-gd="report-copy"]', { timeout: 2_000 });
  await sleep(300);
  const box = s.page.locator('textarea[data-gd="report-text"]');
  if (await box.isVisible()) return box.inputValue();
  return s.page.evaluate(() => navigator.clipboard.readText());
}

// Polling by interval, not requestAnimationFrame: many pages share one busy browser.
const POLL = 100;

async function waitVerdict(page, verdict, timeout = 20_000) {
  try {
    await page.waitForFunction((v) => document.getElementById('gateway-doctor')?.dataset.verdict === v, verdict, { timeout, polling: POLL });
  } catch (err) {
    err.message = `waiting for data-verdict=${verdict}: ${err.message}`;
    throw err;
  }
}

async function roundDone(page, timeout = 20_000) {
  await page.waitForFunction(() => document.querySelector('[data-gd="diagnosis"]')?.dataset.round === 'done', null, { timeout, polling: POLL });
}

/** `you=ok network=ok gateway=ok application=failed` */
async function hops(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-gd="hops"] [data-hop]')].map((li) => `${li.dataset.hop}=${li.dataset.result}`).join(' '),
  );
}

async function stepIds(page) {
  return page.evaluate(() => [...document.querySelectorAll('[data-gd="steps"] [data-step]')].map((li) => li.dataset.step));
}

async function verdicts(page) {
  return page.evaluate(() => window.__gdVerdicts);
}

function includesAll(list, wanted, what) {
  for (const w of wanted) assert.ok(list.includes(w), `${what}: ${JSON.stringify(list)} lacks ${w}`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------

// Six at a time: twelve Chromium pages plus their nginx and upstreams at once overload a two-core
// machine, and the widget's probes (rightly) give up after 4 s.
describe('verdicts from real faults', { timeout: 90_000, concurrency: 6 }, () => {
  before(async () => {
    const env = requireEnv();
    const dir = await scratchDir('gd-e2e-verdicts-');
    shared.dirs.push(dir);
    const [origins, deadPort, browser] = await Promise.all([
      startOtherOrigins(dir),
      freePort(),
      chromium.launch({
        executablePath: env.chromium,
        args: [...CHROMIUM_ARGS, `--host-resolver-rules=MAP ${PLAIN_HOST} 127.0.0.1`],
        headless: true,
      }),
    ]);
    Object.assign(shared, { origins, browser, dead: `https://127.0.0.1:${deadPort}` });
    // What the snippet's comment asks of operators whose config names other origins.
    const text = await readFile(SNIPPET, 'utf8');
    const header = /^( *add_header Content-Security-Policy ".*connect-src 'self')/m;
    assert.match(text, header, 'the snippet sets a CSP with connect-src');
    shared.snippet = path.join(dir, 'gateway-doctor.conf');
    await writeFile(shared.snippet, text.replace(header, `$1 ${origins.origin} ${shared.dead} https://mirror.invalid`));
  });

  after(async () => {
    await shared.browser?.close().catch(() => {});
    shared.origins?.server.close();
    for (const d of shared.dirs) await removeScratchDir(d);
  });

  test('upstream killed: app-down from the first render; a mirror is offered; report and operator section; then the gateway dies: gateway-down', async (t) => {
    const mirror = `${shared.origins.origin}/mirror/eu/`;
    const s = await scenario('killed', {
      upstream: 'up',
      killed: true,
      extraConf: `include ${DETAILS};\n`,
      config: {
        alternates: [{ name: 'EU mirror', url: mirror }],
        thirdParty: `${shared.origins.origin}/generate_204`,
        support: { email: 'help@shop.example' },
        operator: { enabled: true, server: 'nginx', upstream: 'node', hosting: 'vps' },
        retry: { maxDelayMs: 2000 },
      },
    });
    await withLogs(s, async () => {
      const { page } = s;
      const pageUrl = s.nginx.origin + '/shop/cart';
      const res = await page.goto(pageUrl, { waitUntil: 'load' });
      assert.equal(res.status(), 502);
      await widgetMounted(page);
      await waitVerdict(page, 'app-down');
      // On a busy machine the first round may give up on the mirror; the next one (15 s) asks again.
      await page.waitForSelector('[data-step="use-mirror"]', { timeout: 30_000 });
      await roundDone(page);
      assert.equal(await hops(page), 'you=ok network=ok gateway=ok application=failed');
      assert.deepEqual(await stepIds(page), ['wait', 'use-mirror', 'down-for-everyone', 'contact-support']);
      assert.deepEqual(await verdicts(page), ['app-down'], 'the first render already knew (the gateway said 502)');
      const link = page.locator('[data-step="use-mirror"] a');
      assert.equal(await link.getAttribute('href'), mirror);
      assert.equal((await link.textContent()).trim(), 'EU mirror');
      // One list of steps: the page's static list is for visitors without JavaScript.
      assert.equal(await page.locator('section.gd-steps').isHidden(), true);

      // The operator section: folded, with the gateway's opt-in details and exact commands.
      const operator = page.locator('details[data-gd="operator"]');
      assert.equal(await operator.getAttribute('open'), null, 'folded');
      const requestId = await page.locator('meta[name="gateway-doctor:request-id"]').getAttribute('content');
      assert.match(requestId, /^[0-9a-f]{32}$/);
      assert.equal(await operator.locator('dd[data-detail="request_id"]').textContent(), requestId);
      assert.equal(await operator.locator('dd[data-detail="upstream_addr"]').textContent(), `127.0.0.1:${s.upstreamPort}`);
      assert.equal(await operator.locator('dd[data-detail="upstream_status"]').textContent(), '502');
      assert.equal(await operator.locator('[data-check="logs"] code').first().textContent(), 'sudo tail -f /var/log/nginx/error.log');
      assert.equal(await page.locator('details.gd-owner').isHidden(), true);

      // The report, through the real clipboard.
      await s.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.nginx.origin });
      await page.click('button[data-gd="report-copy"]');
      await page.waitForFunction(() => document.querySelector('[data-gd="report-status"]')?.textContent.startsWith('Report copied'), null, { timeout: 5_000, polling: POLL });
      const report = await page.evaluate(() => navigator.clipboard.readText());
      for (const line of [
        `Request ID: ${requestId}`,
        `Upstream (from the gateway): address=127.0.0.1:${s.upstreamPort} status=502 time=`,
        'Verdict: app-down',
        'Path: you=ok network=ok gateway=ok application=failed',
        '  page: HTTP 502, our error page in ',
        '  gateway self-check: HTTP 204 in ',
        '  alternate #1 "EU mirror" (mirror): HTTP 200 in ',
        '  third party: HTTP 204 in ',
        'Browser: chrome on linux',
        'Checks sent by this page: ',
      ]) {
        assert.ok(report.includes(line), `report lacks ${JSON.stringify(line)}:\n${report}`);
      }
      assert.match(report, /^Time \(UTC\): \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/m);
      assert.equal(await page.locator('textarea[data-gd="report-text"]').isHidden(), true, 'no fallback needed');
      // Other origins learn nothing about the visit.
      const seen = shared.requests.filter((r) => r.path === '/mirror/eu/' || r.path === '/generate_204');
      assert.ok(seen.length >= 2, JSON.stringify(seen));
      for (const r of seen) assert.deepEqual([r.cookie, r.referer], [undefined, undefined], JSON.stringify(r));

      // The gateway itself dies, after the widget's checks saw it answer.
      await page.waitForResponse((r) => r.url() === pageUrl && r.request().resourceType() === 'fetch', { timeout: 5_000 });
      await stopNginx(s.nginx);
      await waitVerdict(page, 'gateway-down', 30_000);
      await roundDone(page);
      assert.equal(await hops(page), 'you=ok network=unknown gateway=failed application=unknown');
      assert.deepEqual(await stepIds(page), ['wait', 'use-mirror', 'down-for-everyone', 'contact-support']);
      t.diagnostic(`verdicts seen: ${(await verdicts(page)).join(' → ')}`);
    });
  });

  test('upstream hanging past the proxy timeout: 504, app-overloaded', async () => {
    const s = await scenario('hang', { upstream: 'hang' });
    await withLogs(s, async () => {
      const res = await s.page.goto(s.nginx.origin + '/slow/report', { waitUntil: 'load', timeout: 20_000 });
      assert.equal(res.status(), 504);
      await waitVerdict(s.page, 'app-overloaded');
      assert.equal(await hops(s.page), 'you=ok network=ok gateway=ok application=degraded');
      const steps = await stepIds(s.page);
      assert.equal(steps[0], 'wait');
      includesAll(steps, ['refresh'], 'steps');
      assert.ok(!steps.includes('clear-cache'), 'no cache advice while the application is failing');
      assert.deepEqual(await verdicts(s.page), ['app-overloaded']);
    });
  });

  test('upstream answering garbage: 502, app-down', async () => {
    const s = await scenario('garbage', { upstream: 'garbage' });
    await withLogs(s, async () => {
      const res = await s.page.goto(s.nginx.origin + '/', { waitUntil: 'load' });
      assert.equal(res.status(), 502);
      await waitVerdict(s.page, 'app-down');
      await roundDone(s.page);
      assert.equal(await hops(s.page), 'you=ok network=ok gateway=ok application=failed');
      includesAll(await stepIds(s.page), ['wait', 'down-for-everyone'], 'steps');
    });
  });

  test('intermittent overload (health answers now and then, pages shed): app-overloaded', async (t) => {
    const s = await scenario('overloaded', { upstream: 'overloaded', config: { healthUrl: '/_gateway-doctor/health' } });
    await withLogs(s, async () => {
      const res = await s.page.goto(s.nginx.origin + '/catalog', { waitUntil: 'load' });
      assert.equal(res.status(), 503);
      await waitVerdict(s.page, 'app-overloaded', 25_000);
      assert.equal(await hops(s.page), 'you=ok network=ok gateway=ok application=degraded');
      const steps = await stepIds(s.page);
      assert.deepEqual(steps.slice(0, 2), ['wait', 'refresh']);
      t.diagnostic(`verdicts seen: ${(await verdicts(s.page)).join(' → ')}`);
    });
  });

  test('503 with Retry-After: maintenance from the first render', async () => {
    const s = await scenario('maintenance', { upstream: 'status', upstreamOpts: { status: 503, retryAfter: '120' } });
    await withLogs(s, async () => {
      const res = await s.page.goto(s.nginx.origin + '/', { waitUntil: 'load' });
      assert.equal(res.status(), 503);
      // The page's own heading follows the status (SSI), before any script runs.
      const html = await res.text();
      assert.match(html, /<h1>This site is temporarily unavailable<\/h1>/);
      assert.match(html, /It is down for maintenance or too busy to answer right now\./);
      await waitVerdict(s.page, 'maintenance');
      await roundDone(s.page);
      assert.equal(await hops(s.page), 'you=ok network=ok gateway=ok application=maintenance');
      assert.deepEqual(await stepIds(s.page), ['wait']);
      assert.deepEqual(await verdicts(s.page), ['maintenance']);
    });
  });

  // 429, not 403: the recovery machine counts a 403 as the site talking again and reloads into it.
  test('a rate-limit ban added with an nginx reload: blocked (429)', async () => {
    const s = await scenario('blocked', { config: { retry: { maxDelayMs: 2000 } }, extraConf: '' });
    await withLogs(s, async () => {
      const res = await s.page.goto(s.nginx.origin + '/account', { waitUntil: 'load' });
      assert.equal(res.status(), 502);
      await waitVerdict(s.page, 'app-down');
      // The operator (or fail2ban) throttles the visitor's address; nginx reloads gracefully.
      await writeFile(path.join(s.nginx.dir, 'extra.conf'), 'if ($remote_addr = 127.0.0.1) { return 429; }\n');
      process.kill(s.nginx.child.pid, 'SIGHUP');
      await waitVerdict(s.page, 'blocked', 15_000);
      await roundDone(s.page);
      assert.equal(await hops(s.page), 'you=ok network=ok gateway=unknown application=unknown');
      assert.deepEqual(await stepIds(s.page), ['wait', 'disable-vpn']);
      assert.equal(await s.page.evaluate(() => document.getElementById('gateway-doctor').dataset.state), 'waiting');
    });
  });

  // A 403 on the health endpoint, not the page: the machine reloads into a page that answers 403.
  test('a rule refuses the health endpoint (403): blocked; the cache step keeps its menu path and its shortcut apart', async () => {
    const s = await scenario('blocked-403', {
      config: { healthUrl: '/_gateway-doctor/health', retry: { maxDelayMs: 2000 } },
      extraConf: 'if ($uri = /_gateway-doctor/health) { return 403; }\n',
    });
    await withLogs(s, async () => {
      const res = await s.page.goto(s.nginx.origin + '/account', { waitUntil: 'load' });
      assert.equal(res.status(), 502);
      await waitVerdict(s.page, 'blocked', 15_000);
      includesAll(await stepIds(s.page), ['clear-cache'], 'steps');
      const step = s.page.locator('[data-gd="steps"] [data-step="clear-cache"]');
      // Headless Chromium on Linux: Chrome's menu path, then its shortcut, each on a line of its own.
      const lines = await step.locator('[data-gd="line"]').allInnerTexts();
      assert.equal(lines.length, 2, JSON.stringify(lines));
      assert.match(lines[0], /^Where to find it: .*Delete browsing data$/);
      assert.match(lines[1], /^Keyboard shortcut: Ctrl\+Shift\+Delete$/);
      const text = await step.evaluate((li) => li.textContent);
      assert.match(text, /Delete browsing data\nKeyboard shortcut:/, 'the text keeps the lines apart too');
      assert.match(await step.innerText(), /Delete browsing data\n+Keyboard shortcut:/);
    });
  });

  test('the status page reports an incident: known-incident, its title shown as text', async () => {
    const s = await scenario('incident', {
      config: { statusPage: { url: `${shared.origins.origin}/status/summary.json` }, retry: { maxDelayMs: 2000 } },
    });
    await withLogs(s, async () => {
      await s.page.goto(s.nginx.origin + '/', { waitUntil: 'load' });
      await waitVerdict(s.page, 'known-incident', 30_000);
      const incident = s.page.locator('[data-gd="incident"]');
      assert.ok((await incident.textContent()).startsWith(INCIDENT_TITLE), await incident.textContent());
      assert.equal(await incident.locator('b').count(), 0, 'markup from the status page is never parsed');
      assert.equal(await incident.locator('time').textContent(), '2025-03-01T09:55:00Z');
      assert.equal(await hops(s.page), 'you=ok network=ok gateway=ok application=failed');
      assert.deepEqual(await stepIds(s.page), ['wait']);
      assert.equal(await s.page.locator('[data-step="wait"] a').getAttribute('href'), 'https://stspg.io/gd1');
    });
  });

  test('the browser goes offline: visitor-offline; back online: the outage again', async () => {
    const s = await scenario('offline', { config: { retry: { maxDelayMs: 2000 } } });
    await withLogs(s, async () => {
      await s.page.goto(s.nginx.origin + '/', { waitUntil: 'load' });
      await waitVerdict(s.page, 'app-down');
      const cdp = await s.context.newCDPSession(s.page);
      await cdp.send('Network.enable');
      const conditions = { latency: 0, downloadThroughput: -1, uploadThroughput: -1 };
      await cdp.send('Network.emulateNetworkConditions', { ...conditions, offline: true });
      await waitVerdict(s.page, 'visitor-offline');
      assert.equal(await hops(s.page), 'you=failed network=unknown gateway=unknown application=unknown');
      assert.deepEqual(await stepIds(s.page), ['restart-router', 'other-network', 'disable-vpn', 'refresh']);
      await cdp.send('Network.emulateNetworkConditions', { ...conditions, offline: false });
      await waitVerdict(s.page, 'app-down', 10_000);
      assert.deepEqual(await verdicts(s.page), ['app-down', 'visitor-offline', 'app-down']);
    });
  });

  test('mirrors down and unresolvable (.invalid) count as failed, quickly; on a plain-http site the report falls back to a selected text box', async (t) => {
    const s = await scenario('alternates-down', {
      config: {
        alternates: [
          { name: 'Broken mirror', url: 'https://mirror.invalid/' },
          { name: 'Stopped mirror', url: `${shared.dead}/` },
        ],
      },
    });
    await withLogs(s, async () => {
      const { page } = s;
      await page.goto(`http://${PLAIN_HOST}:${s.nginx.port}/`, { waitUntil: 'load' });
      assert.equal(await page.evaluate(() => window.isSecureContext), false);
      await widgetMounted(page);
      const mounted = Date.now();
      await roundDone(page, 8_000);
      const took = Date.now() - mounted;
      t.diagnostic(`round with two dead alternates done ${took} ms after mount`);
      assert.ok(took < 6_000, `no hang: ${took} ms`);
      await waitVerdict(page, 'app-down');
      assert.equal(await hops(page), 'you=ok network=ok gateway=ok application=failed');
      assert.ok(!(await stepIds(page)).includes('use-mirror'), 'no dead mirror is offered');

      assert.equal(await page.evaluate(() => 'clipboard' in navigator), false);
      await page.click('button[data-gd="report-copy"]');
      const box = page.locator('textarea[data-gd="report-text"]');
      await box.waitFor({ state: 'visible', timeout: 5_000 });
      const report = await box.inputValue();
      assert.match(report, /^ {2}alternate #1 "Broken mirror" \(mirror\): (no answer|timed out) after \d+ ms$/m, report);
      assert.match(report, /^ {2}alternate #2 "Stopped mirror" \(mirror\): (no answer|timed out) after \d+ ms$/m, report);
      assert.match(report, /^Verdict: app-down$/m);
      const selected = await box.evaluate((el) => document.activeElement === el && el.selectionStart === 0 && el.selectionEnd === el.value.length);
      assert.equal(selected, true, 'the whole report is selected, ready to copy');
    });
  });

  test("the visitor's browser blocks the site while a mirror answers: visitor-network", async () => {
    const mirror = `${shared.origins.origin}/mirror/us/`;
    const s = await scenario('visitor-network', {
      config: { alternates: [{ name: 'US mirror', url: mirror }], retry: { maxDelayMs: 2000 } },
    });
    await withLogs(s, async () => {
      const { page } = s;
      const cdp = await s.context.newCDPSession(page);
      await cdp.send('Network.enable');
      await page.goto(s.nginx.origin + '/products', { waitUntil: 'commit' });
      // From here on the site's pages and its self-check are refused by the browser (an extension,
      // a filter, a firewall); the mirror is not. The page's own files already came.
      await cdp.send('Network.setBlockedURLs', {
        urls: [`${s.nginx.origin}/products*`, `${s.nginx.origin}/_gateway-doctor/alive*`],
      });
      await widgetMounted(page);
      await waitVerdict(page, 'visitor-network', 30_000);
      await roundDone(page);
      assert.equal(await hops(page), 'you=ok network=failed gateway=unknown application=unknown');
      const steps = await stepIds(page);
      assert.equal(steps[0], 'disable-vpn');
      includesAll(steps, ['other-network', 'restart-router', 'use-mirror', 'refresh'], 'steps');
      assert.equal(await page.locator('[data-step="use-mirror"] a').getAttribute('href'), mirror);
    });
  });

  test('the application comes back after a POST: recovered', async () => {
    const s = await scenario('recovered', {
      config: { retry: { maxDelayMs: 2000 } },
      extraConf:
        "location = /form.html {\n    default_type text/html;\n    return 200 '<!doctype html><title>Order</title>" +
        '<form method="post" action="/orders"><button type="submit">Send</button></form>\';\n}\n',
    });
    await withLogs(s, async () => {
      const { page } = s;
      await page.goto(s.nginx.origin + '/form.html', { waitUntil: 'load' });
      const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button[type="submit"]')]);
      assert.equal(res.status(), 502);
      await waitVerdict(page, 'app-down');
      s.upstream = await startUpstream('up', { port: s.upstreamPort });
      await waitVerdict(page, 'recovered', 15_000);
      assert.equal(await hops(page), 'you=ok network=ok gateway=ok application=ok');
      assert.deepEqual(await stepIds(page), ['refresh'], 'the site is back: only the reload');
      // The page's header follows: not "temporarily unavailable" above "the site is back".
      assert.equal(await page.evaluate(() => document.querySelector('h1').textContent), 'The site is back');
      assert.equal(await page.evaluate(() => document.querySelector('.gd-badge-text').textContent), 'Available again');
      assert.equal(await page.locator('.gd-lede').isHidden(), true);
    });
  });

  test('an alternate the page\'s CSP does not allow: a clear warning, never blamed on the visitor', async () => {
    const s = await scenario('csp', {
      csp: false,
      config: { alternates: [{ name: 'Mirror', url: `${shared.origins.origin}/mirror/csp/` }] },
    });
    await withLogs(s, async () => {
      await s.page.goto(s.nginx.origin + '/', { waitUntil: 'load' });
      await waitVerdict(s.page, 'app-down');
      await roundDone(s.page);
      await sleep(200);
      assert.equal(await s.page.evaluate(() => document.getElementById('gateway-doctor').dataset.verdict), 'app-down');
      assert.equal(await hops(s.page), 'you=ok network=ok gateway=ok application=failed');
      assert.ok(
        s.logs.some((l) => l.startsWith('warning: gateway-doctor: the page\'s Content-Security-Policy blocks https://127.0.0.1:')),
        s.logs.join('\n'),
      );
      assert.equal(shared.requests.filter((r) => r.path === '/mirror/csp/').length, 0, 'the browser sent nothing');
    });
  });
});
