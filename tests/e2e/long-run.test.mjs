// A long outage in Chromium: 1,000 retry cycles must leave no growth in event listeners, timers,
// DOM nodes or memory.
//
// Time is accelerated with Playwright's fake clock (page.clock, installed before the page loads):
// it drives Date and the timers the widget uses, while every check is a real fetch answered by real
// nginx (502, nothing listens upstream). The config makes the cycles short (retry.initialDelayMs
// 250 and retry.maxDelayMs 1000, the minimums; probeTimeoutMs 60000 so no check times out while
// the clock jumps), so each `runFor(1 s)` fires one check; the test then waits, in real time, for
// its answer. Cycles are counted from the answers Chromium received and cross-checked against
// nginx's access log.
//
// Measured through the DevTools protocol at cycle 100 and cycle 1,000, after a full GC:
// - JSEventListeners (Performance.getMetrics): equal;
// - pending timers: the widget's one (and a diagnosis round's 4 s timeout right after a round);
// - DOM nodes that are not in the document (detached): no more than one rendering's worth more;
// - WebAssembly memory (every WebAssembly.Memory, via Runtime.queryObjects): equal;
// - the JS heap: grows by less than HEAP_GROWTH_BYTES (JIT code and the browser's capped
//   performance-entry buffers account for ~100 KB);
// - a heap snapshot: no object type (JS or native, e.g. fetch loaders, AbortSignals, closures)
//   gains anything near one instance per cycle, except the records DevTools itself keeps for the
//   test (console messages and network resources, which a visitor's browser does not keep).
//
// Two details of the harness, not of the widget:
// - Playwright's fake timers hand out ids from 10^12, which do not fit the 32-bit `long` a browser's
//   setTimeout returns (and web-sys stores): clearTimeout would be given a truncated id. A small
//   layer between the page and the fake clock maps them to small ids, as a browser's are, and
//   counts the timers that are pending.
// - DevTools keeps every console message (Chromium logs each 502 it fetched); they are discarded
//   before each measurement.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  freePort,
  openBrowser,
  removeScratchDir,
  requireEnv,
  siteWithConfig,
  startNginx,
  stopNginx,
  useSmallTimerIds,
  widgetMounted,
} from './lib/harness.mjs';

const CYCLES = 1_000;
const FIRST_MEASUREMENT = 100;
const HEAP_GROWTH_BYTES = 512 * 1024;
const DETACHED_NODES_SLACK = 100;
/** A type gaining this many instances between the two measurements grows with the cycles. */
const PER_CYCLE_GROWTH = (CYCLES - FIRST_MEASUREMENT) / 2;
/** What DevTools retains for the test session itself (one per console message or request). */
const DEVTOOLS_RECORDS = /^(blink::NetworkResourcesData|blink::ConsoleMessage|blink::SourceLocation|system \/ StackFrameInfo|system \/ StackTraceInfo|system \/ ErrorStackData)/;
const PATH = '/orders?page=2';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe('1,000 retry cycles in Chromium', { timeout: 240_000 }, () => {
  let site;
  let nginx;
  let b;

  before(async () => {
    requireEnv();
    site = await siteWithConfig({
      retry: { initialDelayMs: 250, maxDelayMs: 1000, giveUpAfterMs: 604_800_000 },
      probeTimeoutMs: 60_000,
    });
    nginx = await startNginx({ upstreamPort: await freePort(), siteDir: site });
  });

  after(async () => {
    await b?.close();
    await stopNginx(nginx);
    await removeScratchDir(site);
  });

  test('leave listeners, timers, nodes and memory where they were at cycle 100', async () => {
    b = await openBrowser({ origin: nginx.origin });
    const { page, context } = b;
    const url = nginx.origin + PATH;
    let answers = 0;
    page.on('response', (r) => {
      if (r.url() === url && !r.request().isNavigationRequest()) answers += 1;
    });
    await page.clock.install();
    await useSmallTimerIds(context);

    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');

    async function heapSnapshotCounts() {
      const chunks = [];
      const onChunk = (e) => chunks.push(e.chunk);
      cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
      await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
      const snapshot = JSON.parse(chunks.join(''));
      const fields = snapshot.snapshot.meta.node_fields.length;
      const counts = new Map();
      for (let i = 0; i < snapshot.nodes.length; i += fields) {
        const name = snapshot.strings[snapshot.nodes[i + 1]].slice(0, 80);
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      return counts;
    }

    async function measure() {
      await cdp.send('Runtime.discardConsoleEntries');
      await cdp.send('HeapProfiler.collectGarbage');
      const { metrics } = await cdp.send('Performance.getMetrics');
      const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
      const { result: proto } = await cdp.send('Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype' });
      const { objects } = await cdp.send('Runtime.queryObjects', { prototypeObjectId: proto.objectId });
      const { result: wasm } = await cdp.send('Runtime.callFunctionOn', {
        objectId: objects.objectId,
        functionDeclaration: 'function () { return this.map((m) => m.buffer.byteLength); }',
        returnByValue: true,
      });
      const inPage = await page.evaluate(() => {
        let attached = 0;
        const walker = document.createTreeWalker(document, NodeFilter.SHOW_ALL);
        while (walker.nextNode()) attached += 1;
        return { attached: attached + 1, timers: window.__gdPendingTimers.size };
      });
      return {
        answers,
        listeners: m.JSEventListeners,
        detachedNodes: m.Nodes - inPage.attached,
        timers: inPage.timers,
        wasmMemory: wasm.value,
        jsHeap: m.JSHeapUsedSize,
        types: await heapSnapshotCounts(),
      };
    }

    const res = await page.goto(url, { waitUntil: 'load', timeout: 15_000 });
    assert.equal(res.status(), 502);
    await widgetMounted(page);
    const state = () => page.getAttribute('#gateway-doctor', 'data-state');
    let first;
    let idle = 0;
    const started = Date.now();
    while (answers < CYCLES) {
      if (answers >= FIRST_MEASUREMENT && !first) first = await measure();
      const before = answers;
      // The longest delay is 1 s, so every step fires a check.
      await page.clock.runFor(1_000);
      // The check that fired is a real request: wait for its answer to be handled.
      const deadline = Date.now() + 10_000;
      while ((await state()) === 'checking') {
        assert.ok(Date.now() < deadline, 'a check was never answered');
        await sleep(1);
      }
      idle = answers > before ? 0 : idle + 1;
      assert.ok(idle < 5, `no check in 5 s of page time after ${answers} cycles: the widget stopped`);
    }
    const last = await measure();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);

    const grown = [];
    for (const [name, n] of last.types) {
      const growth = n - (first.types.get(name) ?? 0);
      if (growth >= PER_CYCLE_GROWTH && !DEVTOOLS_RECORDS.test(name)) grown.push(`${name}: +${growth}`);
    }
    const summary = (m) =>
      `answers ${m.answers}, listeners ${m.listeners}, timers ${m.timers}, detached nodes ${m.detachedNodes}, ` +
      `wasm ${m.wasmMemory.join('+')} B, JS heap ${m.jsHeap} B`;
    const report = `\ncycle ${FIRST_MEASUREMENT}: ${summary(first)}\ncycle ${CYCLES}: ${summary(last)}\n(${seconds} s)`;
    assert.ok(last.answers >= CYCLES, report);
    // Still waiting for the site, not stopped or failed. On a busy machine a check was once still
    // in flight here, after the heap measurement: let it be answered first.
    const settle = Date.now() + 10_000;
    while ((await state()) === 'checking' && Date.now() < settle) await sleep(10);
    assert.equal(await state(), 'waiting', `not waiting after ${CYCLES} cycles${report}`);
    assert.equal(last.listeners, first.listeners, `event listeners${report}`);
    // The widget's one timer, plus a diagnosis round's timeout in the 4 s after a round (rounds
    // run once a minute of page time while waiting).
    for (const m of [first, last]) assert.ok(m.timers >= 1 && m.timers <= 2, `pending timers${report}`);
    // One rendering of the diagnosis more or less may still be awaiting collection (~50 nodes);
    // one leaked node per cycle would be 900.
    assert.ok(last.detachedNodes <= first.detachedNodes + DETACHED_NODES_SLACK, `detached DOM nodes${report}`);
    assert.deepEqual(last.wasmMemory, first.wasmMemory, `wasm memory${report}`);
    assert.ok(last.jsHeap - first.jsHeap < HEAP_GROWTH_BYTES, `JS heap grew by ${last.jsHeap - first.jsHeap} B${report}`);
    assert.deepEqual(grown, [], `object types growing with the cycles${report}`);
    assert.deepEqual(b.consoleErrors, []);
    // Every check was a real request that reached nginx.
    const log = await readFile(path.join(nginx.dir, 'access.log'), 'utf8');
    const logged = log.split('\n').filter((line) => line.includes(`"GET ${PATH} HTTP/1.1" 502`)).length;
    assert.ok(logged >= CYCLES, `nginx logged ${logged} checks${report}`);
    console.log(`# long run: ${report.trim().replace(/\n/g, '; ')}`);
  });
});
