// The nginx Accept switch of `cargo xtask dist` (recipes/nginx/gateway-doctor-problem-json*.conf):
// API clients that ask for JSON get the problem+json body, browsers and curl get the page, and the
// status (502/503/504) is kept either way. Real nginx, configured as the recipe says: the map in
// `http { }`, the switch included before gateway-doctor.conf.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort, requireEnv, startUpstream, stopUpstream } from './lib/harness.mjs';
import {
  distDir,
  installSite,
  removeScratch,
  request,
  runTool,
  scratchDir,
  startNginxConf,
  stopProcess,
  withLogs,
} from './lib/dist.mjs';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8';

describe('nginx: problem+json for API clients', { timeout: 60_000 }, () => {
  let dir;
  let nginx;
  let maintenance;
  let origin;

  before(async () => {
    const env = requireEnv();
    const dist = distDir();
    const recipes = path.join(dist, 'recipes/nginx');
    dir = await scratchDir('problem-json');
    const site = await installSite(dir);
    maintenance = await startUpstream('status', { status: 503, retryAfter: 120 });

    // The server-level part first, then the main snippet, as the recipe asks.
    const combined = path.join(dir, 'server-snippets.conf');
    await writeFile(
      combined,
      (await readFile(path.join(recipes, 'gateway-doctor-problem-json.conf'), 'utf8')) +
        '\n' +
        (await readFile(path.join(recipes, 'gateway-doctor.conf'), 'utf8')),
    );
    const extra = path.join(dir, 'extra.conf');
    await writeFile(extra, `location /maintenance/ { proxy_pass http://127.0.0.1:${maintenance.port}; }\n`);
    const port = await freePort();
    const out = path.join(dir, 'out');
    const rendered = await runTool(env.xtask, [
      'nginx-conf',
      '--listen', `127.0.0.1:${port}`,
      '--upstream', `127.0.0.1:${await freePort()}`,
      '--site', site,
      '--out', out,
      '--snippet', combined,
      '--extra', extra,
    ]);
    assert.equal(rendered.code, 0, rendered.text);
    // The map belongs in `http { }`, which `xtask nginx-conf` writes: add the include there.
    const confPath = path.join(out, 'nginx.conf');
    const conf = await readFile(confPath, 'utf8');
    assert.equal(conf.split('\nhttp {\n').length, 2, 'one http block');
    const map = path.join(recipes, 'gateway-doctor-problem-json-map.conf');
    await writeFile(confPath, conf.replace('\nhttp {\n', `\nhttp {\n    include "${map}";\n`));

    nginx = await startNginxConf('nginx', env.nginx, out, confPath, port);
    origin = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    await stopProcess(nginx);
    await stopUpstream(maintenance);
    await removeScratch(dir);
  });

  const get = (p, accept, init = {}) => request(origin + p, { ...init, headers: { accept, ...(init.headers ?? {}) } });

  function assertProblem(res, status) {
    assert.equal(res.status, status);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.match(res.headers.get('cache-control') ?? '', /\bno-store\b/);
    assert.equal(res.headers.get('x-gateway-doctor'), 'error-page');
    assert.match(res.headers.get('vary') ?? '', /\baccept\b/i);
    const body = JSON.parse(res.body);
    assert.equal(body.status, status);
    assert.equal(typeof body.type, 'string');
    assert.equal(typeof body.title, 'string');
    assert.equal(typeof body.detail, 'string');
    return body;
  }

  test('Accept: application/json gets the problem+json body with status 502', async () => {
    await withLogs([nginx], async () => {
      const body = assertProblem(await get('/api/orders', 'application/json'), 502);
      assert.equal(body.title, 'Bad Gateway');
      assertProblem(await get('/api/orders', 'application/problem+json'), 502);
      assertProblem(await get('/api/orders', 'application/json, text/plain, */*'), 502);
    });
  });

  test('browsers and curl get the HTML page, still with 502', async () => {
    await withLogs([nginx], async () => {
      for (const accept of ['text/html', BROWSER_ACCEPT, '*/*', 'text/html, application/json;q=0.9']) {
        const res = await get('/some/page', accept);
        assert.equal(res.status, 502, accept);
        assert.match(res.headers.get('content-type') ?? '', /^text\/html/, accept);
        assert.match(res.body, /data-gateway-doctor="error-page"/, accept);
      }
    });
  });

  test('a failed POST gets JSON too (no 405), and the request line reaches the HTML page', async () => {
    await withLogs([nginx], async () => {
      assertProblem(await get('/api/orders', 'application/json', { method: 'POST', body: '{}' }), 502);
      const html = await get('/cart', 'text/html', { method: 'POST', body: 'qty=1' });
      assert.equal(html.status, 502);
      assert.match(html.body, /<meta name="gateway-doctor:request" content="POST \/cart HTTP\/1\.1">/);
    });
  });

  test("the application's own 503 becomes JSON with its Retry-After", async () => {
    await withLogs([nginx], async () => {
      const res = await get('/maintenance/api', 'application/json');
      const body = assertProblem(res, 503);
      assert.equal(res.headers.get('retry-after'), '120');
      assert.equal(body.retryAfter, 60, 'the static hint from www/problem/503.json');
    });
  });

  test('the JSON files and the switch cannot be requested directly', async () => {
    await withLogs([nginx], async () => {
      for (const p of ['/_gateway-doctor/problem/502.json', '/_gateway-doctor/error']) {
        const res = await get(p, 'application/json');
        assert.equal(res.status, 404, p);
      }
    });
  });
});
