// Privacy: the error page talks only to its own site unless the operator configured another host,
// sets no cookies, and sends no beacon (there is none: nothing reports the visit anywhere).
//
// Every request Chromium makes is recorded (documents, scripts, the wasm, fetches, pings and
// beacons), with the page's Content-Security-Policy bypassed so that the page's *attempts* are
// seen, not only what the policy lets through. Requests to other hosts never leave the machine:
// they are answered by the browser's request interception (and recorded).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import {
  CHROMIUM_ARGS,
  freePort,
  removeScratchDir,
  requireEnv,
  siteWithConfig,
  startNginx,
  stopNginx,
  widgetMounted,
  withReport,
} from './lib/harness.mjs';

const THIRD_PARTY = 'https://connectivity-check.example/generate_204';

describe('privacy', { timeout: 120_000 }, () => {
  let nginx;
  let thirdPartySite;
  let thirdPartyNginx;
  let browser;

  before(async () => {
    const env = requireEnv();
    browser = await chromium.launch({ executablePath: env.chromium, args: CHROMIUM_ARGS, headless: true });
    nginx = await startNginx({ upstreamPort: await freePort() });
    thirdPartySite = await siteWithConfig({ thirdParty: THIRD_PARTY });
    thirdPartyNginx = await startNginx({ upstreamPort: await freePort(), siteDir: thirdPartySite });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await stopNginx(nginx);
    await stopNginx(thirdPartyNginx);
    await removeScratchDir(thirdPartySite);
  });

  /**
   * Opens `origin + path` in a fresh context, lets the widget run its checks and a diagnosis round
   * (again after the network drops and returns), and returns everything it saw.
   */
  async function visit(origin, path = '/account/orders?id=42') {
    const context = await browser.newContext({ bypassCSP: true });
    const seen = { requests: [], setCookies: [], beacons: 0, pageErrors: [] };
    try {
      await context.addInitScript(() => {
        // There is no beacon; if one is ever added, this counts it.
        const send = navigator.sendBeacon?.bind(navigator);
        window.__gdBeacons = 0;
        if (send) {
          navigator.sendBeacon = (...args) => {
            window.__gdBeacons += 1;
            return send(...args);
          };
        }
      });
      context.on('request', (r) => {
        seen.requests.push({ url: r.url(), type: r.resourceType(), headers: r.headers() });
      });
      context.on('response', async (r) => {
        for (const h of await r.headersArray().catch(() => [])) {
          if (h.name.toLowerCase() === 'set-cookie') seen.setCookies.push(`${r.url()}: ${h.value}`);
        }
      });
      // Anything not on our own origin is answered here, never by the network.
      await context.route(
        (url) => url.origin !== origin,
        (route) =>
          route.fulfill({
            status: 204,
            headers: { 'access-control-allow-origin': '*', 'cache-control': 'no-store' },
          }),
      );
      const page = await context.newPage();
      page.on('pageerror', (e) => seen.pageErrors.push(e.message));
      const res = await page.goto(origin + path, { waitUntil: 'load', timeout: 15_000 });
      assert.equal(res.status(), 502);
      await widgetMounted(page);
      // A few checks of the page (the first within 1 s, then backing off) and the first diagnosis.
      await page.waitForTimeout(4_000);
      // The diagnosis runs again when the network comes back.
      await context.setOffline(true);
      await page.waitForTimeout(300);
      await context.setOffline(false);
      await page.waitForTimeout(2_500);
      seen.documentCookie = await page.evaluate(() => document.cookie);
      seen.beacons = await page.evaluate(() => window.__gdBeacons);
      seen.cookies = await context.cookies();
      return seen;
    } finally {
      await context.close().catch(() => {});
    }
  }

  const withLogs = (handle, fn) => withReport({ nginx: handle }, fn);

  test('with the default config every request goes to the page\'s own site, with no cookie and no beacon', async () => {
    await withLogs(nginx, async () => {
      const seen = await visit(nginx.origin);
      const foreign = seen.requests.filter((r) => new URL(r.url).origin !== nginx.origin);
      assert.deepEqual(foreign.map((r) => r.url), [], 'no request leaves the site');
      // The widget really ran: it checked the page itself more than once.
      const checks = seen.requests.filter((r) => r.type === 'fetch' && r.url.endsWith('/account/orders?id=42'));
      assert.ok(checks.length >= 2, `the widget checked the page (${checks.length} checks)`);
      assert.ok(
        !seen.requests.some((r) => ['ping', 'beacon'].includes(r.type)),
        'no ping or beacon request',
      );
      assert.equal(seen.beacons, 0, 'navigator.sendBeacon is never called');
      assert.equal(seen.documentCookie, '', 'document.cookie stays empty');
      assert.deepEqual(seen.cookies, [], 'the browser holds no cookie for the site');
      assert.deepEqual(seen.setCookies, [], 'no response of the recipe sets a cookie');
      assert.deepEqual(seen.pageErrors, []);
    });
  });

  test('a configured third party is the only other host contacted, without cookies or referrer', async () => {
    await withLogs(thirdPartyNginx, async () => {
      const seen = await visit(thirdPartyNginx.origin);
      const allowed = new URL(THIRD_PARTY).origin;
      const foreign = seen.requests.filter((r) => new URL(r.url).origin !== thirdPartyNginx.origin);
      // The widget does contact it (so this test sees the widget's foreign requests at all)...
      assert.ok(foreign.length >= 1, 'the configured third party is checked');
      // ...and nothing else.
      const elsewhere = foreign.filter((r) => new URL(r.url).origin !== allowed);
      assert.deepEqual(elsewhere.map((r) => r.url), [], 'no host but the configured third party');
      for (const r of foreign) {
        assert.equal(r.url, THIRD_PARTY, 'exactly the configured URL, nothing about the visit added');
        assert.equal(r.headers.cookie, undefined, 'no cookie to the third party');
        const referer = r.headers.referer;
        assert.ok(
          referer === undefined || referer === `${thirdPartyNginx.origin}/`,
          `the third party does not learn the page address (referer ${referer})`,
        );
      }
      assert.equal(seen.documentCookie, '');
      assert.deepEqual(seen.cookies, []);
      assert.deepEqual(seen.setCookies, []);
      assert.equal(seen.beacons, 0);
      assert.deepEqual(seen.pageErrors, []);
    });
  });
});
