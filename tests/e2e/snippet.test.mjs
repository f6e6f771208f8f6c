// What the shipped nginx snippet promises operators, checked over HTTP (no browser needed).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  freePort,
  requireEnv,
  startNginx,
  startUpstream,
  stopNginx,
  stopUpstream,
  withReport,
} from './lib/harness.mjs';

describe('nginx snippet', { timeout: 60_000 }, () => {
  let nginx;
  let maintenance;

  before(async () => {
    requireEnv();
    // The application answers 503 + Retry-After itself (planned maintenance) under /maintenance/;
    // everything else goes to a port where nothing listens (nginx generates the 502).
    maintenance = await startUpstream('status', { status: 503, retryAfter: 120 });
    nginx = await startNginx({
      upstreamPort: await freePort(),
      extraConf: `location /maintenance/ { proxy_pass http://127.0.0.1:${maintenance.port}; }\n`,
    });
  });

  after(async () => {
    await stopNginx(nginx);
    await stopUpstream(maintenance);
  });

  const get = (path, init = {}) => fetch(nginx.origin + path, { signal: AbortSignal.timeout(10_000), ...init });

  const withLogs = (fn) => withReport({ nginx }, fn);

  test('a 503 sent by the application is replaced by the page, keeping 503 and Retry-After', async () => {
    await withLogs(async () => {
      const res = await get('/maintenance/orders');
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('x-gateway-doctor'), 'error-page');
      assert.equal(res.headers.get('retry-after'), '120');
      assert.match(res.headers.get('cache-control') ?? '', /\bno-store\b/);
      assert.match(await res.text(), /data-gateway-doctor="error-page"/);
    });
  });

  test('after a POST the page still records the original request line', async () => {
    await withLogs(async () => {
      // nginx turns the method into GET for the error page, so only $request tells it was a POST.
      const res = await get('/cart?step=2', { method: 'POST', body: 'qty=1' });
      assert.equal(res.status, 502);
      const html = await res.text();
      assert.match(html, /<meta name="gateway-doctor:request" content="POST \/cart\?step=2 HTTP\/1\.1">/);
    });
  });

  test('the error page cannot be requested directly', async () => {
    await withLogs(async () => {
      const res = await get('/_gateway-doctor/502.html');
      assert.equal(res.status, 404);
    });
  });

  test('the gateway self-check answers 204 without the application', async () => {
    await withLogs(async () => {
      const res = await get('/_gateway-doctor/alive');
      assert.equal(res.status, 204);
      assert.match(res.headers.get('cache-control') ?? '', /\bno-store\b/);
    });
  });

  test('assets are served with the right types, revalidated and not indexed', async () => {
    await withLogs(async () => {
      const expected = {
        'page.css': /^text\/css/,
        'icon.svg': /^image\/svg\+xml/,
        'boot.js': /^text\/javascript/,
        'gateway_doctor.js': /^text\/javascript/,
        'gateway_doctor_bg.wasm': /^application\/wasm$/,
      };
      for (const [file, type] of Object.entries(expected)) {
        const res = await get(`/_gateway-doctor/${file}`);
        assert.equal(res.status, 200, file);
        assert.match(res.headers.get('content-type') ?? '', type, file);
        assert.match(res.headers.get('cache-control') ?? '', /\bno-cache\b/, file);
        assert.match(res.headers.get('x-robots-tag') ?? '', /\bnoindex\b/, file);
        await res.arrayBuffer();
      }
    });
  });
});
