// The recovery rules that must hold in a real browser, against real nginx (the shipped recipe) and a
// real upstream process that counts what reaches it:
//
// - a POST that got a 502 is never repeated automatically;
// - our own error page served with 200 (a CDN that cached it) never causes a reload;
// - 503 + Retry-After: 5 means no request at all for 5 s, from the page's response on;
// - with `healthUrl`, the waiting page polls the micro-cached health endpoint, then verifies the page
//   once and reloads;
// - a visitor waiting for their turn keeps their place when the site goes down again: no check of
//   the page while it is down, and the countdown resumes where it stopped.
//
// Widget defaults that the timings below rely on (src/logic/config.rs): first check within 1 s, then
// jittered delays capped at 3 s with `healthUrl` (10 s without), probe timeout 8 s, reloads spread
// over up to 2 s.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  freePort,
  nginxLogs,
  openBrowser,
  removeScratchDir,
  requireEnv,
  siteWithConfig,
  startNginx,
  startUpstream,
  stopNginx,
  stopUpstream,
  upstreamStats,
  useSmallTimerIds,
  widgetMounted,
} from './lib/harness.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const ASSETS = '/_gateway-doctor/';

/** The error page's own header: badge, heading, lede (and whether the lede and "Error 502" show). */
function header(page) {
  return page.evaluate(() => ({
    badge: document.querySelector('.gd-badge-text').textContent,
    code: !document.querySelector('.gd-code').hidden,
    h1: document.querySelector('h1').textContent,
    lede: !document.querySelector('.gd-lede').hidden,
    title: document.title,
  }));
}
const BACK_HEADER = { badge: 'Available again', code: false, h1: 'The site is back', lede: false, title: 'Available again' };
const OUTAGE_HEADER = {
  badge: 'Temporarily unavailable',
  code: true,
  h1: 'This site can’t reach its application right now',
  lede: true,
  title: 'Temporarily unavailable',
};

/**
 * One nginx + (later) one upstream + browsers, with cleanup and failure reports shared by each block.
 * `fixture.withLogs(fn)` appends nginx's logs, the upstream's output and every browser console to the
 * failure message.
 */
function fixture() {
  const f = { nginx: undefined, upstreams: [], browsers: [], dirs: [] };
  f.open = async () => {
    const b = await openBrowser({ origin: f.nginx.origin });
    f.browsers.push(b);
    return b;
  };
  f.upstream = async (mode, opts) => {
    const u = await startUpstream(mode, { stats: true, ...opts });
    f.upstreams.push(u);
    return u;
  };
  f.cleanup = async () => {
    for (const b of f.browsers) await b.close();
    for (const u of f.upstreams) {
      await stopUpstream(u);
      await removeScratchDir(u.statsDir);
    }
    await stopNginx(f.nginx);
    for (const d of f.dirs) await removeScratchDir(d);
  };
  f.withLogs = async (fn) => {
    try {
      await fn();
    } catch (err) {
      let report = '';
      for (const b of f.browsers) report += `\n--- browser console ---\n${b.consoleLog.join('\n')}`;
      for (const u of f.upstreams) report += `\n--- ${u.name} ---\n${u.output}`;
      report += `\n${await nginxLogs(f.nginx)}`;
      err.message += report;
      if (typeof err.stack === 'string') err.stack += report;
      throw err;
    }
  };
  return f;
}

/** Counts navigations of the main frame (the initial load included). */
function countNavigations(page) {
  const navigations = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations.push({ url: frame.url(), at: Date.now() });
  });
  return navigations;
}

/** Every request the page makes to `origin` outside the widget's own assets, with its time. */
function recordOriginRequests(page, origin, { includeHealth = true } = {}) {
  const requests = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.origin !== origin) return;
    const isHealth = url.pathname === '/_gateway-doctor/health';
    if (url.pathname.startsWith(ASSETS) && !(includeHealth && isHealth)) return;
    requests.push({
      at: Date.now(),
      method: r.method(),
      path: url.pathname + url.search,
      navigation: r.isNavigationRequest(),
      health: isHealth,
    });
  });
  return requests;
}

/** Records every change of the widget's data-state (in the page, so a reload would wipe it). */
async function recordStates(page) {
  await page.evaluate(() => {
    const root = document.getElementById('gateway-doctor');
    window.__gdStates = [root.dataset.state];
    new MutationObserver(() => window.__gdStates.push(root.dataset.state)).observe(root, {
      attributes: true,
      attributeFilter: ['data-state'],
    });
  });
}

// The four blocks run side by side (each has its own nginx, upstream and browser): they spend most of
// their time waiting, and in sequence they would add ~40 s to the suite.
describe('recovery rules in Chromium', { timeout: 180_000, concurrency: true }, () => {
  before(() => requireEnv());

  describe('a POST that got a 502 is never auto-reloaded', () => {
    const f = fixture();
    let upstreamPort;

    before(async () => {
      upstreamPort = await freePort(); // nothing listens until the test starts the application
      // A same-origin form, served by nginx itself so it works while the application is down.
      const form =
        '<!doctype html><title>Order</title><form method="post" action="/orders?step=2">' +
        '<input name="qty" value="1"><button type="submit">Send</button></form>';
      f.nginx = await startNginx({
        upstreamPort,
        extraConf:
          'location = /form.html {\n' +
          '    default_type text/html;\n' +
          `    return 200 '${form}';\n` +
          '}\n',
      });
    });
    after(() => f.cleanup());

    test('the site comes back: the page offers a button and never repeats the POST', { timeout: 60_000 }, async (t) => {
      await f.withLogs(async () => {
        const b = await f.open();
        const { page } = b;
        const navigations = countNavigations(page);
        await page.goto(f.nginx.origin + '/form.html', { waitUntil: 'load', timeout: 15_000 });

        const [res] = await Promise.all([
          page.waitForNavigation({ waitUntil: 'load', timeout: 15_000 }),
          page.click('button[type="submit"]'),
        ]);
        assert.equal(res.status(), 502);
        assert.equal(res.request().method(), 'POST');
        const requestLine = await page.locator('meta[name="gateway-doctor:request"]').getAttribute('content');
        assert.equal(requestLine, 'POST /orders?step=2 HTTP/1.1');
        await widgetMounted(page);
        const root = page.locator('#gateway-doctor');
        // While it waits, the page promises to tell the visitor, never to reload: it may not.
        const waiting = await root.locator('[data-gd="status"]').textContent();
        assert.match(waiting, /tells you when the site is back/);
        assert.doesNotMatch(waiting, /reload/i);
        const wait = root.locator('[data-gd="steps"] li[data-step="wait"]');
        await wait.waitFor({ timeout: 10_000 });
        assert.doesNotMatch(await root.locator('[data-gd="steps"]').textContent(), /reloads|by itself/i);

        const upstream = await f.upstream('up', { port: upstreamPort });
        const upAt = Date.now();
        // The widget's checks (GET) see the application answer; it must hand over, not reload.
        await page.waitForFunction(
          () => document.getElementById('gateway-doctor')?.dataset.state === 'manual',
          null,
          { timeout: 20_000 },
        );
        const button = root.locator('button[data-gd="retry-now"]');
        assert.equal((await button.textContent()).trim(), 'Reload page');
        assert.equal(await button.isEnabled(), true);
        assert.match(await root.locator('[data-gd="status"]').textContent(), /site is back/i);

        t.diagnostic(`manual ${Date.now() - upAt} ms after the application came up`);
        const navigationsAtManual = navigations.length;
        await sleep(8_500);
        assert.equal(navigations.length, navigationsAtManual, 'no navigation after the site came back');
        assert.equal(navigations.length, 2, 'the form page and the POST, nothing else');
        assert.equal(await root.getAttribute('data-state'), 'manual');
        assert.equal(page.url(), f.nginx.origin + '/orders?step=2');

        await stopUpstream(upstream);
        const stats = await upstreamStats(upstream);
        const posts = Object.keys(stats.by_request).filter((k) => !k.startsWith('GET '));
        assert.deepEqual(posts, [], 'the application never received the form again');
        assert.ok((stats.by_request['GET /orders'] ?? 0) >= 1, 'the widget did check the page (GET)');
        t.diagnostic(`the application received ${JSON.stringify(stats.by_request)}; no navigation for 8.5 s`);
        assert.deepEqual(b.consoleErrors, []);
      });
    });
  });

  describe('a cached copy of the error page does not cause a reload loop', () => {
    const f = fixture();
    let upstreamPort;
    const PAGE = '/catalog/item?id=7';

    before(async () => {
      upstreamPort = await freePort();
      f.nginx = await startNginx({ upstreamPort });
    });
    after(() => f.cleanup());

    test('our error page answered with 200 is recognised: no reload, checks go on', { timeout: 60_000 }, async (t) => {
      await f.withLogs(async () => {
        const b = await f.open();
        const { page } = b;
        const navigations = countNavigations(page);
        const res = await page.goto(f.nginx.origin + PAGE, { waitUntil: 'load', timeout: 15_000 });
        assert.equal(res.status(), 502);
        await widgetMounted(page);
        await recordStates(page);
        const probes = recordOriginRequests(page, f.nginx.origin);
        const answers = [];
        page.on('response', (r) => {
          if (new URL(r.url()).pathname === '/catalog/item') answers.push(r.status());
        });

        // The "CDN" now hands out our own error page with 200 (body marker only, no header).
        const upstream = await f.upstream('cached-error', { port: upstreamPort });
        const startedAt = Date.now();
        // At least 12.5 s, and until three checks have been seen (the backoff is up to 10 s apart by
        // now, so 12.5 s alone sometimes holds only two), at most 30 s.
        await sleep(12_500);
        const checked = async () =>
          (await page.evaluate(() => window.__gdStates)).filter((st) => st === 'checking').length;
        while ((await checked()) < 3 && Date.now() - startedAt < 30_000) await sleep(250);

        assert.equal(navigations.length, 1, 'the page never reloaded');
        assert.equal(page.url(), f.nginx.origin + PAGE);
        const states = await page.evaluate(() => window.__gdStates);
        const checks = states.filter((s) => s === 'checking').length;
        assert.ok(checks >= 3, `the widget keeps checking: states ${states.join(' → ')}`);
        assert.ok(states.includes('waiting'), `states ${states.join(' → ')}`);
        assert.ok(!states.includes('reloading') && !states.includes('manual'), `states ${states.join(' → ')}`);
        assert.ok(['waiting', 'checking'].includes(states.at(-1)));

        const during = probes.filter((p) => p.at >= startedAt);
        assert.ok(during.length >= 2, `checks while the cached copy is served: ${JSON.stringify(probes)}`);
        assert.ok(during.every((p) => !p.navigation && p.method === 'GET' && p.path === PAGE));
        assert.ok(answers.includes(200), `the checks did get the 200 copy: ${answers}`);
        const stats = await upstreamStats(upstream);
        assert.ok(
          (stats.by_request['GET /catalog/item'] ?? 0) >= 2,
          `the application really received the checks: ${JSON.stringify(stats)}`,
        );
        const gaps = during.slice(1).map((p, i) => ((p.at - during[i].at) / 1000).toFixed(1));
        t.diagnostic(
          `${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${during.length} checks (${gaps.join(' s, ')} s apart), the application saw ` +
            `${JSON.stringify(stats.by_request)}`,
        );
        assert.deepEqual(b.consoleErrors, []);
      });
    });
  });

  describe('503 with Retry-After: 5 is honoured', () => {
    const f = fixture();
    let upstreamPort;
    const PAGE = '/maintenance/window';

    before(async () => {
      const maintenance = await f.upstream('status', { status: 503, retryAfter: 5 });
      upstreamPort = maintenance.port;
      f.nginx = await startNginx({ upstreamPort });
    });
    after(() => f.cleanup());

    test('no request for 5 s after the response, then it recovers and reloads', { timeout: 60_000 }, async (t) => {
      await f.withLogs(async () => {
        const b = await f.open();
        const { page } = b;
        const url = f.nginx.origin + PAGE;
        // Seen from the test: every request to the origin except the widget's assets.
        const requests = recordOriginRequests(page, f.nginx.origin);
        // Seen from the browser, on one clock: when each document's response began and when each
        // fetch() to the origin was called, kept in sessionStorage across the reload. (The test's own
        // clock is not precise enough here: under load Playwright delivers a navigation's `response`
        // event hundreds of ms late. Resource timing cannot tell either: the widget never reads a
        // 503's body, so its entry is never completed.)
        await page.addInitScript(() => {
          const KEY = 'gd-e2e-timeline';
          const timeline = JSON.parse(sessionStorage.getItem(KEY) || '[]');
          const save = (entry) => {
            timeline.push(entry);
            sessionStorage.setItem(KEY, JSON.stringify(timeline));
          };
          addEventListener('DOMContentLoaded', () => {
            const nav = performance.getEntriesByType('navigation')[0];
            save({
              kind: 'document',
              requestAt: performance.timeOrigin + nav.requestStart,
              responseAt: performance.timeOrigin + nav.responseStart,
            });
          });
          const fetch = window.fetch;
          window.fetch = function (...args) {
            const target = new URL(args[0] instanceof Request ? args[0].url : String(args[0]), location.href);
            // Not the widget's own module (wasm-bindgen fetches the .wasm).
            if (!target.pathname.startsWith('/_gateway-doctor/')) {
              save({ kind: 'fetch', at: performance.timeOrigin + performance.now() });
            }
            return fetch.apply(this, args);
          };
        });

        const res = await page.goto(url, { waitUntil: 'load', timeout: 15_000 });
        assert.equal(res.status(), 503);
        assert.equal(res.headers()['retry-after'], '5');
        await widgetMounted(page);

        // Waiting, with the Retry-After message and the button disabled, well inside the 5 s.
        const root = page.locator('#gateway-doctor');
        assert.equal(await root.getAttribute('data-state'), 'waiting');
        assert.match(await root.locator('[data-gd="status"]').textContent(), /asked visitors to wait/i);
        assert.equal(await root.locator('button[data-gd="retry-now"]').isDisabled(), true);
        assert.ok(Date.now() - requests[0].at < 4_000, 'these checks ran inside the Retry-After window');

        // The first check, then (it gets 503 + Retry-After: 5 again) the application comes back.
        const deadline = Date.now() + 15_000;
        while (requests.length < 2 && Date.now() < deadline) await sleep(50);
        assert.equal(requests.length, 2, `one navigation, then one check: ${JSON.stringify(requests)}`);
        await sleep(300); // its answer (instant) arrives before the application changes
        await stopUpstream(f.upstreams[0]);
        await f.upstream('up', { port: upstreamPort });
        const reloaded = await page.waitForResponse(
          (r) => r.request().isNavigationRequest() && r.url() === url && r.status() === 200,
          { timeout: 20_000 },
        );
        assert.ok(reloaded);
        await page.getByRole('heading', { level: 1, name: 'The demo application is up' }).waitFor({ timeout: 5_000 });

        // The test's view: navigation, check, check, …, reload; request to request ≥ 5 s.
        const [nav, first, second] = requests;
        assert.ok(nav.navigation && !first.navigation && !second.navigation, JSON.stringify(requests));
        assert.ok(requests.at(-1).navigation, 'the last request is the reload');
        assert.ok(first.at - nav.at >= 5_000, `first check ${first.at - nav.at} ms after the page's request`);
        assert.ok(second.at - first.at >= 5_000, `second check ${second.at - first.at} ms after the first`);

        // The browser's view, on one clock: nothing within 5 s of the 503's response, and the second
        // check 5 s after the first (whose answer carried Retry-After: 5 too).
        const timeline = await page.evaluate(() => JSON.parse(sessionStorage.getItem('gd-e2e-timeline')));
        const docs = timeline.filter((e) => e.kind === 'document');
        const fetches = timeline.filter((e) => e.kind === 'fetch').map((e) => e.at);
        assert.equal(docs.length, 2, JSON.stringify(timeline));
        assert.ok(fetches.length >= 2, JSON.stringify(timeline));
        const since = (at) => Math.round(at - docs[0].responseAt);
        for (const at of [...fetches, docs[1].requestAt]) {
          assert.ok(since(at) >= 5_000, `a request ${since(at)} ms after the 503's response: ${JSON.stringify(timeline)}`);
        }
        assert.ok(fetches[1] - fetches[0] >= 5_000, `checks ${Math.round(fetches[1] - fetches[0])} ms apart`);
        t.diagnostic(
          `browser clock, ms after the 503's response: checks at ${fetches.map(since).join(', ')}, ` +
            `reload at ${since(docs[1].requestAt)}`,
        );
        assert.deepEqual(b.consoleErrors, []);
      });
    });
  });

  describe('the micro-cached health endpoint in the loop', () => {
    const f = fixture();
    let upstreamPort;
    const PAGE = '/account/overview';

    before(async () => {
      upstreamPort = await freePort();
      // What an operator does: set healthUrl in the page's config block.
      const site = await siteWithConfig({ healthUrl: '/_gateway-doctor/health' });
      f.dirs.push(site);
      f.nginx = await startNginx({ upstreamPort, siteDir: site });
    });
    after(() => f.cleanup());

    test('while down the page polls health only; when up it verifies the page once and reloads', { timeout: 60_000 }, async (t) => {
      await f.withLogs(async () => {
        const b = await f.open();
        const { page } = b;
        const url = f.nginx.origin + PAGE;
        const requests = recordOriginRequests(page, f.nginx.origin);
        const healthAnswers = [];
        page.on('response', (r) => {
          if (new URL(r.url()).pathname === '/_gateway-doctor/health') {
            healthAnswers.push({ status: r.status(), headers: r.headers() });
          }
        });

        const res = await page.goto(url, { waitUntil: 'load', timeout: 15_000 });
        assert.equal(res.status(), 502);
        await widgetMounted(page);

        const deadline = Date.now() + 15_000;
        while (healthAnswers.length < 2 && Date.now() < deadline) await sleep(50);
        assert.ok(healthAnswers.length >= 2, 'the widget polls the health endpoint');
        for (const a of healthAnswers) {
          assert.equal(a.status, 503, 'nginx answers a small 503 while the application is unreachable');
          assert.match(a.headers['cache-control'] ?? '', /\bno-store\b/);
          assert.ok(a.headers['x-cache-status'], 'X-Cache-Status is shown');
        }
        const whileDown = requests.slice(1);
        assert.ok(
          whileDown.every((r) => r.health && r.method === 'GET'),
          `only health checks while down: ${JSON.stringify(requests)}`,
        );

        const upAt = Date.now();
        const upstream = await f.upstream('up', { port: upstreamPort });
        const reloaded = await page.waitForResponse(
          (r) => r.request().isNavigationRequest() && r.url() === url && r.status() === 200,
          { timeout: 25_000 },
        );
        assert.ok(reloaded);
        await page.getByRole('heading', { level: 1, name: 'The demo application is up' }).waitFor({ timeout: 5_000 });

        const afterUp = requests.filter((r) => r.at >= upAt);
        const pageChecks = afterUp.filter((r) => !r.health && !r.navigation);
        assert.equal(pageChecks.length, 1, `one verification of the page: ${JSON.stringify(afterUp)}`);
        const okHealth = healthAnswers.findIndex((a) => a.status === 200);
        assert.ok(okHealth >= 0, 'health said yes before the reload');
        assert.ok(afterUp.at(-1).navigation && afterUp.at(-1).path === PAGE, 'then the reload');
        const check = afterUp.indexOf(pageChecks[0]);
        assert.ok(afterUp.slice(0, check).some((r) => r.health), 'health first, then the page');

        await stopUpstream(upstream);
        const stats = await upstreamStats(upstream);
        assert.ok((stats.by_request['GET /health'] ?? 0) >= 1, JSON.stringify(stats));
        assert.equal(stats.by_request['GET /account/overview'], 2, `one check + one reload: ${JSON.stringify(stats)}`);
        t.diagnostic(
          `health answers ${healthAnswers.map((a) => `${a.status}/${a.headers['x-cache-status']}`).join(' ')}; ` +
            `reloaded ${afterUp.at(-1).at - upAt} ms after the application came up; it received ${JSON.stringify(stats.by_request)}`,
        );
        assert.deepEqual(b.consoleErrors, []);
      });
    });
  });
  // One after the other: both tests start and stop the application on the same port.
  describe('a turn is kept while the site is down again', { concurrency: false }, () => {
    const f = fixture();
    let upstreamPort;
    const PAGE = '/basket';

    before(async () => {
      upstreamPort = await freePort();
      // A two-minute window, so the turn is far enough away to take the site down before it.
      const site = await siteWithConfig({ healthUrl: '/_gateway-doctor/health', reloadSpreadMs: 120_000 });
      f.dirs.push(site);
      f.nginx = await startNginx({ upstreamPort, siteDir: site });
    });
    after(() => f.cleanup());

    // Page time runs on Playwright's fake clock (checks are real requests to real nginx, answered in
    // real time), and Math.random is fixed: the visitor's turn is the same on every run. Opens the
    // page on the error page (nothing upstream yet) and returns the helpers both tests use.
    async function onFakeClock() {
      const b = await f.open();
      const { page, context } = b;
      await page.clock.install({ time: new Date('2026-06-01T12:00:00Z') });
      await page.clock.pauseAt(new Date('2026-06-01T12:00:01Z'));
      await useSmallTimerIds(context);
      await context.addInitScript(() => {
        Math.random = () => 0.8125;
      });
      const url = f.nginx.origin + PAGE;
      const requests = recordOriginRequests(page, f.nginx.origin);
      const healthAnswers = [];
      page.on('response', (r) => {
        if (new URL(r.url()).pathname === '/_gateway-doctor/health') healthAnswers.push(r.status());
      });
      // The page may be navigating away (the reload at the turn): that reads as 'gone'.
      const state = () =>
        page
          .evaluate(() => document.getElementById('gateway-doctor')?.dataset.state ?? 'gone')
          .catch(() => 'gone');
      const countdown = async () => {
        const text = await page.textContent('#gateway-doctor [data-gd="countdown"]');
        return Number(/(\d+)/.exec(text ?? '')?.[1]);
      };
      const pageChecks = () => requests.filter((r) => !r.health && !r.navigation);
      // Page time moves in steps of `ms`; after each, real time for the check it fired to be answered.
      const advanceUntil = async (want, label, ms = 500, maxSteps = 200) => {
        for (let i = 0; i < maxSteps; i++) {
          if (await want()) return;
          const before = healthAnswers.length;
          await page.clock.runFor(ms);
          const deadline = Date.now() + 3_000;
          while ((await state()) === 'checking' && Date.now() < deadline) await sleep(10);
          if (healthAnswers.length === before) await sleep(20);
        }
        assert.fail(`${label}: not reached; states ${await state()}, health ${healthAnswers.join(' ')}`);
      };
      const reloadedIntoTheApp = () =>
        page.waitForResponse((r) => r.request().isNavigationRequest() && r.url() === url && r.status() === 200, {
          timeout: 30_000,
        });
      const res = await page.goto(url, { waitUntil: 'load', timeout: 15_000 });
      assert.equal(res.status(), 502);
      await widgetMounted(page);
      await advanceUntil(async () => healthAnswers.length >= 2, 'two health checks while down');
      return { b, page, requests, healthAnswers, state, countdown, pageChecks, advanceUntil, reloadedIntoTheApp };
    }

    test('no page check while down, then the countdown resumes where it stopped', { timeout: 90_000 }, async (t) => {
      await f.withLogs(async () => {
        const { b, page, requests, healthAnswers, state, countdown, pageChecks, advanceUntil, reloadedIntoTheApp } =
          await onFakeClock();
        // Up: the visitor is told, with a countdown to their turn.
        let upstream = await f.upstream('up', { port: upstreamPort });
        await advanceUntil(async () => (await state()) === 'coming-back', 'coming back');
        const first = await countdown();
        assert.ok(first >= 20, `the fixed randomness draws a turn ${first} s away; pick another constant`);
        assert.deepEqual(await header(page), BACK_HEADER, 'the header says the site is back');

        // Down again before the turn. nginx's cache keeps the last "up" for `proxy_cache_valid 1s`,
        // counted in whole seconds: up to 2 s of real time. Page time waits for it.
        await stopUpstream(upstream);
        await sleep(2_200);
        const downAt = Date.now();
        await advanceUntil(async () => (await state()) === 'waiting', 'waiting again');
        // Longer than the whole turn in page time: with a running clock the page would be checked.
        for (let i = 0; i < 2 * first; i++) {
          await page.clock.runFor(1_000);
          await sleep(10);
        }
        assert.equal((await state()) === 'coming-back', false, 'no countdown while the site is down');
        assert.deepEqual(await header(page), OUTAGE_HEADER, 'down again: the outage header is back');
        assert.deepEqual(pageChecks(), [], 'no check of the page while health says no');
        assert.ok(healthAnswers.slice(-3).every((s) => s === 503), `health said no: ${healthAnswers.join(' ')}`);

        // Up again: the same place in the queue, minus what had already run (at most one health
        // check's interval, 3 s of page time).
        upstream = await f.upstream('up', { port: upstreamPort });
        await advanceUntil(async () => (await state()) === 'coming-back', 'coming back again');
        const resumed = await countdown();
        assert.ok(
          resumed <= first && resumed >= first - 4,
          `countdown ${first} s, resumed at ${resumed} s (a new draw would be anywhere in 0-120 s)`,
        );
        assert.deepEqual(pageChecks(), [], 'still no check of the page before the turn');

        // The turn comes: one check of the page, then the reload into the application.
        const reloaded = reloadedIntoTheApp();
        for (let i = 0; i < resumed + 10 && pageChecks().length === 0; i++) {
          await page.clock.runFor(1_000);
          await sleep(20);
        }
        await reloaded;
        assert.equal(pageChecks().length, 1, JSON.stringify(requests.filter((r) => r.at >= downAt)));
        await stopUpstream(upstream);
        t.diagnostic(`turn ${first} s away; resumed at ${resumed} s; health answers ${healthAnswers.join(' ')}`);
        assert.deepEqual(b.consoleErrors, []);
      });
    });

    test("a visitor who will not wait presses 'Reload page': checked and back at once", { timeout: 60_000 }, async () => {
      await f.withLogs(async () => {
        const { b, page, state, countdown, pageChecks, advanceUntil, reloadedIntoTheApp } = await onFakeClock();
        const upstream = await f.upstream('up', { port: upstreamPort });
        await advanceUntil(async () => (await state()) === 'coming-back', 'coming back');
        const turn = await countdown();
        assert.ok(turn >= 20, `a turn ${turn} s away`);
        // What the page says agrees with the status line: the site is back, not overloaded (the
        // 502 it arrived with is old news), and the header no longer says "unavailable".
        const verdict = () => page.evaluate(() => document.getElementById('gateway-doctor').dataset.verdict);
        await advanceUntil(async () => (await verdict()) === 'recovered', 'the verdict follows', 100);
        assert.equal(await state(), 'coming-back');
        assert.deepEqual(await page.evaluate(() => ({
          hops: [...document.querySelectorAll('[data-gd="hops"] [data-hop]')].map((li) => li.dataset.result).join(' '),
          steps: [...document.querySelectorAll('[data-gd="steps"] [data-step]')].map((li) => li.dataset.step),
          title: document.querySelector('[data-gd="verdict-title"]').textContent,
        })), { hops: 'ok ok ok ok', steps: ['refresh'], title: 'The site is back' });
        assert.deepEqual(await header(page), BACK_HEADER);
        const button = page.locator('#gateway-doctor button[data-gd="retry-now"]');
        assert.equal((await button.textContent()).trim(), 'Reload page');
        assert.equal(await button.isEnabled(), true);
        // No page time passes: only the button can bring the turn forward.
        const reloaded = reloadedIntoTheApp();
        await button.click();
        await reloaded;
        assert.equal(pageChecks().length, 1, 'the page is checked first, once');
        await page.getByRole('heading', { level: 1, name: 'The demo application is up' }).waitFor({ timeout: 5_000 });
        await stopUpstream(upstream);
        assert.deepEqual(b.consoleErrors, []);
      });
    });
  });
});
