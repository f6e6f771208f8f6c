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
const MAIN_TS = `import { diagnose, locales, mount, type Config, type Diagnosis, type HopName } from 'gateway-doctor';

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
      assert.ok((await b.page.evaluate(() => window.locales)).includes('de'));

      assert.deepEqual(violations, []);
      assert.deepEqual(b.consoleErrors, []);
    });
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
