// The widget speaks the visitor's language: boot.js picks a bundle (config `locale` first, then the
// browser's languages), the widget sets lang/dir on itself and on the page, and the page's heading
// follows. Real nginx with a dead upstream (nginx generates the 502), real Chromium with its locale set
// per context, and the single files a CDN serves alone.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import {
  freePort,
  openBrowser,
  requireEnv,
  siteWithConfig,
  startNginx,
  stopNginx,
  widgetMounted,
} from './lib/harness.mjs';
import { distDir } from './lib/dist.mjs';

const bundle = (tag) => JSON.parse(readFileSync(path.join(requireEnv().siteDir, 'locales', `${tag}.json`), 'utf8'));
const text = (tag, index) => bundle(tag).texts[index];
// Positions in Message::ALL order (src/logic/messages.rs), found through the English texts.
let CHECK_NOW;
let PAGE_HEADING;

describe('languages', { timeout: 120_000 }, () => {
  let browser;
  const servers = [];
  const sites = [];

  before(async () => {
    const env = requireEnv();
    CHECK_NOW = bundle('en').texts.indexOf('Check now');
    PAGE_HEADING = bundle('en').texts.indexOf('This site is not answering right now');
    assert.ok(CHECK_NOW >= 0 && PAGE_HEADING >= 0, 'the English bundle has the texts this test looks for');
    assert.ok(env.siteDir);
    browser = await openBrowser();
  });

  after(async () => {
    await browser?.close();
    for (const s of servers) await s.stop();
    for (const dir of sites) await rm(dir, { recursive: true, force: true });
  });

  async function nginxWith(config) {
    const siteDir = config ? await siteWithConfig(config) : undefined;
    if (siteDir) sites.push(siteDir);
    const nginx = await startNginx({ upstreamPort: await freePort(), siteDir });
    servers.push({ stop: () => stopNginx(nginx) });
    return nginx;
  }

  /** Opens `url` in a fresh context whose browser language is `locale`; returns what the visitor sees. */
  async function visit(url, locale, { block } = {}) {
    const context = await browser.browser.newContext({ locale });
    const requests = [];
    const warnings = [];
    try {
      const page = await context.newPage();
      page.on('request', (r) => requests.push(new URL(r.url()).pathname));
      page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
      page.on('pageerror', (e) => warnings.push(`pageerror: ${e.message}`));
      if (block) await page.route(`**/${block}`, (route) => route.fulfill({ status: 404, body: 'gone' }));
      await page.goto(url);
      await widgetMounted(page);
      const seen = await page.evaluate(() => {
        const root = document.getElementById('gateway-doctor');
        return {
          rootLang: root.getAttribute('lang'),
          rootDir: root.getAttribute('dir'),
          htmlLang: document.documentElement.lang,
          htmlDir: document.documentElement.dir,
          heading: document.querySelector('h1').textContent,
          button: root.querySelector('[data-gd="retry-now"]').textContent,
          errorLabel: document.querySelector('.gd-code-label')?.textContent,
        };
      });
      return { ...seen, requests, warnings };
    } finally {
      await context.close();
    }
  }

  test('a German browser gets German, with lang on the page and the heading translated', async () => {
    const nginx = await nginxWith();
    const seen = await visit(`${nginx.origin}/shop`, 'de-DE');
    assert.equal(seen.rootLang, 'de');
    assert.equal(seen.htmlLang, 'de');
    assert.equal(seen.htmlDir, 'ltr');
    assert.equal(seen.button, text('de', CHECK_NOW));
    assert.notEqual(seen.button, 'Check now');
    assert.equal(seen.heading, text('de', PAGE_HEADING));
    assert.equal(seen.errorLabel, 'Fehler');
    // Only the visitor's language is fetched.
    const bundles = seen.requests.filter((p) => p.includes('/locales/'));
    assert.deepEqual(bundles, ['/_gateway-doctor/locales/de.json']);
  });

  test('Arabic turns the page right-to-left', async () => {
    const nginx = await nginxWith();
    const seen = await visit(`${nginx.origin}/`, 'ar-EG');
    assert.equal(seen.rootLang, 'ar');
    assert.equal(seen.rootDir, 'rtl');
    assert.equal(seen.htmlDir, 'rtl');
    assert.equal(seen.button, text('ar', CHECK_NOW));
  });

  test('the config locale wins over the browser; an unknown browser language gets English', async () => {
    const forced = await nginxWith({ locale: 'ja' });
    const ja = await visit(`${forced.origin}/`, 'de-DE');
    assert.equal(ja.rootLang, 'ja');
    assert.equal(ja.button, text('ja', CHECK_NOW));

    const plain = await nginxWith();
    const en = await visit(`${plain.origin}/`, 'tlh');
    assert.equal(en.rootLang, 'en');
    assert.equal(en.htmlLang, 'en');
    assert.equal(en.button, 'Check now');
    // English pages keep their own, status-specific heading.
    assert.notEqual(en.heading, text('en', PAGE_HEADING));
  });

  test('a missing language bundle falls back to English with a warning', async () => {
    const nginx = await nginxWith();
    const seen = await visit(`${nginx.origin}/`, 'fr-FR', { block: 'locales/fr.json' });
    assert.equal(seen.rootLang, 'en');
    assert.equal(seen.button, 'Check now');
    assert.ok(seen.warnings.some((w) => w.includes('"fr" texts')), seen.warnings.join('\n'));
  });

  test('single files: the multilingual one speaks German without fetching, the English one stays English', async () => {
    const dist = distDir();
    const files = {
      '/multi': readFileSync(path.join(dist, 'multilingual', '502.html'), 'utf8'),
      '/english': readFileSync(path.join(dist, '502.html'), 'utf8'),
    };
    const server = http.createServer((req, res) => {
      res.writeHead(502, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(files[req.url] ?? 'no such page');
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push({ stop: () => new Promise((resolve) => server.close(resolve)) });
    const origin = `http://127.0.0.1:${server.address().port}`;

    const multi = await visit(`${origin}/multi`, 'de-DE');
    assert.equal(multi.rootLang, 'de');
    assert.equal(multi.button, text('de', CHECK_NOW));
    assert.ok(!multi.requests.some((p) => p.includes('locales')), multi.requests.join('\n'));

    const english = await visit(`${origin}/english`, 'de-DE');
    assert.equal(english.rootLang, 'en');
    assert.equal(english.button, 'Check now');
    assert.ok(!english.requests.some((p) => p.includes('locales')), english.requests.join('\n'));
  });
});
