// When the widget cannot run, the visitor still gets the whole static page and no errors: a broken
// or truncated .wasm (a bad deploy, a proxy that mangles binaries), and a browser without
// WebAssembly (disabled by policy, very old). boot.js explains itself with a console warning.
// A browser that lacks the newer APIs the widget prefers (BroadcastChannel, Web Locks,
// AbortSignal.timeout) still gets the working widget, without errors.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
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
} from './lib/harness.mjs';

const STATIC_HEADING = /can.t reach its application/i;

describe('degradation without a working widget', { timeout: 90_000 }, () => {
  let nginx;
  let brokenSite;
  let brokenNginx;
  const browsers = [];

  before(async () => {
    requireEnv();
    nginx = await startNginx({ upstreamPort: await freePort() });
    // The same site with its .wasm cut in half.
    brokenSite = await siteWithConfig({});
    const wasm = path.join(brokenSite, 'gateway_doctor_bg.wasm');
    const bytes = await readFile(wasm);
    await writeFile(wasm, bytes.subarray(0, bytes.length >> 1));
    await rm(`${wasm}.gz`); // else nginx's gzip_static would serve the intact twin
    brokenNginx = await startNginx({ upstreamPort: await freePort(), siteDir: brokenSite });
  });

  after(async () => {
    for (const b of browsers) await b.close();
    await stopNginx(nginx);
    await stopNginx(brokenNginx);
    await removeScratchDir(brokenSite);
  });

  async function expectStaticPage(b, origin) {
    const res = await b.page.goto(`${origin}/orders`, { waitUntil: 'load', timeout: 15_000 });
    assert.equal(res.status(), 502);
    await b.page.getByRole('heading', { level: 1, name: STATIC_HEADING }).waitFor({ timeout: 5_000 });
    assert.ok(await b.page.getByRole('heading', { level: 2, name: 'What you can do' }).isVisible());
    // Give boot.js time to try and fail.
    await b.page.waitForFunction(
      () => performance.getEntriesByType('resource').some((e) => e.name.endsWith('/boot.js')),
      null,
      { timeout: 5_000 },
    );
    await b.page.waitForTimeout(1_500);
    assert.equal(await b.page.getAttribute('#gateway-doctor', 'data-state'), 'static');
    assert.equal(await b.page.locator('#gateway-doctor').boundingBox(), null, 'no half-built widget');
    assert.deepEqual(b.consoleErrors, []);
    assert.ok(
      b.consoleLog.some((line) => line.startsWith('warning:') && line.includes('gateway-doctor')),
      `boot.js says why in a warning:\n${b.consoleLog.join('\n')}`,
    );
  }

  test('a truncated .wasm leaves the static page intact, with a warning and no error', async () => {
    const b = await openBrowser({ origin: brokenNginx.origin });
    browsers.push(b);
    await expectStaticPage(b, brokenNginx.origin);
  });

  test('a browser without WebAssembly gets the static page, with a warning and no error', async () => {
    const b = await openBrowser({ origin: nginx.origin });
    browsers.push(b);
    await b.context.addInitScript(() => {
      delete globalThis.WebAssembly;
    });
    await expectStaticPage(b, nginx.origin);
  });

  test('without BroadcastChannel, Web Locks and AbortSignal.timeout the widget still checks and recovers', async () => {
    const upstreamPort = await freePort();
    const gateway = await startNginx({ upstreamPort });
    let upstream;
    const b = await openBrowser({ origin: gateway.origin });
    browsers.push(b);
    try {
      await b.context.addInitScript(() => {
        delete globalThis.BroadcastChannel;
        delete Navigator.prototype.locks;
        delete AbortSignal.timeout;
      });
      const url = `${gateway.origin}/orders`;
      const res = await b.page.goto(url, { waitUntil: 'load', timeout: 15_000 });
      assert.equal(res.status(), 502);
      assert.deepEqual(
        await b.page.evaluate(() => [typeof BroadcastChannel, typeof navigator.locks, typeof AbortSignal.timeout]),
        ['undefined', 'undefined', 'undefined'],
      );
      await b.page.waitForFunction(
        () => ['waiting', 'checking'].includes(document.getElementById('gateway-doctor')?.dataset.state),
        null,
        { timeout: 10_000 },
      );
      // The application comes back: this lone tab is its own prober and reloads into it.
      const reloaded = b.page.waitForResponse(
        (r) => r.request().isNavigationRequest() && r.url() === url && r.status() === 200,
        { timeout: 30_000 },
      );
      upstream = await startUpstream('up', { port: upstreamPort });
      await reloaded;
      assert.deepEqual(b.consoleErrors, []);
    } catch (err) {
      err.message += `\n${b.consoleLog.join('\n')}\n${await nginxLogs(gateway)}`;
      throw err;
    } finally {
      if (upstream) await stopUpstream(upstream);
      await stopNginx(gateway);
    }
  });
});
