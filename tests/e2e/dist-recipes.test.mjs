// The server recipes of `cargo xtask dist`, checked with the real servers from Debian: each config is
// validated by its own tool, then run in front of a failing application. Whatever the server, the
// visitor gets the page with the real status (502/503/504, never 200), `no-store`, and the page's
// direct URL is not a 200 either. Traefik has no Debian package: only its YAML is checked.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync } from 'node:fs';
import { readFile, writeFile, mkdir, cp } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { freePort, openBrowser, rawGet, requireEnv, startUpstream, stopUpstream } from './lib/harness.mjs';
import {
  distDir,
  installSite,
  removeScratch,
  request,
  runTool,
  scratchDir,
  startNginxConf,
  startProcess,
  stopProcess,
  tool,
  waitForPort,
  withLogs,
} from './lib/dist.mjs';

const HEADING_503 = '<h1>This site is temporarily unavailable</h1>';
const HEADING_504 = '<h1>This site’s application is taking too long to answer</h1>';
const HEADING_502 = '<h1>This site can’t reach its application right now</h1>';
// The single files (dist/<code>.html, which the Kubernetes default backend serves) say only what any
// server can say for 502 and 504.
const SINGLE_HEADING_502 = '<h1>This site is not answering right now</h1>';
const SINGLE_HEADING_504 = '<h1>This site is taking too long to answer</h1>';
const IS_ROOT = process.getuid?.() === 0;

/** Replaces `from` (which must occur) with `to`: the test edits only what the recipe says to edit. */
function edit(text, from, to) {
  assert.ok(text.includes(from), `the recipe no longer contains ${JSON.stringify(from)}`);
  return text.split(from).join(to);
}

function assertErrorPage(res, status, heading) {
  assert.equal(res.status, status, `status ${res.status}, body: ${res.body.slice(0, 200)}`);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(res.headers.get('cache-control') ?? '', /\bno-store\b/);
  assert.match(res.body, /data-gateway-doctor="error-page"/);
  if (heading) assert.ok(res.body.includes(heading), `expected ${heading}`);
}

/** A static file server for the widget's assets (what HAProxy and Traefik need next to them). */
async function staticServer(root) {
  const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.svg': 'image/svg+xml', '.html': 'text/html' };
  const server = http.createServer((req, res) => {
    const file = path.join(root, path.normalize(decodeURIComponent(req.url.split('?')[0])));
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('Apache httpd recipe', { timeout: 60_000 }, () => {
  let dir;
  let apache;
  let maintenance;
  let app;
  let appPort;
  let origin;

  before(async () => {
    requireEnv();
    const apache2 = tool('GD_APACHE2', ['/usr/sbin/apache2'], 'apache2');
    dir = await scratchDir('apache');
    const site = await installSite(dir);
    maintenance = await startUpstream('status', { status: 503, retryAfter: 120 });
    const recipe = await readFile(path.join(distDir(), 'recipes/apache/gateway-doctor.conf'), 'utf8');
    await writeFile(path.join(dir, 'gateway-doctor.conf'), edit(recipe, '/usr/share/gateway-doctor/', `${site}/`));
    await writeFile(path.join(dir, 'mime.types'), '');
    const port = await freePort();
    const modules = ['mpm_event', 'authz_core', 'alias', 'mime', 'headers', 'proxy', 'proxy_http', 'rewrite', 'filter', 'deflate'];
    const conf = [
      `ServerRoot "${dir}"`,
      'ServerName 127.0.0.1',
      `Listen 127.0.0.1:${port}`,
      `PidFile "${dir}/httpd.pid"`,
      `DefaultRuntimeDir "${dir}"`,
      `ErrorLog "${dir}/error.log"`,
      'LogLevel warn',
      `TypesConfig "${dir}/mime.types"`,
      ...modules.map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`),
      // Apache refuses to serve as root; its workers drop to www-data, which can read the scratch dir.
      ...(IS_ROOT ? ['User www-data', 'Group www-data'] : []),
      // Debian's default mod_deflate setup (mods-available/deflate.conf), which compresses on the fly.
      'AddOutputFilterByType DEFLATE text/html text/plain text/css text/javascript application/json application/wasm',
      `<VirtualHost 127.0.0.1:${port}>`,
      `    Include "${dir}/gateway-doctor.conf"`,
      `    ProxyPass /maintenance/ http://127.0.0.1:${maintenance.port}/maintenance/`,
      `    ProxyPass / http://127.0.0.1:${(appPort = await freePort())}/`,
      '</VirtualHost>',
      '',
    ].join('\n');
    const confPath = path.join(dir, 'httpd.conf');
    await writeFile(confPath, conf);
    const check = await runTool(apache2, ['-t', '-d', dir, '-f', confPath]);
    assert.equal(check.code, 0, `apache2 -t failed:\n${check.text}`);
    apache = startProcess('apache2', apache2, ['-d', dir, '-f', confPath, '-DFOREGROUND']);
    apache.logs = [path.join(dir, 'error.log')];
    await waitForPort(port, apache);
    origin = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    await stopProcess(apache);
    await stopUpstream(maintenance);
    await stopUpstream(app);
    await removeScratch(dir);
  });

  test('a dead application gives the 503 page (Apache says 503), an invalid answer the 502 page', async () => {
    await withLogs([apache], async () => {
      const res = await request(`${origin}/shop`);
      assertErrorPage(res, 503, HEADING_503);
      assert.equal(res.headers.get('x-gateway-doctor'), 'error-page');
      app = await startUpstream('garbage', { port: appPort });
      assertErrorPage(await request(`${origin}/shop`), 502, HEADING_502);
    });
  });

  test("the application's own 503 is replaced by the 503 page, keeping 503", async () => {
    await withLogs([apache], async () => {
      assertErrorPage(await request(`${origin}/maintenance/x`), 503, HEADING_503);
    });
  });

  test('assets are served with their types; the pages are never a 200; the self-check is 204', async () => {
    await withLogs([apache], async () => {
      const wasm = await request(`${origin}/_gateway-doctor/gateway_doctor_bg.wasm`);
      assert.equal(wasm.status, 200);
      assert.equal(wasm.headers.get('content-type'), 'application/wasm');
      const boot = await request(`${origin}/_gateway-doctor/boot.js`);
      assert.match(boot.headers.get('content-type') ?? '', /^text\/javascript/);
      // The shipped .gz twins go out as they are (not compressed again by mod_deflate); plain files
      // to clients without gzip.
      for (const [name, type] of [['gateway_doctor_bg.wasm', /^application\/wasm$/], ['boot.js', /^text\/javascript/]]) {
        const url = `${origin}/_gateway-doctor/${name}`;
        const gz = await rawGet(url, { 'accept-encoding': 'gzip' });
        assert.equal(gz.status, 200, name);
        assert.match(gz.headers['content-type'] ?? '', type, name);
        assert.equal(gz.headers['content-encoding'], 'gzip', name);
        assert.match(gz.headers.vary ?? '', /accept-encoding/i, name);
        assert.ok(gz.body.equals(await readFile(path.join(dir, 'site', `${name}.gz`))), `${name}: the .gz twin's bytes`);
        const plain = await rawGet(url, { 'accept-encoding': 'identity' });
        assert.equal(plain.headers['content-encoding'], undefined, name);
        assert.ok(plain.body.equals(await readFile(path.join(dir, 'site', name))), `${name}: the plain bytes`);
      }
      const direct = await request(`${origin}/_gateway-doctor/no-ssi/502.html`);
      assert.notEqual(direct.status, 200);
      assert.ok(direct.status >= 400, `direct request: ${direct.status}`);
      assert.equal((await request(`${origin}/_gateway-doctor/alive`)).status, 204);
    });
  });
});

describe('Caddy recipe', { timeout: 60_000 }, () => {
  let dir;
  let caddy;
  let maintenance;
  let origin;

  before(async () => {
    requireEnv();
    const caddyBin = tool('GD_CADDY', ['/usr/bin/caddy'], 'caddy');
    dir = await scratchDir('caddy');
    const site = await installSite(dir);
    maintenance = await startUpstream('status', { status: 503, retryAfter: 120 });
    const recipe = await readFile(path.join(distDir(), 'recipes/caddy/gateway-doctor.caddy'), 'utf8');
    await writeFile(path.join(dir, 'gateway-doctor.caddy'), edit(recipe, '/usr/share/gateway-doctor', site));
    const port = await freePort();
    // The operator's side, as the recipe's comments show it.
    const proxy = (upstream) => `reverse_proxy ${upstream} {
		${[502, 503, 504].map((c) => `@gateway_doctor_${c} status ${c}
		handle_response @gateway_doctor_${c} {
			error ${c}
		}`).join('\n\t\t')}
	}`;
    const caddyfile = `{
	admin off
	auto_https off
}

http://127.0.0.1:${port} {
	import ${dir}/gateway-doctor.caddy
	handle /maintenance/* {
		${proxy(`127.0.0.1:${maintenance.port}`)}
	}
	handle {
		${proxy(`127.0.0.1:${await freePort()}`)}
	}
}
`;
    const confPath = path.join(dir, 'Caddyfile');
    await writeFile(confPath, caddyfile);
    const env = { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir };
    const check = await runTool(caddyBin, ['validate', '--adapter', 'caddyfile', '--config', confPath], { env });
    assert.equal(check.code, 0, `caddy validate failed:\n${check.text}`);
    caddy = startProcess('caddy', caddyBin, ['run', '--adapter', 'caddyfile', '--config', confPath], { env });
    await waitForPort(port, caddy);
    origin = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    await stopProcess(caddy);
    await stopUpstream(maintenance);
    await removeScratch(dir);
  });

  test('a dead application gives the 502 page with status 502', async () => {
    await withLogs([caddy], async () => {
      const res = await request(`${origin}/shop`);
      assertErrorPage(res, 502, HEADING_502);
      assert.equal(res.headers.get('x-gateway-doctor'), 'error-page');
    });
  });

  test("the application's own 503 is replaced by the 503 page, keeping 503", async () => {
    await withLogs([caddy], async () => {
      assertErrorPage(await request(`${origin}/maintenance/x`), 503, HEADING_503);
    });
  });

  test('assets are served (the shipped .gz twins to browsers that take gzip); the pages are never a 200; the self-check is 204', async () => {
    await withLogs([caddy], async () => {
      const wasm = await request(`${origin}/_gateway-doctor/gateway_doctor_bg.wasm`);
      assert.equal(wasm.status, 200);
      assert.equal(wasm.headers.get('content-type'), 'application/wasm');
      const gz = await rawGet(`${origin}/_gateway-doctor/gateway_doctor_bg.wasm`, { 'accept-encoding': 'gzip' });
      assert.equal(gz.headers['content-encoding'], 'gzip');
      const twin = await readFile(path.join(dir, 'site', 'gateway_doctor_bg.wasm.gz'));
      assert.ok(gz.body.equals(twin), 'the shipped .gz file is what goes out');
      const direct = await request(`${origin}/_gateway-doctor/no-ssi/502.html`);
      assert.ok(direct.status >= 400, `direct request: ${direct.status}`);
      assert.equal((await request(`${origin}/_gateway-doctor/alive`)).status, 204);
    });
  });
});

describe('HAProxy recipe', { timeout: 90_000 }, () => {
  let dir;
  let haproxy;
  let assets;
  let upstream;
  let appPort;
  let origin;

  before(async () => {
    requireEnv();
    const haproxyBin = tool('GD_HAPROXY', ['/usr/sbin/haproxy'], 'haproxy');
    dir = await scratchDir('haproxy');
    const site = await installSite(dir);
    assets = await staticServer(site);
    const errors = path.join(distDir(), 'recipes/haproxy/errors');
    const port = await freePort();
    appPort = await freePort();
    let cfg = await readFile(path.join(distDir(), 'recipes/haproxy/gateway-doctor.cfg'), 'utf8');
    cfg = edit(cfg, '/etc/haproxy/errors/gateway-doctor/', `${errors}/`);
    cfg = edit(cfg, 'bind :80', `bind 127.0.0.1:${port}`);
    cfg = edit(cfg, 'server app1 127.0.0.1:8080', `server app1 127.0.0.1:${appPort}`);
    cfg = edit(cfg, 'server assets1 127.0.0.1:8081', `server assets1 127.0.0.1:${assets.address().port}`);
    // A quick 504 for the test.
    cfg = edit(cfg, 'timeout server 30s', 'timeout server 1s');
    const cfgPath = path.join(dir, 'haproxy.cfg');
    await writeFile(cfgPath, cfg);
    const check = await runTool(haproxyBin, ['-c', '-f', cfgPath]);
    assert.equal(check.code, 0, `haproxy -c failed:\n${check.text}`);
    haproxy = startProcess('haproxy', haproxyBin, ['-db', '-f', cfgPath]);
    await waitForPort(port, haproxy);
    origin = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    await stopProcess(haproxy);
    await stopUpstream(upstream);
    await new Promise((resolve) => (assets ? assets.close(resolve) : resolve()));
    await removeScratch(dir);
  });

  test('the errorfiles are raw HTTP responses that fit the default buffer', async () => {
    for (const code of [502, 503, 504]) {
      const raw = await readFile(path.join(distDir(), `recipes/haproxy/errors/${code}.http`));
      assert.ok(raw.length <= 16384 - 1024, `${code}.http is ${raw.length} bytes`);
      const text = raw.toString('utf8');
      const [head, body] = text.split('\r\n\r\n', 2);
      assert.match(head, new RegExp(`^HTTP/1\\.1 ${code} `));
      const length = Number(head.match(/\r\nContent-Length: (\d+)/)?.[1]);
      assert.equal(length, Buffer.byteLength(body), 'Content-Length matches the body');
      assert.match(head, /\r\nCache-Control: no-store\r\n/);
    }
  });

  test('no server: 503 page; garbage: 502 page; too slow: 504 page; status kept each time', async () => {
    await withLogs([haproxy], async () => {
      assertErrorPage(await request(`${origin}/shop`), 503, HEADING_503);
      upstream = await startUpstream('garbage', { port: appPort });
      assertErrorPage(await request(`${origin}/shop`), 502, HEADING_502);
      await stopUpstream(upstream);
      upstream = await startUpstream('hang', { port: appPort });
      assertErrorPage(await request(`${origin}/shop`), 504, HEADING_504);
      await stopUpstream(upstream);
      upstream = undefined;
      assert.equal((await request(`${origin}/_gateway-doctor/alive`)).status, 204);
    });
  });

  test('in a browser the widget loads its assets through HAProxy and runs', async () => {
    const b = await openBrowser({ origin });
    try {
      await withLogs([haproxy], async () => {
        const res = await b.page.goto(`${origin}/shop`, { waitUntil: 'load', timeout: 15_000 });
        assert.equal(res.status(), 503);
        await b.page.waitForFunction(() => {
          const s = document.getElementById('gateway-doctor')?.dataset.state;
          return Boolean(s) && s !== 'static';
        }, null, { timeout: 10_000 });
        assert.deepEqual(b.consoleErrors, [], b.consoleLog.join('\n'));
      });
    } finally {
      await b.close();
    }
  });
});

describe('Kubernetes and Traefik recipes', { timeout: 60_000 }, () => {
  let dir;
  let nginx;
  let origin;
  const k8s = () => path.join(distDir(), 'recipes/kubernetes');

  before(async () => {
    const env = requireEnv();
    dir = await scratchDir('k8s');
    const pages = path.join(dir, 'pages');
    await mkdir(pages);
    for (const code of [502, 503, 504]) {
      for (const ext of ['html', 'json']) await cp(path.join(distDir(), `${code}.${ext}`), path.join(pages, `${code}.${ext}`));
    }
    const port = await freePort();
    let server = await readFile(path.join(k8s(), 'default-backend.nginx.conf'), 'utf8');
    server = edit(server, 'listen 8080;', `listen 127.0.0.1:${port};`);
    server = edit(server, 'root /usr/share/gateway-doctor;', `root ${pages};`);
    await writeFile(path.join(dir, 'default.conf'), server);
    await mkdir(path.join(dir, 'tmp'));
    const conf = `${IS_ROOT ? 'user root;\n' : ''}worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log notice;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path ${dir}/tmp; proxy_temp_path ${dir}/tmp; fastcgi_temp_path ${dir}/tmp;
    uwsgi_temp_path ${dir}/tmp; scgi_temp_path ${dir}/tmp;
    include ${dir}/default.conf;
}
`;
    const confPath = path.join(dir, 'nginx.conf');
    await writeFile(confPath, conf);
    nginx = await startNginxConf('nginx (default backend)', env.nginx, dir, confPath, port);
    origin = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    await stopProcess(nginx);
    await removeScratch(dir);
  });

  test('the manifests and the Traefik config are well-formed YAML (yamllint)', async () => {
    const yamllint = tool('GD_YAMLLINT', ['/usr/bin/yamllint'], 'yamllint');
    const files = [
      path.join(k8s(), 'gateway-doctor.yaml'),
      path.join(k8s(), 'ingress-example.yaml'),
      path.join(distDir(), 'recipes/traefik/gateway-doctor.yml'),
    ];
    const res = await runTool(yamllint, ['--strict', '-d', '{extends: relaxed, rules: {line-length: disable}}', ...files]);
    assert.equal(res.code, 0, `yamllint:\n${res.text}`);
  });

  test('the ConfigMap holds exactly this build’s pages and the backend config', async () => {
    // Debian's python3 has PyYAML whenever yamllint is installed (it depends on python3-yaml).
    const script = `
import json, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
print(json.dumps({d["kind"]: d for d in docs}))
`;
    const res = await runTool('/usr/bin/python3', ['-c', script, path.join(k8s(), 'gateway-doctor.yaml')]);
    assert.equal(res.code, 0, res.text);
    const kinds = JSON.parse(res.stdout);
    assert.deepEqual(Object.keys(kinds).sort(), ['ConfigMap', 'Deployment', 'Service']);
    const data = kinds.ConfigMap.data;
    assert.equal(data['default.conf'], await readFile(path.join(k8s(), 'default-backend.nginx.conf'), 'utf8'));
    for (const code of [502, 503, 504]) {
      assert.equal(data[`${code}.html`], await readFile(path.join(distDir(), `${code}.html`), 'utf8'), `${code}.html`);
      assert.deepEqual(JSON.parse(data[`${code}.json`]).status, code);
    }
    const mounted = kinds.Deployment.spec.template.spec.volumes.flatMap((v) => v.configMap?.items ?? []).map((i) => i.key);
    assert.deepEqual(mounted.sort(), Object.keys(data).sort(), 'every ConfigMap key is mounted');
  });

  test('the default backend answers with the status ingress-nginx asks for, as HTML or problem+json', async () => {
    await withLogs([nginx], async () => {
      const html = { accept: 'text/html' };
      assertErrorPage(await request(`${origin}/`, { headers: { ...html, 'x-code': '503', 'x-format': 'text/html' } }), 503, HEADING_503);
      assertErrorPage(await request(`${origin}/`, { headers: { 'x-code': '504', 'x-format': 'text/html,*/*' } }), 504, SINGLE_HEADING_504);
      assertErrorPage(await request(`${origin}/`, { headers: { 'x-code': '502' } }), 502, SINGLE_HEADING_502);
      const json = await request(`${origin}/`, { headers: { 'x-code': '504', 'x-format': 'application/json' } });
      assert.equal(json.status, 504);
      assert.equal(json.headers.get('content-type'), 'application/problem+json');
      assert.equal(JSON.parse(json.body).status, 504);
      assert.equal((await request(`${origin}/healthz`)).status, 200);
      assert.equal((await request(`${origin}/503.html`)).status, 404, 'the pages are internal');
    });
  });
});
