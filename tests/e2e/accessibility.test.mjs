// Accessibility of the real page under nginx, as visitors get it (strict CSP included): axe-core's
// WCAG 2.2 A/AA rules (contrast, names, roles, landmarks, language, headings) in light and dark, on
// desktop and mobile, right to left, in maintenance and without the widget; the keyboard reaches and
// works the widget's button with a visible focus ring; and reduced motion stops every animation.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
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
import { axeViolations } from './lib/axe.mjs';

const DESKTOP = { width: 1280, height: 900 };
const MOBILE = { width: 390, height: 844 };

// Each: how the visitor's browser is set up, which server, and the verdict the page must have reached
// before it is checked (the diagnosis is the largest part of the page).
const VIEWS = [
  { name: 'desktop, light', viewport: DESKTOP, colorScheme: 'light', verdict: 'app-down' },
  { name: 'desktop, dark', viewport: DESKTOP, colorScheme: 'dark', verdict: 'app-down' },
  { name: 'mobile, light', viewport: MOBILE, colorScheme: 'light', mobile: true, verdict: 'app-down' },
  { name: 'mobile, dark, Arabic (right to left)', viewport: MOBILE, colorScheme: 'dark', mobile: true, locale: 'ar-EG', verdict: 'app-down' },
  { name: 'maintenance (503 + Retry-After), dark', viewport: DESKTOP, colorScheme: 'dark', server: 'maintenance', verdict: 'maintenance' },
  { name: 'operator checklist open, light', viewport: DESKTOP, colorScheme: 'light', server: 'operator', verdict: 'app-down', openOperator: true },
  // What visitors without JavaScript or WebAssembly read. axe needs script to run, so the page keeps
  // it and the widget's loader is refused instead.
  { name: 'static page (no widget), light', viewport: MOBILE, colorScheme: 'light', mobile: true, noWidget: true },
  { name: 'static page (no widget), dark', viewport: DESKTOP, colorScheme: 'dark', noWidget: true },
];

describe('accessibility of the page under nginx', { timeout: 180_000 }, () => {
  let browser;
  const servers = {};
  let maintenance;
  let operatorSite;
  let slowSite;

  before(async () => {
    const env = requireEnv();
    servers.down = await startNginx({ upstreamPort: await freePort() });
    maintenance = await startUpstream('status', { status: 503, retryAfter: '1800' });
    servers.maintenance = await startNginx({ upstreamPort: maintenance.port });
    operatorSite = await siteWithConfig({ operator: { enabled: true } });
    servers.operator = await startNginx({ upstreamPort: await freePort(), siteDir: operatorSite });
    // The first check a minute away: a check within seconds can only come from the button.
    slowSite = await siteWithConfig({ retry: { initialDelayMs: 60_000, maxDelayMs: 120_000 } });
    servers.slow = await startNginx({ upstreamPort: await freePort(), siteDir: slowSite });
    browser = await chromium.launch({ executablePath: env.chromium, args: CHROMIUM_ARGS, headless: true });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    for (const nginx of Object.values(servers)) await stopNginx(nginx);
    await stopUpstream(maintenance);
    if (operatorSite) await removeScratchDir(operatorSite);
    if (slowSite) await removeScratchDir(slowSite);
  });

  async function withPage(options, nginx, fn) {
    const context = await browser.newContext({
      viewport: options.viewport ?? DESKTOP,
      colorScheme: options.colorScheme ?? 'light',
      reducedMotion: options.reducedMotion ?? 'reduce',
      isMobile: Boolean(options.mobile),
      hasTouch: Boolean(options.mobile),
      locale: options.locale ?? 'en-US',
    });
    try {
      const page = await context.newPage();
      await fn(page);
    } catch (err) {
      err.message += `\n${await nginxLogs(nginx)}`;
      throw err;
    } finally {
      await context.close();
    }
  }

  for (const view of VIEWS) {
    test(`no WCAG 2.2 A/AA violation: ${view.name}`, async () => {
      const nginx = servers[view.server ?? 'down'];
      await withPage(view, nginx, async (page) => {
        if (view.noWidget) await page.route('**/_gateway-doctor/boot.js', (route) => route.abort());
        const res = await page.goto(`${nginx.origin}/account/orders`, { waitUntil: 'load', timeout: 15_000 });
        assert.equal(res.status(), view.server === 'maintenance' ? 503 : 502);
        if (view.verdict) {
          await page.waitForFunction(
            (v) => {
              const root = document.getElementById('gateway-doctor');
              return root?.dataset.verdict === v && root.querySelector('[data-round="done"]');
            },
            view.verdict,
            { timeout: 20_000 },
          );
        }
        if (view.noWidget) {
          assert.equal(await page.locator('#gateway-doctor').getAttribute('data-state'), 'static');
          assert.ok(await page.getByRole('heading', { level: 2, name: 'What you can do' }).isVisible());
        }
        if (view.openOperator) {
          const summary = page.locator('#gateway-doctor details > summary');
          await summary.first().click();
          assert.equal(await page.locator('#gateway-doctor details[open]').count(), 1, 'the checklist opened');
        }
        if (view.locale?.startsWith('ar')) {
          assert.equal(await page.evaluate(() => document.getElementById('gateway-doctor').closest('[dir]').dir), 'rtl');
        }
        assert.deepEqual(await axeViolations(page), []);
      });
    });
  }

  test('the keyboard reaches "Check now" with a visible focus ring, and Enter checks at once', async () => {
    const nginx = servers.slow;
    await withPage({}, nginx, async (page) => {
      const checks = [];
      page.on('request', (r) => {
        if (r.resourceType() === 'fetch') checks.push(r.url());
      });
      await page.goto(`${nginx.origin}/account/orders`, { waitUntil: 'load', timeout: 15_000 });
      const button = page.locator('#gateway-doctor button[data-gd="retry-now"]');
      await button.waitFor({ timeout: 10_000 });
      await page.waitForFunction(() => document.getElementById('gateway-doctor').dataset.state === 'waiting', null, {
        timeout: 10_000,
      });
      // Tab from the top of the page until the button has focus; every stop on the way is named.
      const stops = [];
      for (let i = 0; i < 20; i += 1) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => {
          const el = document.activeElement;
          return { gd: el?.dataset?.gd ?? null, tag: el?.tagName, name: (el?.innerText || el?.getAttribute('aria-label') || '').trim() };
        });
        stops.push(focused);
        if (focused.gd === 'retry-now') break;
      }
      assert.equal(stops.at(-1).gd, 'retry-now', `Tab reaches the button: ${JSON.stringify(stops)}`);
      assert.ok(stops.every((s) => s.name), `every focus stop has a name: ${JSON.stringify(stops)}`);
      const ring = await button.evaluate((el) => {
        const s = getComputedStyle(el);
        return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), matches: el.matches(':focus-visible') };
      });
      assert.ok(ring.matches && ring.style !== 'none' && ring.width >= 2, `a visible focus ring: ${JSON.stringify(ring)}`);
      // The page's diagnosis sends its own checks at load; only what follows the key press counts.
      await page.waitForTimeout(1_000);
      const before = checks.length;
      await page.keyboard.press('Enter');
      const deadline = Date.now() + 5_000;
      while (checks.length === before && Date.now() < deadline) await page.waitForTimeout(100);
      assert.ok(checks.length > before, 'Enter on the focused button sent a check (the next automatic one is a minute away)');
    });
  });

  test('with reduced motion nothing moves; without it the status dot pulses', async () => {
    const nginx = servers.slow;
    const animations = async (reducedMotion) => {
      let count;
      await withPage({ reducedMotion }, nginx, async (page) => {
        await page.goto(`${nginx.origin}/account/orders`, { waitUntil: 'load', timeout: 15_000 });
        await page.waitForFunction(() => document.getElementById('gateway-doctor').dataset.state === 'waiting', null, {
          timeout: 10_000,
        });
        count = await page.evaluate(() => document.getAnimations().length);
      });
      return count;
    };
    assert.ok((await animations('no-preference')) > 0, 'the waiting state is animated by default');
    assert.equal(await animations('reduce'), 0, 'prefers-reduced-motion stops every animation');
  });
});
