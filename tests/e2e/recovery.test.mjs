// The core end-to-end promise: a visitor who hits a 502 gets useful guidance, and the page comes
// back by itself, at the same URL, once the application is up again.
//
// nginx runs the shipped snippet (rendered by `xtask nginx-conf`) in front of a port where nothing
// listens; the demo upstream (`xtask upstream --mode up`) is started on that port mid-test.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  freePort,
  openBrowser,
  rawGet,
  recordCspViolations,
  requireEnv,
  startNginx,
  startUpstream,
  stopNginx,
  stopUpstream,
  widgetMounted,
  withReport,
} from './lib/harness.mjs';

const PAGE_PATH = '/some/page?x=1';
const STATIC_HEADING = /can.t reach its application/i;

describe('recovery after a 502', { timeout: 120_000 }, () => {
  let upstreamPort;
  let nginx;
  let upstream;
  const browsers = [];

  before(async () => {
    requireEnv();
    upstreamPort = await freePort(); // nothing listens here until the recovery test starts it
    nginx = await startNginx({ upstreamPort });
  });

  after(async () => {
    for (const b of browsers) await b.close();
    await stopUpstream(upstream);
    await stopNginx(nginx);
  });

  // Puts nginx's logs and the browser console into the failure message: they are the first
  // things to read (a widget that did not mount says why in a console warning).
  const withLogs = (fn) => withReport({ nginx, browsers }, fn);

  test('the 502 page keeps its status, is not cached or indexed, and shows the request id', async () => {
    await withLogs(async () => {
      const res = await fetch(nginx.origin + PAGE_PATH, { signal: AbortSignal.timeout(10_000) });
      assert.equal(res.status, 502);
      assert.match(res.headers.get('cache-control') ?? '', /\bno-store\b/);
      assert.match(res.headers.get('x-robots-tag') ?? '', /\bnoindex\b/);
      assert.equal(res.headers.get('x-gateway-doctor'), 'error-page');
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      // The page runs under a strict policy: no inline code, only its own files, only this site.
      const csp = res.headers.get('content-security-policy') ?? '';
      for (const directive of [
        "default-src 'none'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "connect-src 'self'",
      ]) {
        assert.ok(csp.includes(directive), `CSP lacks ${directive}: ${csp}`);
      }

      const html = await res.text();
      assert.match(html, /<html[^>]*\bdata-gateway-doctor="error-page"/);
      const id = html.match(/<meta name="gateway-doctor:request-id" content="([^"]*)">/)?.[1];
      assert.match(id ?? '', /^[0-9a-f]{32}$/, 'SSI must fill in the request id');
      // The visitor-facing reference is the same id, and nginx reports it too.
      assert.ok(html.includes(`<code>${id}</code>`), 'the Reference line shows the same request id');
      assert.equal(res.headers.get('x-request-id'), id);
      const request = html.match(/<meta name="gateway-doctor:request" content="([^"]*)">/)?.[1];
      assert.equal(request, `GET ${PAGE_PATH} HTTP/1.1`);
      assert.ok(!html.includes('<!--#'), 'no SSI directive is left unprocessed');
    });
  });

  test('assets come precompressed: the wasm is sent as the shipped .gz file, not gzipped on the fly', async () => {
    await withLogs(async () => {
      const { siteDir } = requireEnv();
      for (const name of ['gateway_doctor_bg.wasm', 'gateway_doctor.js', 'boot.js', 'page.css', 'locales/de.json']) {
        const plain = readFileSync(path.join(siteDir, name));
        const twin = readFileSync(path.join(siteDir, `${name}.gz`));
        const url = `${nginx.origin}/_gateway-doctor/${name}`;
        const gz = await rawGet(url, { 'accept-encoding': 'gzip, deflate, br' });
        assert.equal(gz.status, 200, name);
        assert.equal(gz.headers['content-encoding'], 'gzip', `${name}: sent gzipped`);
        // On-the-fly gzip would be chunked, without a length, and bigger (level 1): this is the file.
        assert.equal(Number(gz.headers['content-length']), twin.length, `${name}: the .gz file's own length`);
        assert.ok(gz.body.equals(twin), `${name}: the .gz file's bytes`);
        assert.ok(gunzipSync(gz.body).equals(plain), `${name}: the twin holds the same file`);
        assert.match(gz.headers.vary ?? '', /accept-encoding/i, `${name}: caches keep both forms apart`);
        const raw = await rawGet(url, { 'accept-encoding': 'identity' });
        assert.equal(raw.headers['content-encoding'], undefined, `${name}: plain for clients without gzip`);
        assert.ok(raw.body.equals(plain), `${name}: plain bytes`);
      }
      // The page itself is plain text for SSI: it has no twin.
      const page = await rawGet(nginx.origin + PAGE_PATH, { 'accept-encoding': 'identity' });
      assert.equal(page.status, 502);
      assert.match(page.body.toString('utf8'), /<meta name="gateway-doctor:request-id" content="[0-9a-f]{32}">/);
    });
  });

  // boot.js imports the glue, which fetches the wasm: without the page's preload hints that is three
  // round trips one after another. Here boot.js is held back until the browser has asked for the
  // other two (it never would without the hints), and each file must still be fetched only once
  // (a hint that does not match the glue's own request would download the wasm twice).
  test("the widget's files are fetched together, each once", async () => {
    await withLogs(async () => {
      const b = await openBrowser({ origin: nginx.origin });
      browsers.push(b);
      const { page } = b;
      const asked = [];
      page.on('request', (r) => {
        const name = new URL(r.url()).pathname.replace('/_gateway-doctor/', '');
        if (['boot.js', 'gateway_doctor.js', 'gateway_doctor_bg.wasm'].includes(name)) asked.push(name);
      });
      let release;
      const bothAsked = new Promise((resolve) => {
        release = resolve;
      });
      page.on('request', () => {
        if (asked.includes('gateway_doctor.js') && asked.includes('gateway_doctor_bg.wasm')) release();
      });
      await page.route('**/_gateway-doctor/boot.js', async (route) => {
        const held = await Promise.race([
          bothAsked.then(() => false),
          new Promise((resolve) => setTimeout(() => resolve(true), 10_000)),
        ]);
        if (held) asked.push('boot.js held 10 s: the glue and the wasm were not requested before it');
        await route.continue();
      });
      await page.goto(nginx.origin + PAGE_PATH, { waitUntil: 'load', timeout: 30_000 });
      await widgetMounted(page);
      assert.deepEqual(
        [...asked].sort(),
        ['boot.js', 'gateway_doctor.js', 'gateway_doctor_bg.wasm'],
        'requested before boot.js arrived, and each once',
      );
      assert.deepEqual(b.consoleErrors, []);
      assert.ok(
        !b.consoleLog.some((line) => /preloaded .* not used/i.test(line)),
        `every preload is used:\n${b.consoleLog.join('\n')}`,
      );
      await b.close();
    });
  });

  test('without JavaScript the static guidance is complete', async () => {
    await withLogs(async () => {
      const b = await openBrowser({ origin: nginx.origin, javaScriptEnabled: false });
      browsers.push(b);
      const res = await b.page.goto(nginx.origin + PAGE_PATH, { waitUntil: 'load', timeout: 15_000 });
      assert.equal(res.status(), 502);
      await b.page.getByRole('heading', { level: 1, name: STATIC_HEADING }).waitFor({ timeout: 5_000 });
      assert.ok(await b.page.getByRole('heading', { level: 2, name: 'What you can do' }).isVisible());
      assert.ok(await b.page.getByText('For the site owner').isVisible());
      const root = b.page.locator('#gateway-doctor');
      assert.equal(await root.getAttribute('data-state'), 'static');
      assert.equal(await root.boundingBox(), null, 'the unmounted widget root takes no space');
      assert.deepEqual(b.consoleErrors, []);
      await b.close();
    });
  });

  test('the page reloads by itself into the application once it is back', { timeout: 90_000 }, async () => {
    await withLogs(async () => {
      const b = await openBrowser({ origin: nginx.origin });
      browsers.push(b);
      const { page } = b;
      const url = nginx.origin + PAGE_PATH;
      // Anything the strict CSP blocks is recorded (and would also be a console error).
      const cspViolations = await recordCspViolations(b.context);

      const res = await page.goto(url, { waitUntil: 'load', timeout: 15_000 });
      assert.equal(res.status(), 502);
      assert.ok(await page.getByRole('heading', { level: 1, name: STATIC_HEADING }).isVisible());
      // The static steps are in the page (for visitors without JavaScript); the diagnosis hides them
      // once it shows its tailored steps (tests/e2e/verdicts.test.mjs), possibly already by now.
      assert.equal(await page.locator('section.gd-steps h2').textContent(), 'What you can do');

      // The widget mounted: it left the "static" state and rendered its parts.
      await widgetMounted(page);
      const root = page.locator('#gateway-doctor');
      await root.locator('[data-gd="countdown"]').waitFor({ state: 'attached', timeout: 5_000 });
      await root.locator('button[data-gd="retry-now"]').waitFor({ state: 'attached', timeout: 5_000 });
      assert.equal(await root.locator('[data-gd="status"]').getAttribute('aria-live'), 'polite');
      assert.deepEqual(await cspViolations(page), [], 'the widget runs under the CSP');

      // Bring the application up on the port nginx proxies to. The page must notice and reload.
      const reloaded = page.waitForResponse(
        (r) => r.request().isNavigationRequest() && r.url() === url && r.status() === 200,
        { timeout: 25_000 },
      );
      upstream = await startUpstream('up', { port: upstreamPort });
      await reloaded;
      await page.getByRole('heading', { level: 1, name: 'The demo application is up' }).waitFor({ timeout: 5_000 });
      assert.equal(page.url(), url, 'the visitor stays on the URL they asked for');
      assert.deepEqual(b.consoleErrors, []);
    });
  });
});
