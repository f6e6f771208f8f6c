// Helpers for the end-to-end tests: free ports, the xtask demo upstream, nginx with the shipped
// snippet, and headless Chromium through playwright-core (which never downloads a browser here).
//
// Every process is started in its own process group and remembered, so `after` hooks, failures,
// Ctrl+C and even an abrupt exit of the test process leave nothing running.

import { spawn, execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import net from 'node:net';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const ENV_HELP = {
  GD_XTASK_BIN: 'the built xtask binary (provides `upstream` and `nginx-conf`)',
  GD_SITE_DIR: 'the assembled site directory (target/site from `cargo xtask build`)',
  GD_NGINX: 'the nginx binary, e.g. /usr/sbin/nginx',
};

/** The environment the tests need; throws one clear message naming every missing variable. */
export function requireEnv() {
  const missing = Object.keys(ENV_HELP).filter((name) => !process.env[name]);
  if (missing.length > 0) {
    const lines = missing.map((name) => `  ${name}: ${ENV_HELP[name]}`);
    throw new Error(
      'gateway-doctor e2e: missing environment variables (normally set by `cargo xtask test`):\n' +
        lines.join('\n') +
        '\n  GD_CHROMIUM (optional): the Chromium binary, default /usr/bin/chromium',
    );
  }
  return {
    xtask: process.env.GD_XTASK_BIN,
    siteDir: path.resolve(process.env.GD_SITE_DIR),
    nginx: process.env.GD_NGINX,
    chromium: process.env.GD_CHROMIUM || '/usr/bin/chromium',
  };
}

// ---------------------------------------------------------------------------------------------
// Processes

const running = new Set();
const scratchDirs = new Set();

function hasExited(child) {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Signals the child's whole process group (nginx workers too). */
function killGroup(child, signal) {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone (ESRCH).
  }
}

// Last resort if a test process ends without its `after` hooks (crash, Ctrl+C, runner timeout).
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const child of running) killGroup(child, 'SIGKILL');
    process.exit(128 + os.constants.signals[signal]);
  });
}

/** Spawns a tracked child in its own process group and keeps its output for error messages. */
export function startProcess(name, command, args, options = {}) {
  const child = spawn(command, args, {
    ...options,
    detached: true, // own process group, so killGroup reaches grandchildren
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const handle = { name, child, output: '' };
  const keep = (chunk) => {
    handle.output += chunk.toString();
    if (handle.output.length > 64 * 1024) handle.output = handle.output.slice(-32 * 1024);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  handle.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
    child.once('error', (err) => {
      running.delete(child);
      handle.output += `\n[spawn error] ${err.message}`;
      resolve({ code: null, signal: null, error: err });
    });
  });
  running.add(child);
  return handle;
}

export function isRunning(handle) {
  return !hasExited(handle.child) && running.has(handle.child);
}

/** Sends `signal` and waits for the exit; escalates to SIGKILL after `timeoutMs`. */
export async function stopProcess(handle, { signal = 'SIGTERM', timeoutMs = 5000 } = {}) {
  if (!handle) return undefined;
  if (!isRunning(handle)) {
    if (!handle.swept) killGroup(handle.child, 'SIGKILL'); // stragglers of a leader that died alone
    handle.swept = true;
    return handle.exited;
  }
  killGroup(handle.child, signal);
  const timer = setTimeout(() => killGroup(handle.child, 'SIGKILL'), timeoutMs);
  try {
    return await handle.exited;
  } finally {
    clearTimeout(timer);
    // Workers or helpers left in the group (e.g. after the leader was killed) go too.
    killGroup(handle.child, 'SIGKILL');
    handle.swept = true;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A fresh temp directory, removed by removeScratchDir() or, at the latest, when the test process exits.
 * Readable by nginx workers when the tests run as root.
 */
export async function scratchDir(prefix = 'gd-e2e-') {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  scratchDirs.add(dir);
  await chmod(dir, 0o755);
  return dir;
}

export async function removeScratchDir(dir) {
  if (!dir) return;
  await rm(dir, { recursive: true, force: true });
  scratchDirs.delete(dir);
}

/**
 * A copy of the assembled site whose 502.html carries `config` in its JSON config block, exactly as an
 * operator would edit it. Returns the directory (pass it to startNginx as `siteDir`).
 */
/** `config` is written as JSON; a string is written as it is (to test a block that is not JSON). */
export async function siteWithConfig(config) {
  const env = requireEnv();
  const dir = await scratchDir('gd-e2e-site-');
  await cp(env.siteDir, dir, { recursive: true });
  const page = path.join(dir, '502.html');
  const html = await readFile(page, 'utf8');
  const block = /(<script type="application\/json" id="gateway-doctor-config">)[\s\S]*?(<\/script>)/;
  if (!block.test(html)) throw new Error(`siteWithConfig: no config block in ${page}`);
  const text = typeof config === 'string' ? config : JSON.stringify(config);
  await writeFile(page, html.replace(block, (_, open, close) => open + text + close));
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Ports

/** A TCP port on 127.0.0.1 that was free a moment ago. */
// Ports already handed out in this process. A port is free again the moment its probe closes, so
// the kernel may offer it twice: a dead upstream's port (nothing listens there on purpose) handed to
// nginx as well made nginx proxy to itself.
const handedOut = new Set();

export async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const server = net.createServer();
      server.unref();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port: given } = server.address();
        server.close(() => resolve(given));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

export function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Resolves once 127.0.0.1:port accepts connections; rejects if `handle` exits first or on timeout. */
async function waitForPort(port, handle, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (handle && !isRunning(handle)) {
      throw new Error(`${handle.name} exited before listening on 127.0.0.1:${port}:\n${handle.output}`);
    }
    if (await canConnect(port)) return;
    await sleep(50);
  }
  throw new Error(`${handle ? handle.name : 'server'} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms:\n${handle ? handle.output : ''}`);
}

// ---------------------------------------------------------------------------------------------
// The demo upstream (`xtask upstream`)

/**
 * Starts `xtask upstream --mode MODE` on 127.0.0.1:`opts.port` (a fresh port if not given).
 * Options: upSecs, downSecs, status, retryAfter, bodyFile (status-page mode), timeoutMs, stats. For every mode except `cycle`
 * (which starts with its listener closed) it waits until the port accepts connections.
 * With `stats: true` the upstream counts what reaches it into a file: read it with upstreamStats().
 */
export async function startUpstream(mode, opts = {}) {
  const env = requireEnv();
  const port = opts.port ?? (await freePort());
  const args = ['upstream', '--listen', `127.0.0.1:${port}`, '--mode', mode];
  if (opts.upSecs !== undefined) args.push('--up-secs', String(opts.upSecs));
  if (opts.downSecs !== undefined) args.push('--down-secs', String(opts.downSecs));
  if (opts.status !== undefined) args.push('--status', String(opts.status));
  if (opts.retryAfter !== undefined) args.push('--retry-after', String(opts.retryAfter));
  if (opts.bodyFile !== undefined) args.push('--body-file', opts.bodyFile);
  let statsDir;
  if (opts.stats) {
    statsDir = await scratchDir('gd-e2e-upstream-');
    args.push('--stats', path.join(statsDir, 'stats.json'));
  }
  const handle = startProcess(`xtask upstream (${mode})`, env.xtask, args);
  handle.port = port;
  handle.mode = mode;
  handle.statsDir = statsDir;
  handle.statsPath = statsDir && path.join(statsDir, 'stats.json');
  const timeoutMs = opts.timeoutMs ?? 10000;
  try {
    if (mode === 'cycle') {
      // Nothing listens during the first "down" phase; wait for the first transition line instead.
      const deadline = Date.now() + timeoutMs;
      while (!handle.output.trim() && isRunning(handle) && Date.now() < deadline) await sleep(50);
      if (!isRunning(handle)) throw new Error(`${handle.name} exited early:\n${handle.output}`);
    } else {
      await waitForPort(port, handle, timeoutMs);
    }
  } catch (err) {
    await stopProcess(handle, { signal: 'SIGKILL' });
    await removeScratchDir(statsDir);
    throw err;
  }
  return handle;
}

/**
 * What an upstream started with `stats: true` has received so far (or in total, once stopped):
 * { connections, requests, by_request: { 'GET /path': n, ... } }. The file is rewritten within ~50 ms
 * of a change, and a last time when the upstream stops (SIGTERM).
 */
export async function upstreamStats(handle) {
  if (!handle?.statsPath) throw new Error('upstreamStats: the upstream was not started with { stats: true }');
  return JSON.parse(await readFile(handle.statsPath, 'utf8'));
}

/** Stops the upstream the polite way (SIGTERM) and waits for it to exit. Safe to call twice. */
export async function stopUpstream(handle, opts = {}) {
  return stopProcess(handle, { signal: 'SIGTERM', ...opts });
}

/** A real fault: SIGKILL, as if the application crashed. Its listener vanishes at once. */
export async function killUpstream(handle) {
  return stopProcess(handle, { signal: 'SIGKILL' });
}

// ---------------------------------------------------------------------------------------------
// nginx with the shipped snippet (`xtask nginx-conf`)

function run(command, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${path.basename(command)} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      } else {
        resolve(stdout);
      }
    });
  });
}

async function findLogs(dir) {
  const found = [];
  const walk = async (d) => {
    for (const entry of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (entry.name.endsWith('.log')) found.push(p);
    }
  };
  await walk(dir);
  return found;
}

/** nginx's own logs (error.log etc.) from its scratch directory, for failure messages. */
export async function nginxLogs(handle) {
  if (!handle) return '';
  let text = handle.output ? `--- nginx stderr ---\n${handle.output}\n` : '';
  for (const file of await findLogs(handle.dir)) {
    const body = await readFile(file, 'utf8').catch(() => '');
    if (body.trim()) text += `--- ${file} ---\n${body.slice(-8000)}\n`;
  }
  return text;
}

/**
 * Runs `fn`; if it fails, appends what to read first to the error (message and stack, since the
 * reporter prints the stack): every browser's console, the processes' output (upstreams) and
 * nginx's logs.
 */
export async function withReport({ nginx, browsers = [], processes = [] }, fn) {
  try {
    await fn();
  } catch (err) {
    let report = '';
    for (const b of browsers) report += `\n--- browser console ---\n${b.consoleLog.join('\n')}`;
    for (const p of processes) report += `\n--- ${p.name} ---\n${p.output}`;
    report += `\n${await nginxLogs(nginx)}`;
    err.message += report;
    if (typeof err.stack === 'string') err.stack += report;
    throw err;
  }
}

/**
 * Renders the config with `xtask nginx-conf` into a fresh temp dir and runs nginx in the foreground.
 * `extraConf` (a string) is written to a file and included inside the server block; `siteDir` replaces
 * GD_SITE_DIR (e.g. a copy from siteWithConfig()); `snippet` replaces the shipped
 * www/recipes/nginx/gateway-doctor.conf (e.g. a copy edited as an operator would).
 * Returns { origin, port, dir, confPath, ... } for stopNginx().
 */
export async function startNginx({ upstreamPort, extraConf, port, siteDir, snippet, timeoutMs = 10000 } = {}) {
  const env = requireEnv();
  if (!upstreamPort) throw new Error('startNginx: upstreamPort is required');
  const listen = port ?? (await freePort());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gd-e2e-nginx-'));
  scratchDirs.add(dir);
  // When the tests run as root, nginx workers run as an unprivileged user: they must be able
  // to enter this directory (temp files, the rendered snippet).
  await chmod(dir, 0o755);
  const args = [
    'nginx-conf',
    '--listen', `127.0.0.1:${listen}`,
    '--upstream', `127.0.0.1:${upstreamPort}`,
    '--site', siteDir ?? env.siteDir,
    '--out', dir,
  ];
  if (snippet !== undefined) args.push('--snippet', snippet);
  if (extraConf !== undefined) {
    const extraPath = path.join(dir, 'extra.conf');
    await writeFile(extraPath, extraConf);
    args.push('--extra', extraPath);
  }
  let handle;
  try {
    const stdout = await run(env.xtask, args, 30000);
    const printed = stdout.trim().split('\n').pop()?.trim();
    const confPath = printed && printed.endsWith('.conf') ? path.resolve(printed) : path.join(dir, 'nginx.conf');
    // `-p` wants a trailing slash; relative paths in the conf resolve against it.
    handle = startProcess('nginx', env.nginx, ['-p', dir + path.sep, '-c', confPath, '-g', 'daemon off;']);
    Object.assign(handle, { dir, confPath, port: listen, origin: `http://127.0.0.1:${listen}` });
    await waitForPort(listen, handle, timeoutMs);
    return handle;
  } catch (err) {
    const logs = handle ? await nginxLogs(handle) : '';
    if (handle) await stopProcess(handle, { signal: 'SIGKILL' });
    await rm(dir, { recursive: true, force: true });
    scratchDirs.delete(dir);
    if (logs) {
      err.message += `\n${logs}`;
      if (typeof err.stack === 'string') err.stack += `\n${logs}`;
    }
    throw err;
  }
}

/** Stops nginx (SIGTERM = fast shutdown), waits, and removes its scratch directory. */
export async function stopNginx(handle, { keepDir = false } = {}) {
  if (!handle) return;
  await stopProcess(handle, { signal: 'SIGTERM' });
  if (!keepDir) await rm(handle.dir, { recursive: true, force: true });
  scratchDirs.delete(handle.dir);
}

// ---------------------------------------------------------------------------------------------
// Chromium

export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox', // the tests may run as root, where Chromium refuses to start with its sandbox
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// When a document or fetch() gets an HTTP error status, Chromium itself logs a console *error*
// "Failed to load resource: the server responded with a status of 502 (Bad Gateway)". That line is
// the browser reporting a response we expect (the error page is served with 502/503/504 on purpose,
// and the widget's probes see the same status until the site is back); it is not an error of the
// page or the widget, so it is ignored — but only for 502/503/504 and only for our test origin.
const EXPECTED_STATUS_LINE = /^Failed to load resource: the server responded with a status of 50[234]\b/;

/**
 * Launches headless Chromium with a fresh profile. Returns { browser, context, page, consoleErrors,
 * consoleLog, close }. consoleErrors collects uncaught page exceptions and console errors, except the expected
 * status line above for URLs on `origin` (default: any http://127.0.0.1 port).
 */
export async function openBrowser({ origin = 'http://127.0.0.1:', javaScriptEnabled = true, timeoutMs = 30000 } = {}) {
  const executablePath = process.env.GD_CHROMIUM || '/usr/bin/chromium';
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true, timeout: timeoutMs });
  try {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    const consoleErrors = [];
    const consoleLog = []; // every message, for failure reports (boot.js explains itself with warnings)
    page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.stack || err.message}`));
    page.on('console', (msg) => {
      consoleLog.push(`${msg.type()}: ${msg.text()}`);
      if (msg.type() !== 'error') return;
      const url = msg.location()?.url || '';
      if (EXPECTED_STATUS_LINE.test(msg.text()) && url.startsWith(origin)) return;
      consoleErrors.push(`console.error: ${msg.text()} (${url})`);
    });
    const close = () => browser.close().catch(() => {});
    return { browser, context, page, consoleErrors, consoleLog, close };
  } catch (err) {
    await browser.close().catch(() => {});
    throw err;
  }
}

/** Resolves once the widget has mounted (left the static state). */
export async function widgetMounted(page) {
  await page.waitForFunction(
    () => {
      const state = document.getElementById('gateway-doctor')?.dataset.state;
      return Boolean(state) && state !== 'static';
    },
    null,
    { timeout: 10_000 },
  );
}

/**
 * For tests on Playwright's fake clock (`page.clock`): its timers hand out ids from 10^12, which do
 * not fit the 32-bit `long` a browser's setTimeout returns (and web-sys stores), so clearTimeout
 * would be given a truncated id. This layer, installed before any page script, maps them to small
 * ids as a browser's are, and keeps the pending ones in `window.__gdPendingTimers`.
 */
export async function useSmallTimerIds(context) {
  await context.addInitScript(() => {
    const set = window.setTimeout;
    const clear = window.clearTimeout;
    const setRepeating = window.setInterval;
    const pending = new Map();
    let next = 1;
    window.__gdPendingTimers = pending;
    window.setTimeout = function (fn, ms, ...args) {
      const id = next++;
      const run = function (...a) {
        pending.delete(id);
        return typeof fn === 'function' ? fn.apply(this, a) : undefined;
      };
      pending.set(id, set.call(window, run, ms, ...args));
      return id;
    };
    window.setInterval = function (fn, ms, ...args) {
      const id = next++;
      pending.set(id, setRepeating.call(window, fn, ms, ...args));
      return id;
    };
    window.clearTimeout = window.clearInterval = function (id) {
      const real = pending.get(id);
      pending.delete(id);
      if (real !== undefined) clear.call(window, real);
    };
  });
}

/**
 * Records every Content-Security-Policy violation of the pages `target` (a page or a browser
 * context) opens from now on; returns a function that reads them from `page`
 * (`"<directive> <blocked URI>"` each).
 */
export async function recordCspViolations(target) {
  await target.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return (page) => page.evaluate(() => window.__cspViolations);
}

/** GET with the bytes as they come off the wire (no content decoding) and the answer's headers. */
export function rawGet(url, headers = {}) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, timeout: 15_000 }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('timeout', function onTimeout() {
        this.destroy(new Error(`rawGet ${url}: no answer within 15 s`));
      })
      .on('error', reject);
  });
}
