// The single-file pages of `cargo xtask dist` (dist/502.html, 503.html, 504.html), served alone, the
// way a CDN's custom error page feature serves them: the only requests the page makes are its own
// load and the widget's checks of the same URL; it runs under the strict CSP from dist/csp.txt; each
// status has its own text; and when the site answers again the widget notices (without SSI it cannot
// know the request was a GET, so it offers a button instead of reloading by itself). The guidance is
// readable from the first kilobytes of a file even when the connection stalls after them.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  openBrowser,
  recordCspViolations,
} from './lib/harness.mjs';
import { distDir } from './lib/dist.mjs';

const PAGE_PATH = '/shop/item?id=7';
// Any server or CDN may serve a single file: its 502 texts say nothing about what is behind it.
const HEADINGS = {
  502: 'This site is not answering right now',
  503: 'This site is temporarily unavailable',
  504: 'This site is taking too long to answer',
};

/** The `Content-Security-Policy:` line that csp.txt gives for `name`. */
function cspFor(csp, name) {
  const section = csp.split(/^# /m).find((s) => s.startsWith(`${name}\n`));
  const line = section?.split('\n').find((l) => l.startsWith('Content-Security-Policy: '));
  assert.ok(line, `csp.txt has a Content-Security-Policy line for ${name}`);
  return line.slice('Content-Security-Policy: '.length);
}

const sha256 = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

describe('single-file pages served alone', { timeout: 120_000 }, () => {
  const dist = distDir();
  const csp = readFileSync(path.join(dist, 'csp.txt'), 'utf8');
  const pages = Object.fromEntries([502, 503, 504].map((c) => [c, readFileSync(path.join(dist, `${c}.html`), 'utf8')]));
  // What the server answers: the error page with `code`, or the application once `up` is set.
  const state = { code: 502, up: false };
  const log = [];
  let server;
  let origin;
  const browsers = [];

  before(async () => {
    server = http.createServer((req, res) => {
      log.push(`${req.method} ${req.url}`);
      if (state.up) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end('<!doctype html><title>Shop</title><h1>The shop is back</h1>');
        return;
      }
      res.writeHead(state.code, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': cspFor(csp, `${state.code}.html`),
      });
      res.end(state.override ?? pages[state.code]);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${server.address().port}`;
  });

  after(async () => {
    for (const b of browsers) await b.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  async function withConsole(b, fn) {
    try {
      await fn();
    } catch (err) {
      const report = `\n--- browser console ---\n${b.consoleLog.join('\n')}\n--- server log ---\n${log.join('\n')}`;
      err.message += report;
      if (typeof err.stack === 'string') err.stack += report;
      throw err;
    }
  }

  test('each file is self-contained, SSI-free and says what its status means', () => {
    for (const [code, html] of Object.entries(pages)) {
      const markup = html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '<script></script>');
      assert.ok(!markup.includes('<!--'), `${code}: no SSI directive or comment left`);
      assert.ok(!html.includes('/_gateway-doctor/'), `${code}: no asset URL left`);
      assert.ok(!/\b(src|href)="(?!data:)/.test(html), `${code}: nothing is loaded from a URL`);
      assert.ok(!html.includes('gateway-doctor:request'), `${code}: the SSI request meta tags are gone`);
      assert.match(html, /<html[^>]*data-gateway-doctor="error-page"/);
      assert.match(html, /<meta name="robots" content="noindex">/);
      assert.ok(html.includes(`<span class="gd-num">${code}</span>`), `${code}: the status is written in`);
      assert.ok(html.includes(`<h1>${HEADINGS[code]}</h1>`), `${code}: its own heading`);
      const header = /<header[\s\S]*?<\/header>/.exec(html)?.[0] ?? '';
      if (code === '502') {
        assert.match(header, /<p class="gd-lede">The site did not answer properly\. /, '502: a neutral lede');
      }
      if (code === '504') {
        assert.match(header, /<p class="gd-lede">The site took too long to answer\. /, '504: a neutral lede');
      }
      assert.doesNotMatch(header, /web server is up/, `${code}: nothing a file served by a CDN cannot know`);
      assert.equal((html.match(/<script type="module">/g) ?? []).length, 1);
    }
    assert.notEqual(pages[502], pages[503]);
  });

  test('csp.txt holds the real sha256 of every inline script and style', () => {
    for (const [code, html] of Object.entries(pages)) {
      const policy = cspFor(csp, `${code}.html`);
      const scripts = [...html.matchAll(/<script type="module">([\s\S]*?)<\/script>/g)].map((m) => m[1]);
      const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]);
      assert.equal(scripts.length, 1);
      assert.equal(styles.length, 1);
      assert.ok(policy.includes(`script-src ${sha256(scripts[0])} 'wasm-unsafe-eval'`), `${code}: script hash`);
      assert.ok(policy.includes(`style-src ${sha256(styles[0])}`), `${code}: style hash`);
      assert.ok(!policy.includes('unsafe-inline'));
    }
  });

  for (const code of [502, 503, 504]) {
    test(`${code}: under its CSP the widget runs and requests nothing but the page itself`, async () => {
      state.code = code;
      state.up = false;
      log.length = 0;
      const b = await openBrowser({ origin });
      browsers.push(b);
      await withConsole(b, async () => {
        const { page } = b;
        const requests = [];
        page.on('request', (r) => requests.push({ url: r.url(), type: r.resourceType() }));
        const cspViolations = await recordCspViolations(page);
        const res = await page.goto(origin + PAGE_PATH, { waitUntil: 'load', timeout: 15_000 });
        assert.equal(res.status(), code);
        await page.getByRole('heading', { level: 1, name: HEADINGS[code] }).waitFor({ timeout: 5_000 });
        await page.waitForFunction(
          () => {
            const s = document.getElementById('gateway-doctor')?.dataset.state;
            return Boolean(s) && s !== 'static';
          },
          null,
          { timeout: 10_000 },
        );
        // Let the widget check the site at least once (its first delay is at most a few seconds).
        const deadline = Date.now() + 15_000;
        while (!requests.some((r) => r.type === 'fetch') && Date.now() < deadline) await page.waitForTimeout(100);
        assert.deepEqual(await cspViolations(page), [], 'no CSP violation');
        assert.deepEqual(b.consoleErrors, []);
        const foreign = requests.filter((r) => r.url !== origin + PAGE_PATH);
        assert.deepEqual(foreign, [], 'every request is the page itself (its load and the widget checks)');
        assert.ok(requests.some((r) => r.type === 'fetch'), 'the widget checked the page');
        assert.ok(log.every((line) => line === `GET ${PAGE_PATH}`), `server saw only the page: ${log.join(', ')}`);
      });
      await b.close();
    });
  }

  // A CDN or a struggling server may deliver the first round trip of the answer and then stall. The
  // guidance must already be in it: this server sends the first 14 KB of the gzipped file (what a new
  // connection's first round trip carries) and then holds the socket open without another byte.
  for (const [name, file] of [
    ['502.html', () => pages[502]],
    ['multilingual/502.html', () => readFileSync(path.join(dist, 'multilingual/502.html'), 'utf8')],
  ]) {
    test(`${name}: the guidance can be read from the first 14 KB while the rest is stalled`, async () => {
      const FIRST_ROUND_TRIP = 14 * 1024;
      const gzipped = gzipSync(file(), { level: 9 });
      assert.ok(gzipped.length > 2 * FIRST_ROUND_TRIP, 'the file is far bigger than what is sent');
      const stalled = [];
      const stalling = http.createServer((req, res) => {
        res.writeHead(502, {
          'content-type': 'text/html; charset=utf-8',
          'content-encoding': 'gzip',
          'cache-control': 'no-store',
        });
        res.write(gzipped.subarray(0, FIRST_ROUND_TRIP));
        stalled.push(res); // never ended: the rest of the file never comes
      });
      await new Promise((resolve) => stalling.listen(0, '127.0.0.1', resolve));
      const stallingOrigin = `http://127.0.0.1:${stalling.address().port}`;
      const b = await openBrowser({ origin: stallingOrigin });
      browsers.push(b);
      try {
        const { page } = b;
        await page.goto(stallingOrigin + PAGE_PATH, { waitUntil: 'commit', timeout: 15_000 });
        await page.getByRole('heading', { level: 1, name: HEADINGS[502] }).waitFor({ timeout: 10_000 });
        const steps = page.getByRole('heading', { level: 2, name: 'What you can do' });
        await steps.waitFor({ timeout: 10_000 });
        assert.ok(await steps.isVisible(), 'the steps heading is shown');
        const items = await page.locator('.gd-steps li').allInnerTexts();
        assert.equal(items.length, 4, `the four steps are there: ${items.join(' | ')}`);
        assert.match(items[0], /refresh/i);
        assert.ok(await page.locator('.gd-steps li').first().isVisible(), 'the first step is on screen');
        // Proof that the rest really is missing: the document is still loading and the widget,
        // which comes with the rest of the file, has not started.
        assert.equal(await page.evaluate(() => document.readyState), 'loading');
        assert.equal(await page.locator('#gateway-doctor').getAttribute('data-state'), 'static');
      } finally {
        for (const res of stalled) res.destroy();
        await b.close();
        await new Promise((resolve) => stalling.close(resolve));
      }
    });
  }

  // recipes/cloudflare/README.md: one meta line with Cloudflare's `::RAY_ID::` token, which
  // Cloudflare replaces in the page it serves; the support step then quotes the Ray ID. Served by
  // anything else, the token stays as written and must not be shown as a reference.
  test("Cloudflare's Ray ID written into the page becomes the reference visitors quote", async () => {
    const asCloudflareServes = (ray) =>
      pages[502]
        .replace('<head>', `<head>\n<meta name="gateway-doctor:request-id" content="${ray}">`)
        .replace(
          /(<script type="application\/json" id="gateway-doctor-config">)[\s\S]*?(<\/script>)/,
          '$1{"support": {"email": "help@example.com"}}$2',
        );
    try {
      for (const [ray, quoted] of [
        ['8e3f0c2a9b1d4e57', ['8e3f0c2a9b1d4e57']],
        ['::RAY_ID::', []],
      ]) {
        state.code = 502;
        state.up = false;
        state.override = asCloudflareServes(ray);
        const b = await openBrowser({ origin });
        browsers.push(b);
        await withConsole(b, async () => {
          const { page } = b;
          await page.goto(origin + PAGE_PATH, { waitUntil: 'load', timeout: 15_000 });
          const step = page.locator('#gateway-doctor [data-step="contact-support"]');
          await step.waitFor({ timeout: 15_000 });
          assert.ok(await step.getByRole('link', { name: 'help@example.com' }).isVisible());
          assert.deepEqual(await step.locator('code').allTextContents(), quoted, `Ray ID ${ray}`);
          assert.deepEqual(b.consoleErrors, []);
        });
        await b.close();
      }
    } finally {
      state.override = undefined;
    }
  });

  test('when the site answers again the widget notices, and offers a reload (method unknown)', async () => {
    state.code = 502;
    state.up = false;
    const b = await openBrowser({ origin });
    browsers.push(b);
    await withConsole(b, async () => {
      const { page } = b;
      let navigations = 0;
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) navigations += 1;
      });
      await page.goto(origin + PAGE_PATH, { waitUntil: 'load', timeout: 15_000 });
      await page.waitForFunction(() => {
        const s = document.getElementById('gateway-doctor')?.dataset.state;
        return Boolean(s) && s !== 'static';
      }, null, { timeout: 10_000 });
      // It will not reload by itself, so it does not say it will.
      const waiting = await page.locator('#gateway-doctor [data-gd="status"]').textContent();
      assert.match(waiting, /tells you when the site is back/);
      assert.doesNotMatch(waiting, /reload/i);
      state.up = true;
      await page.waitForFunction(() => document.getElementById('gateway-doctor')?.dataset.state === 'manual', null, {
        timeout: 30_000,
      });
      assert.equal(navigations, 1, 'no automatic reload without knowing the request was a GET');
      assert.equal(page.url(), origin + PAGE_PATH);
      assert.deepEqual(b.consoleErrors, []);
    });
    await b.close();
  });
});
