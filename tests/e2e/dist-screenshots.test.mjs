// Screenshots of the real page: nginx with the shipped snippet in front of a dead application, the
// widget running, in headless Chromium: light and dark, desktop (1280×900) and mobile (390×844).
// Written to target/screenshots/ (GD_SCREENSHOT_DIR overrides); `cargo xtask screenshots
// --update-docs` copies them to docs/screenshots/ for the README.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, freePort, nginxLogs, requireEnv, startNginx, stopNginx } from './lib/harness.mjs';
import { REPO } from './lib/dist.mjs';

const SHOTS = [
  { name: 'desktop-light', viewport: { width: 1280, height: 900 }, colorScheme: 'light' },
  { name: 'desktop-dark', viewport: { width: 1280, height: 900 }, colorScheme: 'dark' },
  { name: 'mobile-light', viewport: { width: 390, height: 844 }, colorScheme: 'light', mobile: true },
  { name: 'mobile-dark', viewport: { width: 390, height: 844 }, colorScheme: 'dark', mobile: true },
  // A right-to-left language: the widget turns the page around.
  { name: 'mobile-arabic', viewport: { width: 390, height: 844 }, colorScheme: 'light', mobile: true, locale: 'ar-EG' },
  { name: 'desktop-german', viewport: { width: 1280, height: 900 }, colorScheme: 'light', locale: 'de-DE' },
];

describe('screenshots of the page under nginx', { timeout: 90_000 }, () => {
  const out = process.env.GD_SCREENSHOT_DIR
    ? path.resolve(process.env.GD_SCREENSHOT_DIR)
    : path.join(REPO, 'target/screenshots');
  let nginx;
  let browser;

  before(async () => {
    const env = requireEnv();
    await mkdir(out, { recursive: true });
    nginx = await startNginx({ upstreamPort: await freePort() });
    browser = await chromium.launch({ executablePath: env.chromium, args: CHROMIUM_ARGS, headless: true });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await stopNginx(nginx);
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
      try {
        const page = await context.newPage();
        const res = await page.goto(`${nginx.origin}/account/orders`, { waitUntil: 'load', timeout: 15_000 });
        assert.equal(res.status(), 502);
        // The widget is mounted and showing its countdown: the state a visitor sees.
        await page.waitForFunction(() => {
          const s = document.getElementById('gateway-doctor')?.dataset.state;
          return Boolean(s) && s !== 'static';
        }, null, { timeout: 10_000 });
        await page.locator('#gateway-doctor [data-gd="countdown"]').waitFor({ state: 'attached', timeout: 5_000 });
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
