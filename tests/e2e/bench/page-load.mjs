// `cargo xtask bench page`: what a visitor waits for when the error page reaches them over a slow
// mobile link. The page is shown while infrastructure struggles, often to people on bad networks, and
// its weight budget exists for them; this measures the result in real headless Chromium instead of
// inferring it from byte counts.
//
// Deliveries:
//   nginx recipe      real nginx with the shipped snippet (tests/e2e/lib/harness.mjs), nothing
//                     listening upstream, so nginx answers 502 with the page; assets come as their .gz
//                     twins through gzip_static.
//   single file       dist/502.html served alone, gzip-encoded (-9) by a tiny server, as a CDN's
//                     custom error page is.
//   multilingual      dist/multilingual/502.html, likewise.
//
// Network profiles are applied through the DevTools protocol (Network.emulateNetworkConditions, cache
// off, CPU slowed down 4× as a phone's). Chromium throttles each request by itself: `latency` is added
// once per request and the body trickles at the given rate. It is not a real TCP connection (no
// handshake round trips, no congestion window growing from 10 packets), so on real networks the first
// bytes come later; compare deliveries and profiles with each other, not with a field measurement.
//
// Metrics per run, in ms from the start of navigation (performance.timeOrigin):
//   first paint     first-contentful-paint (Paint Timing)
//   guidance        the page's <h1> painted (Element Timing; the attribute is set the moment the
//                   parser inserts the heading, before it is first painted)
//   widget live     #gateway-doctor leaves data-state="static": the wasm widget has mounted and
//                   shows its status line (role=status, aria-live=polite) and the "Check now" button
//   bytes           encoded bodies (what came over the wire, compressed) of the document and every
//                   resource requested before the widget was live, not counting the widget's own checks
//                   (the page's URL again, /_gateway-doctor/alive), which belong to waiting, not loading.
//
// It lives in tests/e2e/bench/ because it is built from the e2e harness (nginx with the recipe, free
// ports, process clean-up on any exit) and the e2e node_modules (playwright-core, no browser download);
// its name does not end in .test.mjs, so the suite does not run it as a test. page-load.test.mjs runs
// its --quick mode as the suite's smoke check.
//
// Usage (normally through `cargo xtask bench page`, which builds the site and dist/ first and sets the
// environment): GD_XTASK_BIN=… GD_SITE_DIR=… GD_NGINX=… [GD_CHROMIUM=…] [GD_DIST_DIR=…]
//   node tests/e2e/bench/page-load.mjs [--runs N] [--quick] [--out FILE.json]

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

import { CHROMIUM_ARGS, freePort, requireEnv, startNginx, stopNginx } from '../lib/harness.mjs';
import { distDir } from '../lib/dist.mjs';

/** What the visitor's phone gets. Throughputs in kbit/s, as the presets are usually quoted. */
export const PROFILES = [
  { id: 'slow-3g', name: 'slow 3G', downKbps: 400, upKbps: 400, rttMs: 400, cpuSlowdown: 4 },
  { id: 'fast-3g', name: 'fast 3G', downKbps: 1600, upKbps: 750, rttMs: 150, cpuSlowdown: 4 },
  { id: '4g', name: '4G', downKbps: 9000, upKbps: 9000, rttMs: 60, cpuSlowdown: 4 },
  // The reference: loopback, no throttling, this machine's CPU. What is left is parsing, compiling
  // and running the widget.
  { id: 'unthrottled', name: 'unthrottled', downKbps: 0, upKbps: 0, rttMs: 0, cpuSlowdown: 1 },
];

export const DELIVERIES = [
  { id: 'nginx', name: 'nginx recipe (.gz twins)' },
  { id: 'single', name: 'single file 502.html (gzip)' },
  { id: 'multilingual', name: 'multilingual/502.html (gzip)' },
];

/** --quick: one run of each delivery on slow 3G (the case the weight budget is for). */
const QUICK_PROFILES = ['slow-3g'];

export const NOTE =
  "Network throttling is Chromium's own (DevTools protocol), applied per request: latency added once " +
  'per request, bodies at the given rate. It is not a real TCP connection (no handshake, no slow ' +
  'start), so real first bytes come later; compare rows with each other.';

const PAGE_PATH = '/shop/item?id=7';
// A run that takes longer than this is broken, not slow: the slowest cell (multilingual on slow 3G)
// takes a few seconds.
const RUN_TIMEOUT_MS = 60_000;
// The widget's own requests once it is up: checks of the page itself and the gateway self-check.
const SELF_CHECK_PATH = '/_gateway-doctor/alive';

// Installed before any of the page's scripts: records when the heading and the widget appear.
// A MutationObserver callback runs as a microtask after the insertion, so `headingInDom` is when the
// parser handed the heading over, and `widgetLive` when mount() had finished its first render.
function instrument() {
  const marks = {};
  window.__gdBench = marks;
  const root = () => document.getElementById('gateway-doctor');
  new MutationObserver((_, observer) => {
    const heading = document.querySelector('h1');
    if (heading && marks.headingInDom === undefined) {
      marks.headingInDom = performance.now();
      heading.setAttribute('elementtiming', 'gd-heading');
    }
    const state = root()?.dataset.state;
    if (state && state !== 'static' && marks.widgetLive === undefined) {
      marks.widgetLive = performance.now();
      marks.widgetState = state;
      marks.statusLine = Boolean(root().querySelector('[role="status"][aria-live="polite"]'));
      observer.disconnect();
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.identifier === 'gd-heading' && marks.headingPainted === undefined) {
        marks.headingPainted = entry.renderTime || entry.loadTime;
      }
    }
  }).observe({ type: 'element', buffered: true });
}

// ---------------------------------------------------------------------------------------------
// Servers

/** The single files, gzipped once (-9), served with their CSP from dist/csp.txt like a CDN would. */
async function startStaticServer(dist) {
  const csp = await readFile(path.join(dist, 'csp.txt'), 'utf8');
  const cspFor = (name) => {
    const section = csp.split(/^# /m).find((s) => s.startsWith(`${name}\n`));
    const line = section?.split('\n').find((l) => l.startsWith('Content-Security-Policy: '));
    if (!line) throw new Error(`csp.txt has no Content-Security-Policy line for ${name}`);
    return line.slice('Content-Security-Policy: '.length);
  };
  const files = {};
  for (const [prefix, name] of [['/single', '502.html'], ['/multilingual', 'multilingual/502.html']]) {
    const html = await readFile(path.join(dist, name));
    files[prefix] = { name, raw: html.length, gzip: gzipSync(html, { level: 9 }), csp: cspFor(name) };
  }
  const server = http.createServer((req, res) => {
    const prefix = Object.keys(files).find((p) => req.url.startsWith(`${p}/`));
    if (!prefix) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    const file = files[prefix];
    // Every request to the page's URL gets the error page again, the widget's checks included.
    res.writeHead(502, {
      'content-type': 'text/html; charset=utf-8',
      'content-encoding': 'gzip',
      'content-length': file.gzip.length,
      'cache-control': 'no-store',
      'content-security-policy': file.csp,
    });
    res.end(req.method === 'HEAD' ? undefined : file.gzip);
  });
  const port = await freePort();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const origin = `http://127.0.0.1:${port}`;
  return {
    files,
    urlFor: (delivery) => `${origin}/${delivery}${PAGE_PATH}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

// ---------------------------------------------------------------------------------------------
// One run

async function measureOnce(browser, url, profile) {
  const context = await browser.newContext();
  try {
    await context.addInitScript(instrument);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    if (profile.downKbps > 0) {
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: profile.rttMs,
        downloadThroughput: (profile.downKbps * 1000) / 8,
        uploadThroughput: (profile.upKbps * 1000) / 8,
      });
    }
    if (profile.cpuSlowdown > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: profile.cpuSlowdown });

    await page.goto(url, { waitUntil: 'commit', timeout: RUN_TIMEOUT_MS });
    try {
      await page.waitForFunction(() => window.__gdBench?.widgetLive !== undefined, null, {
        timeout: RUN_TIMEOUT_MS,
        polling: 50,
      });
    } catch (err) {
      const seen = await page.evaluate(() => JSON.stringify(window.__gdBench)).catch(() => '?');
      throw new Error(`${url} (${profile.name}): the widget did not come live (${err.message}); marks ${seen}; page errors: ${errors.join(' | ')}`);
    }
    // Element Timing reports the heading's paint after the frame that drew it.
    await page
      .waitForFunction(() => window.__gdBench.headingPainted !== undefined, null, { timeout: 2_000, polling: 50 })
      .catch(() => {});
    const raw = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      const pick = (e) => ({
        url: e.name,
        type: e.initiatorType ?? 'navigation',
        startTime: e.startTime,
        responseEnd: e.responseEnd,
        transferSize: e.transferSize,
        encodedBodySize: e.encodedBodySize,
        decodedBodySize: e.decodedBodySize,
      });
      return {
        marks: { ...window.__gdBench },
        firstContentfulPaint: fcp ? fcp.startTime : null,
        navigation: pick(nav),
        resources: performance.getEntriesByType('resource').map(pick),
      };
    });
    await cdp.detach().catch(() => {});
    return summarizeRun(raw, url);
  } finally {
    await context.close().catch(() => {});
  }
}

/** One run's numbers from what the page recorded. */
export function summarizeRun(raw, pageUrl) {
  const live = raw.marks.widgetLive;
  const isCheck = (entry) => {
    const { pathname } = new URL(entry.url);
    return entry.url === pageUrl || pathname === SELF_CHECK_PATH;
  };
  const loaded = [raw.navigation, ...raw.resources.filter((e) => e.startTime <= live && !isCheck(e))];
  const sum = (key) => loaded.reduce((total, e) => total + (e[key] || 0), 0);
  return {
    firstPaintMs: round(raw.firstContentfulPaint),
    headingInDomMs: round(raw.marks.headingInDom),
    guidancePaintedMs: round(raw.marks.headingPainted),
    widgetLiveMs: round(live),
    widgetState: raw.marks.widgetState,
    statusLine: raw.marks.statusLine,
    documentDoneMs: round(raw.navigation.responseEnd),
    requests: loaded.length,
    bodyBytes: sum('encodedBodySize'),
    transferBytes: sum('transferSize'),
    loaded: loaded.map((e) => ({
      url: e.url,
      type: e.type,
      startMs: round(e.startTime),
      doneMs: round(e.responseEnd),
      encodedBodySize: e.encodedBodySize,
    })),
  };
}

const round = (ms) => (typeof ms === 'number' ? Math.round(ms) : null);

function median(values) {
  const sorted = values.filter((v) => typeof v === 'number').sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
}

function maximum(values) {
  const numbers = values.filter((v) => typeof v === 'number');
  return numbers.length ? Math.max(...numbers) : null;
}

const METRICS = ['firstPaintMs', 'guidancePaintedMs', 'widgetLiveMs', 'documentDoneMs', 'bodyBytes', 'transferBytes', 'requests'];

function summarizeCell(runs) {
  return Object.fromEntries(
    METRICS.map((m) => [m, { median: median(runs.map((r) => r[m])), max: maximum(runs.map((r) => r[m])) }]),
  );
}

// ---------------------------------------------------------------------------------------------
// The benchmark

/**
 * Runs every delivery × profile `runs` times (--quick: once, slow 3G only) and returns the report
 * (also what page-load.json holds). `log` gets one line per finished cell.
 */
export async function runBench({ runs = 5, quick = false, profiles, deliveries, log = () => {} } = {}) {
  const env = requireEnv();
  const dist = distDir();
  const chosenProfiles = PROFILES.filter((p) =>
    profiles ? profiles.includes(p.id) : !quick || QUICK_PROFILES.includes(p.id),
  );
  const chosenDeliveries = DELIVERIES.filter((d) => !deliveries || deliveries.includes(d.id));
  const runsPerCell = quick ? 1 : runs;

  const staticServer = await startStaticServer(dist);
  let nginx;
  let browser;
  try {
    if (chosenDeliveries.some((d) => d.id === 'nginx')) {
      // Nothing listens on the upstream port, so nginx answers every page request with its 502 page.
      nginx = await startNginx({ upstreamPort: await freePort() });
    }
    const urls = {
      nginx: nginx && `${nginx.origin}${PAGE_PATH}`,
      single: staticServer.urlFor('single'),
      multilingual: staticServer.urlFor('multilingual'),
    };
    browser = await chromium.launch({ executablePath: env.chromium, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
    // One warm-up load, not kept: the first navigation of a fresh browser pays for starting its
    // network service and the like, which a visitor's browser has done long ago.
    await measureOnce(browser, urls.single, PROFILES.find((p) => p.id === 'unthrottled'));
    const cells = [];
    for (const profile of chosenProfiles) {
      for (const delivery of chosenDeliveries) {
        const results = [];
        for (let i = 0; i < runsPerCell; i++) results.push(await measureOnce(browser, urls[delivery.id], profile));
        const cell = { delivery: delivery.id, profile: profile.id, runs: results, summary: summarizeCell(results) };
        cells.push(cell);
        log(`${delivery.name}, ${profile.name}: widget live ${cell.summary.widgetLiveMs.median} ms (median of ${results.length})`);
      }
    }
    return {
      generated: new Date().toISOString(),
      chromium: browser.version(),
      note: NOTE,
      runsPerCell,
      quick,
      pagePath: PAGE_PATH,
      gzipBytes: {
        single: staticServer.files['/single'].gzip.length,
        multilingual: staticServer.files['/multilingual'].gzip.length,
      },
      profiles: chosenProfiles,
      deliveries: chosenDeliveries,
      cells,
    };
  } finally {
    await browser?.close().catch(() => {});
    await stopNginx(nginx);
    await staticServer.close();
  }
}

/** The report as a plain-text table (medians, max in parentheses), then the note. */
export function formatTable(report) {
  const kb = (bytes) => (bytes === null ? '–' : (bytes / 1000).toFixed(1));
  const ms = (v) => (v === null ? '–' : String(v));
  const pair = (s, f) => `${f(s.median)} (${f(s.max)})`;
  const header = ['delivery', 'network', 'first paint ms', 'guidance painted ms', 'widget live ms', 'KB over the wire', 'requests'];
  const rows = report.cells.map((cell) => {
    const profile = report.profiles.find((p) => p.id === cell.profile);
    const delivery = report.deliveries.find((d) => d.id === cell.delivery);
    const s = cell.summary;
    return [
      delivery.name,
      profile.name + (profile.cpuSlowdown > 1 ? `, CPU ÷${profile.cpuSlowdown}` : ''),
      pair(s.firstPaintMs, ms),
      pair(s.guidancePaintedMs, ms),
      pair(s.widgetLiveMs, ms),
      kb(s.bodyBytes.median),
      ms(s.requests.median),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const profiles = report.profiles
    .map((p) =>
      p.downKbps > 0
        ? `${p.name}: ${p.downKbps} kbit/s down, ${p.upKbps} kbit/s up, ${p.rttMs} ms latency, CPU slowed ${p.cpuSlowdown}×`
        : `${p.name}: loopback, no network throttling, CPU not slowed`,
    )
    .join('\n  ');
  return [
    `Page load as a visitor sees it: median (max) of ${report.runsPerCell} run(s) per row, headless Chromium ${report.chromium}`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    'first paint: first-contentful-paint; guidance painted: the <h1> painted (Element Timing); widget live:',
    '#gateway-doctor left data-state="static" (status line up); KB: encoded bodies loaded before that.',
    `Profiles:\n  ${profiles}`,
    `Note: ${report.note}`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Command line

function parseArgs(argv) {
  const options = { runs: 5, quick: false, out: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') options.quick = true;
    else if (arg === '--runs' || arg === '--out') {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      if (arg === '--out') options.out = value;
      else {
        options.runs = Number(value);
        if (!Number.isInteger(options.runs) || options.runs < 1) throw new Error(`--runs wants a whole number ≥ 1, not ${value}`);
      }
    } else throw new Error(`unknown option ${arg} (--runs N, --quick, --out FILE)`);
  }
  return options;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const options = parseArgs(process.argv.slice(2));
  const report = await runBench({ ...options, log: (line) => console.error(`page-load: ${line}`) });
  console.log(formatTable(report));
  if (options.out) {
    await mkdir(path.dirname(path.resolve(options.out)), { recursive: true });
    await writeFile(options.out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwritten: ${options.out}`);
  }
}
