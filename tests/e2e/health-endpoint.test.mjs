// The recipe's micro-cached health endpoint (gateway-doctor-health.conf), checked over HTTP against
// real nginx and an upstream that counts what reaches it. The load test (`cargo xtask bench health`)
// proves the numbers; this file pins the contract the widget relies on.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  freePort,
  removeScratchDir,
  requireEnv,
  startNginx,
  startUpstream,
  stopNginx,
  stopUpstream,
  upstreamStats,
  withReport,
} from './lib/harness.mjs';

const HEALTH = '/_gateway-doctor/health';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe('micro-cached health endpoint', { timeout: 60_000 }, () => {
  let upstreamPort;
  let nginx;
  const upstreams = [];

  before(async () => {
    requireEnv();
    upstreamPort = await freePort(); // down until a test starts the application
    nginx = await startNginx({ upstreamPort });
  });

  after(async () => {
    for (const u of upstreams) {
      await stopUpstream(u);
      await removeScratchDir(u.statsDir);
    }
    await stopNginx(nginx);
  });

  async function application(mode, opts = {}) {
    for (const u of upstreams) await stopUpstream(u);
    const u = await startUpstream(mode, { port: upstreamPort, stats: true, ...opts });
    upstreams.push(u);
    return u;
  }

  // What the widget's probe sends: fetch(…, { cache: 'no-store' }) adds these two.
  const get = (path = HEALTH, init = {}) =>
    fetch(nginx.origin + path, {
      signal: AbortSignal.timeout(10_000),
      ...init,
      headers: { 'Cache-Control': 'no-cache', Pragma: 'no-cache', ...(init.headers ?? {}) },
    });

  /** Polls until the endpoint answers `status` (a cached answer lives up to ~2 s). */
  async function until(status) {
    const deadline = Date.now() + 6_000;
    for (;;) {
      const res = await get();
      await res.arrayBuffer();
      if (res.status === status) return res;
      if (Date.now() > deadline) throw new Error(`health still answers ${res.status}, expected ${status}`);
      await sleep(100);
    }
  }

  const withLogs = (fn) => withReport({ nginx, processes: upstreams }, fn);

  test('application unreachable: a small, uncacheable-by-browsers 503, itself micro-cached', async () => {
    await withLogs(async () => {
      const started = Date.now();
      const first = await get();
      assert.equal(first.status, 503);
      assert.equal((await first.text()).trim(), 'unavailable');
      assert.match(first.headers.get('cache-control') ?? '', /\bno-store\b/);
      assert.match(first.headers.get('x-robots-tag') ?? '', /\bnoindex\b/);
      assert.equal(first.headers.get('x-gateway-doctor'), null, 'not the full error page');
      assert.ok(first.headers.get('x-cache-status'));
      assert.match(first.headers.get('x-gateway-doctor-crowd') ?? '', /^[1-9][0-9]*$/);
      const second = await get();
      await second.arrayBuffer();
      assert.equal(second.status, 503);
      assert.equal(second.headers.get('x-cache-status'), 'HIT', 'nginx did not try the application again');
      assert.ok(Date.now() - started < 2_000, 'answered at once');
    });
  });

  test('application up: 200 from the cache, one request reaches it, no credentials or query string', async () => {
    await withLogs(async () => {
      const app = await application('up');
      await until(200);
      // Within the validity: every visitor gets the cached answer, whatever they send.
      for (const init of [
        {},
        { headers: { Cookie: 'session=secret', Authorization: 'Bearer x' } },
        { method: 'HEAD' },
      ]) {
        const res = await get(HEALTH, init);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('x-cache-status'), 'HIT', JSON.stringify(init));
        assert.match(res.headers.get('cache-control') ?? '', /^no-store$/);
        assert.equal(res.headers.get('set-cookie'), null);
        // The crowd count comes from nginx for every answer, cache hits included: at least this
        // request's own connection.
        assert.match(res.headers.get('x-gateway-doctor-crowd') ?? '', /^[1-9][0-9]*$/);
        await res.arrayBuffer();
      }
      const busted = await get(`${HEALTH}?nocache=${Math.random()}`);
      await busted.arrayBuffer();
      assert.equal(busted.headers.get('x-cache-status'), 'HIT', 'a query string does not skip the cache');

      const post = await get(HEALTH, { method: 'POST', body: 'x=1' });
      assert.equal(post.status, 403, 'only GET and HEAD');
      await post.arrayBuffer();

      await sleep(200);
      const stats = await upstreamStats(app);
      assert.deepEqual(Object.keys(stats.by_request), ['GET /health'], JSON.stringify(stats));
      assert.ok(stats.by_request['GET /health'] <= 2, JSON.stringify(stats));
    });
  });

  test("the application's own 503 passes through with its Retry-After (the widget honours it)", async () => {
    await withLogs(async () => {
      await application('status', { status: 503, retryAfter: 7 });
      const res = await until(503);
      assert.equal(res.headers.get('retry-after'), '7');
      assert.match(res.headers.get('cache-control') ?? '', /^no-store$/);
      const again = await get();
      assert.equal(again.status, 503);
      assert.equal(again.headers.get('retry-after'), '7', 'the cached copy keeps it');
      assert.match(await again.text(), /Answered by <code>cargo xtask upstream --mode status/);
    });
  });
});
