// The npm package as a user meets it: `npm pack` dist/npm, install the tarball into a Vite app,
// `vite build` a custom error page that uses mount(), diagnose() and <gateway-doctor>, type-check it
// with tsc, then serve the built page as nginx's 502 page (the shipped snippet, a failing upstream)
// and watch it work in headless Chromium — until the application comes back and the page reloads.
//
// Vite and TypeScript come from the npm registry once and are cached in target/e2e-npm/ (the
// scratch app's node_modules), so later runs only install the fresh tarball, offline.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { distDir, REPO, runTool } from './lib/dist.mjs';
import {
  freePort,
  openBrowser,
  removeScratchDir,
  requireEnv,
  scratchDir,
  startNginx,
  startUpstream,
  stopNginx,
  stopUpstream,
  widgetMounted,
  withReport,
} from './lib/harness.mjs';

// Pinned: the cache below is keyed by these versions.
const VITE = '7.3.8';
const TYPESCRIPT = '5.9.3';
const CACHE = path.join(REPO, 'target', 'e2e-npm');
const STAMP = path.join(CACHE, 'node_modules', '.gateway-doctor-e2e-stamp');
const VERDICTS = [
  'visitor-offline', 'visitor-network', 'gateway-down', 'app-down', 'app-overloaded',
  'maintenance', 'known-incident', 'blocked', 'recovered', 'unknown',
];

// The operator's custom error page, built with Vite. nginx serves it as /_gateway-doctor/502.html
// with SSI on, so the request line meta below is filled in exactly as in the shipped page.
const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="gateway-doctor:request" content="<!--# echo var='request' default='' -->">
<title>Vite Shop is having trouble</title>
<script type="module" src="./main.ts"></script>
</head>
<body>
<h1>Vite Shop will be right back</h1>
<div id="gateway-doctor"></div>
<gateway-doctor id="element"><script type="application/json">{"retry": {"initialDelayMs": 500}, "notAKey": 1}</script></gateway-doctor>
</body>
</html>
`;

// Typed like a TypeScript user would write it; tsc checks it, Vite strips the types.
// With `?spa` in the URL the page plays a single-page app's error view that the tests drive: the
// widget comes and goes on demand (window.spa), and the element in the HTML is removed at once,
// before the WebAssembly is ready, so it must never start.
const MAIN_TS = `import { diagnose, locales, mount, type Config, type Diagnosis, type HopName, type MountedWidget } from 'gateway-doctor';

if (new URLSearchParams(location.search).has('spa')) {
  const staticElement = document.querySelector('gateway-doctor');
  staticElement?.remove();
  const target = document.getElementById('gateway-doctor');
  if (!target) throw new Error('no #gateway-doctor');
  // Each widget polls the health endpoint with its own marker, so the tests can tell them apart.
  const health = (from: string): Config => ({
    healthUrl: '/_gateway-doctor/health?from=' + from,
    retry: { initialDelayMs: 300, maxDelayMs: 600 },
    reloadSpreadMs: 0,
  });
  let widget: MountedWidget | undefined;
  Object.assign(window, {
    staticElement,
    spa: {
      health,
      // What React's strict mode does with the README's useEffect: mount, clean up, mount again.
      async strictMode() {
        const first = new AbortController();
        void mount(target, health('mount'), { signal: first.signal });
        first.abort();
        widget = await mount(target, health('mount'));
      },
      async mount() {
        widget = await mount(target, health('mount'));
      },
      unmount() {
        widget?.unmount();
      },
    },
  });
} else {
  const config: Config = { retry: { initialDelayMs: 500, maxDelayMs: 1000 }, reloadSpreadMs: 0 };
  const widget = document.getElementById('gateway-doctor');
  if (!widget) throw new Error('no #gateway-doctor');
  await mount(widget, config);

  const element = document.querySelector('gateway-doctor');
  await element?.mounted;
  element?.setAttribute('data-mounted', '');

  const result: Diagnosis = await diagnose({ probeTimeoutMs: 3000 });
  const application: HopName = result.hops[3].hop;
  Object.assign(window, { diagnosis: result, application, locales });
}

if (Math.random() > 2) {
  // @ts-expect-error: the types know the jitter choices (this must stay an error)
  const wrong: Config = { retry: { jitter: 'sometimes' } };
  console.log(wrong);
}
`;

const VITE_CONFIG = `export default {
  base: '/_gateway-doctor/',
  // For \`vite dev\` (see the package README); harmless for \`vite build\`.
  optimizeDeps: { exclude: ['gateway-doctor'] },
};
`;

const TSCONFIG = JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'bundler',
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: [],
    },
    files: ['main.ts'],
  },
  null,
  2,
);

async function run(command, args, options) {
  const result = await runTool(command, args, { timeoutMs: 120_000, ...options });
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.code}):\n${result.text}`);
  return result.stdout;
}

/** Vite and TypeScript in target/e2e-npm, from the registry only when the pinned versions changed. */
async function ensureToolchain() {
  const want = `vite@${VITE} typescript@${TYPESCRIPT}`;
  if (existsSync(STAMP) && (await readFile(STAMP, 'utf8')) === want) return;
  await mkdir(CACHE, { recursive: true });
  await writeFile(
    path.join(CACHE, 'package.json'),
    JSON.stringify({ name: 'gateway-doctor-e2e-vite-app', private: true, type: 'module' }, null, 2),
  );
  await rm(path.join(CACHE, 'package-lock.json'), { force: true });
  await run('npm', ['install', '--no-audit', '--no-fund', '--save-exact', `vite@${VITE}`, `typescript@${TYPESCRIPT}`], {
    cwd: CACHE,
  });
  await writeFile(STAMP, want);
}

describe('npm package in a Vite app', { timeout: 90_000 }, () => {
  let appDir;
  let outDir;
  let packDir;
  let nginx;
  let upstream;
  let upstreamPort;
  let typecheck;
  const browsers = [];

  before(async () => {
    requireEnv();
    const npmDir = path.join(distDir(), 'npm');
    assert.ok(existsSync(path.join(npmDir, 'package.json')), `${npmDir} is missing: run \`cargo xtask dist\``);
    packDir = await scratchDir('gd-e2e-npm-pack-');
    const [packed] = await Promise.all([
      run('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: npmDir }),
      ensureToolchain(),
    ]);
    const tarball = path.join(packDir, JSON.parse(packed)[0].filename);

    // A fresh copy of the package every run (same version number, new contents), no registry.
    await rm(path.join(CACHE, 'node_modules', 'gateway-doctor'), { recursive: true, force: true });
    await run('npm', ['install', '--no-save', '--offline', '--no-audit', '--no-fund', tarball], { cwd: CACHE });

    appDir = path.join(CACHE, `app-${process.pid}`);
    await mkdir(appDir, { recursive: true });
    await writeFile(path.join(appDir, 'index.html'), INDEX_HTML);
    await writeFile(path.join(appDir, 'main.ts'), MAIN_TS);
    await writeFile(path.join(appDir, 'vite.config.js'), VITE_CONFIG);
    await writeFile(path.join(appDir, 'tsconfig.json'), TSCONFIG);
    outDir = await scratchDir('gd-e2e-npm-site-');
    const bin = (name) => path.join(CACHE, 'node_modules', '.bin', name);
    [typecheck] = await Promise.all([
      runTool(bin('tsc'), ['-p', 'tsconfig.json'], { cwd: appDir, timeoutMs: 60_000 }),
      run(bin('vite'), ['build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: appDir }),
    ]);
    // What the shipped nginx snippet serves as the error page.
    await writeFile(path.join(outDir, '502.html'), await readFile(path.join(outDir, 'index.html')));

    upstreamPort = await freePort(); // nothing listens until the recovery test starts the app
    nginx = await startNginx({ upstreamPort, siteDir: outDir });
  });

  after(async () => {
    for (const b of browsers) await b.close();
    await stopUpstream(upstream);
    await stopNginx(nginx);
    if (appDir) await rm(appDir, { recursive: true, force: true });
    await removeScratchDir(outDir);
    await removeScratchDir(packDir);
  });

  const withLogs = (fn) => withReport({ nginx, browsers }, fn);

  test('the package is an ES module with types, the wasm and the language bundles', async () => {
    const pkg = JSON.parse(await readFile(path.join(CACHE, 'node_modules', 'gateway-doctor', 'package.json'), 'utf8'));
    const cargo = await readFile(path.join(REPO, 'Cargo.toml'), 'utf8');
    assert.equal(pkg.name, 'gateway-doctor');
    assert.equal(pkg.version, cargo.match(/^version = "([^"]+)"/m)[1], 'the version comes from Cargo.toml');
    assert.equal(pkg.type, 'module');
    assert.equal(pkg.types, './index.d.ts');
    assert.deepEqual(pkg.sideEffects, ['./index.js']);
    for (const file of ['index.js', 'index.d.ts', 'README.md', 'gateway_doctor_bg.wasm', 'locales/en.js', 'locales/de.js']) {
      assert.ok(existsSync(path.join(CACHE, 'node_modules', 'gateway-doctor', file)), `${file} is not in the tarball`);
    }
  });

  test('TypeScript accepts a typed consumer and rejects a wrong config', () => {
    assert.equal(typecheck.code, 0, `tsc --noEmit failed:\n${typecheck.text}`);
  });

  test('vite build emits the wasm as an asset and every language as its own chunk', async () => {
    const html = await readFile(path.join(outDir, 'index.html'), 'utf8');
    assert.match(html, /<script type="module" crossorigin src="\/_gateway-doctor\/assets\/[^"]+\.js">/);
    const assets = await readdir(path.join(outDir, 'assets'));
    assert.ok(assets.some((f) => f.endsWith('.wasm')), `no .wasm among ${assets}`);
    // English is in the main chunk; German is a separate chunk only fetched when asked for.
    assert.ok(assets.some((f) => /^de-.*\.js$/.test(f)), `no German chunk among ${assets}`);
  });

  test('served as the 502 page: mount(), <gateway-doctor> and diagnose() work under the strict CSP', async () => {
    await withLogs(async () => {
      const b = await openBrowser({ origin: nginx.origin });
      browsers.push(b);
      const violations = [];
      b.page.on('console', (msg) => {
        if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
      });
      const res = await b.page.goto(nginx.origin + '/shop/cart', { waitUntil: 'load' });
      assert.equal(res.status(), 502);
      assert.match(await b.page.title(), /Vite Shop/);

      // mount(): the widget is drawn and waiting for the application.
      await widgetMounted(b.page);
      const widgetState = await b.page.getAttribute('#gateway-doctor', 'data-state');
      assert.match(widgetState, /^(waiting|checking|following)$/);
      assert.ok(await b.page.locator('#gateway-doctor [data-gd="status"]').textContent());
      // The default look is applied (a constructed sheet, allowed by the CSP).
      const border = await b.page.locator('#gateway-doctor').evaluate((el) => getComputedStyle(el).borderInlineStartWidth);
      assert.equal(border, '4px');

      // <gateway-doctor>: mounted from its own JSON block, whose unknown key is reported.
      await b.page.waitForSelector('gateway-doctor[data-mounted]', { timeout: 10_000 });
      const state = await b.page.getAttribute('gateway-doctor', 'data-state');
      assert.ok(state && state !== 'static', `element state ${state}`);
      assert.ok(
        b.consoleLog.some((line) => line.includes('gateway-doctor config: `notAKey`')),
        'the element config did not reach the widget',
      );

      // diagnose(): a typed report with a verdict.
      const diagnosis = await b.page.waitForFunction(() => window.diagnosis, null, { timeout: 15_000 });
      const result = await diagnosis.jsonValue();
      assert.ok(VERDICTS.includes(result.verdict), `verdict ${result.verdict}`);
      assert.equal(result.verdict, 'app-down', 'the gateway answers, the application does not');
      assert.deepEqual(result.hops.map((h) => h.hop), ['you', 'network', 'gateway', 'application']);
      assert.equal(result.hops[3].result, 'failed');
      assert.ok(Array.isArray(result.steps) && result.steps.length > 0);
      assert.equal(typeof result.report, 'string');
      assert.ok(result.evidence.probes.some((p) => p.target === 'page' && p.status === 502));
      // The shape index.d.ts promises: plain objects, null (not undefined) for what is missing.
      assert.deepEqual(Object.keys(result).sort(), ['evidence', 'hops', 'report', 'steps', 'verdict']);
      assert.deepEqual(Object.keys(result.evidence).sort(), ['alternateUp', 'incident', 'online', 'probes', 'reasons']);
      assert.equal(typeof result.evidence.online, 'boolean');
      assert.equal(result.evidence.incident, null);
      assert.equal(result.evidence.alternateUp, null);
      assert.ok(result.evidence.reasons.every((r) => typeof r === 'string' && r.length > 0));
      for (const probe of result.evidence.probes) {
        assert.deepEqual(Object.keys(probe).sort(), ['errorPage', 'ms', 'outcome', 'retryAfter', 'status', 'target'], JSON.stringify(probe));
        assert.ok(probe.status === null || Number.isInteger(probe.status), JSON.stringify(probe));
        assert.ok(Number.isInteger(probe.ms) && typeof probe.errorPage === 'boolean', JSON.stringify(probe));
      }
      assert.ok((await b.page.evaluate(() => window.locales)).includes('de'));

      assert.deepEqual(violations, []);
      assert.deepEqual(b.consoleErrors, []);
    });
  });

  /** Records the page's requests: every fetch() and the health checks of one widget's marker. */
  function watchRequests(page, from) {
    const seen = { fetches: 0, health: 0 };
    page.on('request', (request) => {
      if (request.resourceType() === 'fetch') seen.fetches += 1;
      if (request.url().includes('/_gateway-doctor/health?from=' + from)) seen.health += 1;
    });
    return seen;
  }

  async function until(page, what, done, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await page.waitForTimeout(50);
    }
  }

  test('<gateway-doctor> removed from the document stops probing; moved, it keeps running; added back, it mounts again', async () => {
    await withLogs(async () => {
      const b = await openBrowser({ origin: nginx.origin });
      browsers.push(b);
      const seen = watchRequests(b.page, 'element');
      const res = await b.page.goto(nginx.origin + '/shop/cart?spa', { waitUntil: 'load' });
      assert.equal(res.status(), 502);
      await b.page.waitForFunction(() => window.spa, null, { timeout: 10_000 });

      await b.page.evaluate(() => {
        const el = document.createElement('gateway-doctor');
        el.id = 'added';
        el.setAttribute('config', JSON.stringify(window.spa.health('element')));
        window.mountedEvents = 0;
        el.addEventListener('gateway-doctor:mounted', () => (window.mountedEvents += 1));
        document.body.append(el);
      });
      await until(b.page, 'the element checks twice', () => seen.health >= 2);
      const parts = () => b.page.evaluate(() => document.getElementById('added')?.querySelectorAll('[data-gd="status"]').length);
      assert.equal(await parts(), 1);

      // The element of the HTML, removed while the WebAssembly loaded, never started.
      const untouched = await b.page.evaluate(() => {
        const el = window.staticElement;
        return {
          block: Boolean(el.querySelector('script[type="application/json"]')),
          parts: el.querySelectorAll('[data-gd]').length,
          attributes: el.getAttributeNames(),
        };
      });
      assert.deepEqual(untouched, { block: true, parts: 0, attributes: ['id'] });

      // Moved within the document: the same widget keeps running (not mounted a second time).
      await b.page.evaluate(() => document.body.prepend(document.getElementById('added')));
      const afterMove = seen.health;
      await until(b.page, 'the moved element checks again', () => seen.health > afterMove);
      assert.equal(await parts(), 1);
      assert.equal(await b.page.evaluate(() => window.mountedEvents), 1);

      // Removed: it stops, and the element is handed back empty.
      await b.page.evaluate(() => {
        window.removed = document.getElementById('added');
        window.removed.remove();
      });
      await b.page.waitForTimeout(200); // a request already on the wire when it was removed
      const quiet = { ...seen };
      await b.page.waitForTimeout(3_000); // a running widget checks every 0.3-0.6 s
      assert.deepEqual(seen, quiet, 'requests after the element was removed');
      const removed = await b.page.evaluate(() => ({
        children: window.removed.childElementCount,
        state: window.removed.getAttribute('data-state'),
        styled: window.removed.hasAttribute('data-gd-widget'),
      }));
      assert.deepEqual(removed, { children: 0, state: null, styled: false });

      // Added back: one widget again, with the config it had (its health marker), checking again.
      await b.page.evaluate(() => document.body.append(window.removed));
      await until(b.page, 'the re-added element checks', () => seen.health > quiet.health);
      assert.equal(await parts(), 1);
      assert.equal(await b.page.evaluate(() => window.mountedEvents), 2);
      await b.page.evaluate(() => window.removed.remove());
      assert.deepEqual(b.consoleErrors, []);
    });
  });

  test('mount() then unmount(): nothing is sent any more and a recovering site does not reload the app; mounted again, it does', async () => {
    // Its own nginx and application port: this test brings the application up.
    const port = await freePort();
    const gateway = await startNginx({ upstreamPort: port, siteDir: outDir });
    let app;
    try {
      await withReport({ nginx: gateway, browsers }, async () => {
        const b = await openBrowser({ origin: gateway.origin });
        browsers.push(b);
        const seen = watchRequests(b.page, 'mount');
        const navigations = [];
        b.page.on('framenavigated', (frame) => frame === b.page.mainFrame() && navigations.push(frame.url()));
        const res = await b.page.goto(gateway.origin + '/shop/cart?spa', { waitUntil: 'load' });
        assert.equal(res.status(), 502);
        await b.page.waitForFunction(() => window.spa, null, { timeout: 10_000 });
        navigations.length = 0;

        // React strict mode: mount, abort, mount again: one widget.
        await b.page.evaluate(() => window.spa.strictMode());
        assert.equal(await b.page.locator('#gateway-doctor [data-gd="status"]').count(), 1);
        await until(b.page, 'the widget checks the health endpoint twice', () => seen.health >= 2);

        await b.page.evaluate(() => {
          window.stillHere = true;
          window.spa.unmount();
        });
        const host = await b.page.evaluate(() => {
          const el = document.getElementById('gateway-doctor');
          return { children: el.childNodes.length, attributes: el.getAttributeNames() };
        });
        assert.deepEqual(host, { children: 0, attributes: ['id'] }, 'the element is not handed back as it was');
        await b.page.waitForTimeout(200); // a request already on the wire
        const quiet = { ...seen };

        // The application comes back. A mounted widget would see it within a second and reload.
        app = await startUpstream('up', { port });
        await b.page.waitForTimeout(4_000);
        assert.deepEqual(seen, quiet, 'requests after unmount');
        assert.deepEqual(navigations, [], 'the page navigated after unmount');
        assert.equal(await b.page.evaluate(() => window.stillHere), true);

        // Mounted again, the widget sees the application back and reloads into it.
        await b.page.evaluate(() => window.spa.mount());
        await b.page.waitForFunction(() => document.querySelector('h1')?.textContent.includes('demo application is up'), null, {
          timeout: 20_000,
        });
        assert.ok(seen.health > quiet.health);
        assert.deepEqual(b.consoleErrors, []);
      });
    } finally {
      await stopUpstream(app);
      await stopNginx(gateway);
    }
  });

  test('when the application comes back, the page built with the package reloads into it', async () => {
    await withLogs(async () => {
      const b = await openBrowser({ origin: nginx.origin });
      browsers.push(b);
      await b.page.goto(nginx.origin + '/shop/cart', { waitUntil: 'load' });
      await widgetMounted(b.page);
      upstream = await startUpstream('up', { port: upstreamPort });
      await b.page.waitForFunction(() => document.querySelector('h1')?.textContent.includes('demo application is up'), null, {
        timeout: 20_000,
      });
      assert.equal(new URL(b.page.url()).pathname, '/shop/cart');
    });
  });
});
