// The operator's brand on the real error page, served by real nginx with the shipped snippet and its
// strict Content-Security-Policy: the logo loads from the gateway (img-src 'self'), sits first in
// the header with the site's name as its text alternative, and the accent colours the button in
// light and dark mode; a colour too faint to read is refused and the page keeps its own.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  freePort,
  openBrowser,
  recordCspViolations,
  removeScratchDir,
  requireEnv,
  siteWithConfig,
  startNginx,
  stopNginx,
  widgetMounted,
  withReport,
} from './lib/harness.mjs';

const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="32"><rect width="120" height="32" fill="#0a7f5a"/></svg>';

describe('the brand on the error page', { timeout: 60_000 }, () => {
  const browsers = [];
  const sites = [];
  let nginx;

  async function serve(config) {
    const site = await siteWithConfig(config);
    sites.push(site);
    // Where the README says to put it: next to the page, served by the gateway.
    await writeFile(path.join(site, 'logo.svg'), LOGO);
    return site;
  }

  before(() => requireEnv());
  after(async () => {
    for (const b of browsers) await b.close();
    await stopNginx(nginx);
    for (const s of sites) await removeScratchDir(s);
  });

  const withLogs = (fn) => withReport({ nginx, browsers }, fn);

  async function open(url, colorScheme) {
    const b = await openBrowser({ origin: nginx.origin });
    browsers.push(b);
    await b.page.emulateMedia({ colorScheme });
    b.cspViolations = await recordCspViolations(b.context);
    const res = await b.page.goto(url, { waitUntil: 'load', timeout: 15_000 });
    assert.equal(res.status(), 502);
    await widgetMounted(b.page);
    return b;
  }

  const button = (page) => page.locator('#gateway-doctor button[data-gd="retry-now"]');
  const colours = (locator) =>
    locator.evaluate((el) => {
      const s = getComputedStyle(el);
      return { background: s.backgroundColor, text: s.color };
    });

  test('logo from the gateway under the strict CSP, accent in light and dark mode', async () => {
    const site = await serve({
      siteName: 'Example Shop',
      brand: { logo: '/_gateway-doctor/logo.svg', accent: '#0a7f5a', accentDark: '#6fd6a8' },
    });
    nginx = await startNginx({ upstreamPort: await freePort(), siteDir: site });
    await withLogs(async () => {
      const url = nginx.origin + '/shop';
      const light = await open(url, 'light');
      const logo = light.page.locator('header.gd-head > img[data-gd="logo"]');
      await logo.waitFor({ timeout: 5_000 });
      assert.equal(await logo.getAttribute('alt'), 'Example Shop');
      assert.equal(
        await light.page.evaluate(() => document.querySelector('header.gd-head').firstElementChild.dataset.gd),
        'logo',
        'first in the header',
      );
      await light.page.waitForFunction(() => document.querySelector('img[data-gd="logo"]').complete);
      assert.ok(await logo.evaluate((img) => img.naturalWidth > 0), 'the logo loaded');
      assert.deepEqual(await colours(button(light.page)), {
        background: 'rgb(10, 127, 90)',
        text: 'rgb(255, 255, 255)',
      });
      assert.deepEqual(await light.cspViolations(light.page), [], 'nothing blocked by the CSP');
      assert.deepEqual(light.consoleErrors.filter((e) => !/status of 502/.test(e)), []);

      const dark = await open(url, 'dark');
      assert.deepEqual(await colours(button(dark.page)), {
        background: 'rgb(111, 214, 168)',
        text: 'rgb(17, 17, 17)',
      });
    });
  });

  test('a colour too faint to read is refused with a warning; the page keeps its own', async () => {
    await stopNginx(nginx);
    const site = await serve({ brand: { accent: '#ffff66' } });
    nginx = await startNginx({ upstreamPort: await freePort(), siteDir: site });
    await withLogs(async () => {
      const b = await open(nginx.origin + '/shop', 'light');
      assert.deepEqual(await colours(button(b.page)), {
        background: 'rgb(10, 88, 202)',
        text: 'rgb(255, 255, 255)',
      });
      assert.ok(
        b.consoleLog.some((line) => line.includes('`brand.accent`') && line.includes('contrast')),
        b.consoleLog.join('\n'),
      );
      assert.equal(await b.page.locator('img[data-gd="logo"]').count(), 0);
    });
  });
});
