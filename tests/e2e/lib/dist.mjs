// Helpers for the distribution tests (dist*.test.mjs): where `cargo xtask dist` put its output, the
// Debian tools that validate and run the recipes, scratch directories, and servers in their own
// process groups (stopped by the tests' `after` hooks, or on exit whatever happens).

import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { cp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  canConnect,
  isRunning,
  removeScratchDir,
  scratchDir as harnessScratchDir,
  startProcess,
  stopProcess,
} from './harness.mjs';

// Processes and scratch directories are the harness's: one registry, one clean-up on exit.
export { startProcess, stopProcess };

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** `dist/` from `cargo xtask dist` (GD_DIST_DIR overrides); throws a clear message if it is missing. */
export function distDir() {
  const dir = process.env.GD_DIST_DIR ? path.resolve(process.env.GD_DIST_DIR) : path.join(REPO, 'dist');
  if (!existsSync(path.join(dir, '502.html'))) {
    throw new Error(`${dir}/502.html is missing: run \`cargo xtask dist\` first (cargo xtask test does)`);
  }
  return dir;
}

/**
 * The absolute path of a tool the recipes are validated with: `$ENV` if set, else the first
 * executable candidate. `cargo xtask bootstrap` installs the Debian packages that provide them.
 */
export function tool(envName, candidates, pkg) {
  const fromEnv = process.env[envName];
  for (const candidate of fromEnv ? [fromEnv] : candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  throw new Error(`${candidates[0]} not found (Debian package ${pkg}; \`cargo xtask bootstrap\` installs it, or set ${envName})`);
}

/** A fresh temp directory that a server's unprivileged workers can read (see harness.mjs). */
export function scratchDir(prefix) {
  return harnessScratchDir(`gd-${prefix}-`);
}

export const removeScratch = removeScratchDir;

/** A copy of dist/page (plus the problem+json bodies under problem/) that servers may read. */
export async function installSite(dir) {
  const dist = distDir();
  const site = path.join(dir, 'site');
  await cp(path.join(dist, 'page'), site, { recursive: true });
  for (const code of [502, 503, 504]) {
    await cp(path.join(dist, `${code}.json`), path.join(site, 'problem', `${code}.json`));
  }
  return site;
}

/** Runs a command to completion; resolves { code, stdout, stderr } whatever the exit code. */
export function runTool(command, args, { timeoutMs = 30_000, cwd, env } = {}) {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, killSignal: 'SIGKILL', cwd, env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr), text: `${stdout}${stderr}` });
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once 127.0.0.1:port accepts connections; fails early if the server exits. */
export async function waitForPort(port, handle, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning(handle)) {
      throw new Error(`${handle.name} exited before listening on 127.0.0.1:${port}:\n${handle.output}`);
    }
    if (await canConnect(port)) return;
    await sleep(50);
  }
  throw new Error(`${handle.name} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms:\n${handle.output}`);
}

/** GET (or another method) with a timeout; resolves { status, headers, body }. */
export async function request(url, init = {}) {
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(15_000), ...init });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** Appends a server's logs to a failing assertion's message. */
export async function withLogs(handles, fn) {
  try {
    await fn();
  } catch (err) {
    let report = '';
    for (const h of handles.filter(Boolean)) {
      if (h.output) report += `\n--- ${h.name} output ---\n${h.output.slice(-6000)}`;
      for (const log of h.logs ?? []) {
        const text = await readFile(log, 'utf8').catch(() => '');
        if (text.trim()) report += `\n--- ${log} ---\n${text.slice(-6000)}`;
      }
    }
    err.message += report;
    if (typeof err.stack === 'string') err.stack += report;
    throw err;
  }
}

/**
 * Validates `confPath` with `nginx -t`, then runs nginx in the foreground from `prefix` and waits
 * for `port`. The handle carries the error log for failure messages.
 */
export async function startNginxConf(name, nginxBin, prefix, confPath, port) {
  const check = await runTool(nginxBin, ['-t', '-p', `${prefix}/`, '-c', confPath]);
  if (check.code !== 0) throw new Error(`nginx -t failed:\n${check.text}`);
  const nginx = startProcess(name, nginxBin, ['-p', `${prefix}/`, '-c', confPath, '-g', 'daemon off;']);
  nginx.logs = [path.join(prefix, 'error.log')];
  await waitForPort(port, nginx);
  return nginx;
}
