// The smoke check of `cargo xtask bench page` (tests/e2e/bench/page-load.mjs) in its --quick mode:
// each delivery loaded once on slow 3G with a phone's CPU. It asserts what a visitor would notice and
// what the numbers mean, never a time in milliseconds (that would measure this machine, not the page):
// - a single file shows its guidance while the rest of the file is still on its way, long before the
//   widget (the guidance comes before the inlined wasm);
// - the widget comes live in every delivery, with its status line;
// - the bytes are what travelled: a single file costs its gzip size, not twice that (the widget's own
//   checks of the page are not counted as loading), and under nginx the wasm comes as its .gz twin.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import { formatTable, runBench } from './bench/page-load.mjs';
import { distDir } from './lib/dist.mjs';
import { requireEnv } from './lib/harness.mjs';

test('bench page --quick: guidance before the widget on slow 3G, and the bytes that travel', { timeout: 120_000 }, async (t) => {
  const report = await runBench({ quick: true });
  for (const line of formatTable(report).split('\n')) t.diagnostic(line);
  const cell = (delivery) => {
    const found = report.cells.find((c) => c.delivery === delivery && c.profile === 'slow-3g');
    assert.ok(found, `a slow 3G row for ${delivery}`);
    assert.equal(found.runs.length, 1, '--quick loads each page once');
    return found.runs[0];
  };

  for (const delivery of ['nginx', 'single', 'multilingual']) {
    const run = cell(delivery);
    assert.notEqual(run.widgetState, 'static', `${delivery}: the widget mounted`);
    assert.ok(run.statusLine, `${delivery}: the widget's status line (role=status, aria-live=polite) is there`);
    for (const metric of ['firstPaintMs', 'guidancePaintedMs', 'widgetLiveMs']) {
      assert.equal(typeof run[metric], 'number', `${delivery}: ${metric} was measured`);
    }
  }

  for (const delivery of ['single', 'multilingual']) {
    const run = cell(delivery);
    assert.ok(
      run.guidancePaintedMs < run.documentDoneMs,
      `${delivery}: the heading is on screen before the file has finished arriving ` +
        `(painted at ${run.guidancePaintedMs} ms, last byte at ${run.documentDoneMs} ms)`,
    );
    assert.ok(
      run.guidancePaintedMs < run.widgetLiveMs,
      `${delivery}: the guidance comes before the widget (${run.guidancePaintedMs} ms, ${run.widgetLiveMs} ms)`,
    );
  }

  const single = cell('single');
  const gzipped = gzipSync(readFileSync(path.join(distDir(), '502.html')), { level: 9 }).length;
  assert.ok(
    Math.abs(single.bodyBytes - gzipped) <= gzipped * 0.1,
    `the English single file cost ${single.bodyBytes} bytes, its gzip size is ${gzipped}`,
  );
  assert.equal(single.requests, 1, 'the single file needs no other request before the widget is live');

  const nginx = cell('nginx');
  const wasm = nginx.loaded.find((e) => e.url.endsWith('.wasm'));
  assert.ok(wasm, `the wasm is among what nginx sent: ${nginx.loaded.map((e) => e.url).join(', ')}`);
  const twin = statSync(path.join(requireEnv().siteDir, 'gateway_doctor_bg.wasm.gz')).size;
  assert.equal(wasm.encodedBodySize, twin, 'the wasm travelled as its zopfli .gz twin (gzip_static)');
});
