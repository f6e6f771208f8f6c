// Screenshots of the real page: nginx with the shipped snippet in front of a dead application, the
// widget running, in headless Chromium: light and dark, desktop (1280×900) and mobile (390×844);
// then a few other verdicts from real causes (the browser offline; the application answering 503 +
// Retry-After: maintenance) and a page with the operator's brand (logo and accent).
// Written to target/screenshots/ (GD_SCREENSHOT_DIR overrides); `cargo xtask screenshots
// --update-docs` copies them to docs/screenshots/ for the README.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  CHROMIUM_ARGS,
  freePort,
  nginxLogs,
  removeScratchDir,
  requireEnv,
  siteWithConfig,
  startNginx,
  startUpstream,
  stopNginx,
  stopUpstream,
} from './lib/harness.mjs';
import { REPO } from './lib/dist.mjs';

const SHOTS = [
  { name: 'desktop-light', viewport: { width: 1280, height: 900 }, colorScheme: 'light' },
  { name: 'desktop-dark', viewport: { width: 1280, height: 900 }, colorScheme: 'dark' },
  { name: 'mobile-light', viewport: { width: 390, height: 844 }, colorScheme: 'light', mobile: true },
  { name: 'mobile-dark', viewport: { width: 390, height: 844 }, colorScheme: 'dark', mobile: true },
  // A right-to-left language: the widget turns the page around.
  { name: 'mobile-arabic', viewport: { width: 390, height: 844 }, colorScheme: 'light', mobile: true, locale: 'ar-EG' },
  { name: 'desktop-german', viewport: { width: 1280, height: 900 }, colorScheme: 'light', locale: 'de-DE' },
  // Other verdicts, each from its real cause.
  { name: 'verdict-offline', viewport: { width: 390, height: 844 }, colorScheme: 'light', mobile: true, offline: true, verdict: 'visitor-offline' },
  { name: 'verdict-maintenance', viewport: { width: 1280, height: 900 }, colorScheme: 'dark', server: 'maintenance', verdict: 'maintenance' },
  // The operator's brand: logo and accent (README, "Your brand").
  { name: 'brand', viewport: { width: 1280, height: 900 }, colorScheme: 'light', server: 'brand' },
];

const BRAND_LOGO =
  '<svg xmlns="http://www.w3.org/2000/svg" width="190" height="40" viewBox="0 0 190 40">' +
  '<circle cx="20" cy="20" r="16" fill="#0a7f5a"/><path d="M12 20l6 6 10-12" stroke="#fff" stroke-width="4" fill="none"/>' +
  '<text x="44" y="27" font-family="system-ui, sans-serif" font-size="19" font-weight="700" fill="#0a7f5a">Example Shop</text></svg>';

describe('screenshots of the page under nginx', { timeout: 90_000 }, () => {
  const out = process.env.GD_SCREENSHOT_DIR
    ? path.resolve(process.env.GD_SCREENSHOT_DIR)
    : path.join(REPO, 'target/screenshots');
  let browser;
  // One nginx per kind of server: nothing upstream; an application in maintenance; a branded page.
  const servers = {};
  let maintenance;
  let brandSite;

  before(async () => {
    const env = requireEnv();
    await mkdir(out, { recursive: true });
    servers.down = await startNginx({ upstreamPort: await freePort() });
    maintenance = await startUpstream('status', { status: 503, retryAfter: '1800' });
    servers.maintenance = await startNginx({ upstreamPort: maintenance.port });
    brandSite = await siteWithConfig({
      siteName: 'Example Shop',
      brand: { logo: '/_gateway-doctor/logo.svg', accent: '#0a7f5a', accentDark: '#6fd6a8' },
    });
    await writeFile(path.join(brandSite, 'logo.svg'), BRAND_LOGO);
    servers.brand = await startNginx({ upstreamPort: await freePort(), siteDir: brandSite });
    browser = await chromium.launch({ executablePath: env.chromium, args: CHROMIUM_ARGS, headless: true });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    for (const nginx of Object.values(servers)) await stopNginx(nginx);
    await stopUpstream(maintenance);
    if (brandSite) await removeScratchDir(brandSite);
  });

  for (const shot of SHOTS) {
    test(shot.name, async () => {
      const context = await browser.newContext({
        viewport: shot.viewport,
        colorScheme: shot.colorScheme,
        reducedMotion: 'reduce',
        isMobile: Boolean(shot.mobile),
        hasTouch: Boolean(shot.mobile),
        deviceScaleFactor: 1,
        locale: shot.locale ?? 'en-US',
      });
      const nginx = servers[shot.server ?? 'down'];
      try {
        const page = await context.newPage();
        const res = await page.goto(`${nginx.origin}/account/orders`, { waitUntil: 'load', timeout: 15_000 });
        assert.equal(res.status(), shot.server === 'maintenance' ? 503 : 502);
        // The widget is mounted and showing its countdown: the state a visitor sees.
        await page.waitForFunction(() => {
          const s = document.getElementById('gateway-doctor')?.dataset.state;
          return Boolean(s) && s !== 'static';
        }, null, { timeout: 10_000 });
        await page.locator('#gateway-doctor [data-gd="countdown"]').waitFor({ state: 'attached', timeout: 5_000 });
        if (shot.offline) await context.setOffline(true);
        if (shot.verdict) {
          await page.waitForFunction(
            (v) => document.getElementById('gateway-doctor')?.dataset.verdict === v,
            shot.verdict,
            { timeout: 20_000 },
          );
        }
        if (shot.server === 'brand') {
          await page.waitForFunction(() => document.querySelector('img[data-gd="logo"]')?.complete, null, { timeout: 5_000 });
          assert.ok(await page.evaluate(() => document.querySelector('img[data-gd="logo"]').naturalWidth > 0), 'the logo loaded');
        }
        const file = path.join(out, `${shot.name}.png`);
        await page.screenshot({ path: file, fullPage: false });
      } catch (err) {
        err.message += `\n${await nginxLogs(nginx)}`;
        throw err;
      } finally {
        await context.close();
      }
    });
  }
});
