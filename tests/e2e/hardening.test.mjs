// Hardening in a real browser, against real nginx:
// - faults inside the running widget (a wasm trap from a Rust panic, a browser API that throws
//   through it) leave the static page intact, say so once in the console, and stop the widget;
// - without JavaScript the page refreshes at most slowly, after a delay drawn per request
//   (60-120 s), and the SSI-free pages never refresh by themselves;
// - nothing in the visited URL (query, fragment) chooses where the page goes: the reload target is
//   the page's own URL and every link is the operator's or ours.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { distDir } from './lib/dist.mjs';
import {
  freePort,
  openBrowser,
  requireEnv,
  siteWithConfig,
  startNginx,
  startUpstream,
  stopNginx,
  stopUpstream,
  widgetMounted,
  withReport,
} from './lib/harness.mjs';

const STATIC_HEADING = /can.t reach its application/i;
const FAULT_WARNING = /^warning: gateway-doctor: the widget stopped after an internal error/;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn`, adding nginx's logs and the browsers' consoles to a failure. */
const withLogs = (nginx, browsers, fn) => withReport({ nginx, browsers }, fn);

describe('hardening', { timeout: 180_000, concurrency: true }, () => {
  before(() => requireEnv());

  describe('faults inside the widget', () => {
    let nginx;
    const browsers = [];
    const PAGE = '/checkout?step=1';

    before(async () => {
      nginx = await startNginx({ upstreamPort: await freePort() });
    });
    after(async () => {
      for (const b of browsers) await b.close();
      await stopNginx(nginx);
    });

    /**
     * Opens the page with `inject` as an init script, lets the widget mount, arms the fault with
     * `window.__gdArmFault = true`, and checks what the visitor and the console get.
     */
    async function expectContainedFault(inject) {
      const b = await openBrowser({ origin: nginx.origin });
      browsers.push(b);
      const { page } = b;
      await b.context.addInitScript(inject);
      const url = nginx.origin + PAGE;
      const checks = [];
      page.on('request', (r) => {
        if (r.url() === url && !r.isNavigationRequest()) checks.push(Date.now());
      });
      const res = await page.goto(url, { waitUntil: 'load', timeout: 15_000 });
      assert.equal(res.status(), 502);
      await widgetMounted(page);
      await page.locator('#gateway-doctor [data-gd="countdown"]').waitFor({ state: 'attached' });
      await page.evaluate(() => {
        window.__gdArmFault = true;
      });
      // The fault fires at the next redraw (the countdown ticks every second).
      await page.waitForFunction(() => document.getElementById('gateway-doctor').dataset.state === 'failed', null, {
        timeout: 5_000,
      });
      const faultAt = Date.now();

      // The visitor keeps the whole static page; the widget's half-built state is gone.
      assert.ok(await page.getByRole('heading', { level: 1, name: STATIC_HEADING }).isVisible());
      assert.ok(await page.getByRole('heading', { level: 2, name: 'What you can do' }).isVisible());
      const root = page.locator('#gateway-doctor');
      assert.equal(await root.evaluate((el) => el.childNodes.length), 0);
      assert.equal(await root.boundingBox(), null, 'no frozen countdown or button');

      // Events the widget listens to keep arriving; its later callbacks fail quietly.
      await b.context.setOffline(true);
      await b.context.setOffline(false);
      await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
      await sleep(3_000);
      const warnings = b.consoleLog.filter((line) => FAULT_WARNING.test(line));
      assert.equal(warnings.length, 1, `one warning, once:\n${b.consoleLog.join('\n')}`);
      assert.deepEqual(b.consoleErrors, [], 'no uncaught error reaches the console');
      assert.deepEqual(
        checks.filter((at) => at > faultAt),
        [],
        'the stopped widget sends no more checks',
      );
      assert.equal(await root.getAttribute('data-state'), 'failed');

      // The page still works.
      await page.getByText('For the site owner').click();
      assert.equal(await page.locator('details.gd-owner').evaluate((d) => d.open), true);
    }

    test('a wasm trap (a Rust panic: panic = "abort") in the middle of an update', async () => {
      await withLogs(nginx, browsers, async () => {
        // Makes the widget re-enter itself while it is updating the page: its state is borrowed,
        // the second borrow panics, and with panic = "abort" the panic is an `unreachable` trap.
        await expectContainedFault(() => {
          const listeners = [];
          const add = EventTarget.prototype.addEventListener;
          EventTarget.prototype.addEventListener = function (type, fn, ...rest) {
            if (this === window && type === 'online') listeners.push(fn);
            return add.call(this, type, fn, ...rest);
          };
          const text = Object.getOwnPropertyDescriptor(Node.prototype, 'textContent');
          Object.defineProperty(Node.prototype, 'textContent', {
            configurable: true,
            get() {
              return text.get.call(this);
            },
            set(value) {
              if (window.__gdArmFault && this.parentElement?.closest('#gateway-doctor')) {
                window.__gdArmFault = false;
                listeners[0](new Event('online'));
              }
              text.set.call(this, value);
            },
          });
        });
      });
    });

    // An extension or a broken polyfill: once armed, writing text into the widget throws. The
    // exception unwinds through the wasm that called it, leaving its state mid-update.
    const throwingTextContent = () => {
      const text = Object.getOwnPropertyDescriptor(Node.prototype, 'textContent');
      Object.defineProperty(Node.prototype, 'textContent', {
        configurable: true,
        get() {
          return text.get.call(this);
        },
        set(value) {
          if (window.__gdArmFault && this.parentElement?.closest('#gateway-doctor')) {
            throw new Error('induced fault: textContent refused');
          }
          text.set.call(this, value);
        },
      });
    };

    test('a browser API that throws through the widget after mount', async () => {
      await withLogs(nginx, browsers, async () => {
        await expectContainedFault(throwingTextContent);
      });
    });

    test('a fault in the tab that checks for all tabs hands that role on', async () => {
      await withLogs(nginx, browsers, async () => {
        // Two tabs of the site: the first holds the prober lock (Web Locks), the second follows.
        const b = await openBrowser({ origin: nginx.origin });
        browsers.push(b);
        await b.context.addInitScript(throwingTextContent);
        const url = nginx.origin + '/cart';
        const first = b.page;
        await first.goto(url, { waitUntil: 'load', timeout: 15_000 });
        await widgetMounted(first);
        const second = await b.context.newPage();
        await second.goto(url, { waitUntil: 'load', timeout: 15_000 });
        const stateOf = (page) => page.getAttribute('#gateway-doctor', 'data-state');
        await second.waitForFunction(() => document.getElementById('gateway-doctor').dataset.state === 'following');
        assert.notEqual(await stateOf(first), 'following');

        await first.evaluate(() => {
          window.__gdArmFault = true;
        });
        await first.waitForFunction(() => document.getElementById('gateway-doctor').dataset.state === 'failed', null, {
          timeout: 5_000,
        });
        // The healthy tab takes over at once and checks the site itself.
        const checked = second.waitForRequest((r) => r.url() === url && !r.isNavigationRequest(), { timeout: 10_000 });
        await second.waitForFunction(
          () => document.getElementById('gateway-doctor').dataset.state !== 'following',
          null,
          { timeout: 5_000 },
        );
        await checked;
        assert.deepEqual(b.consoleErrors, [], 'the stolen lock of the stopped tab is no uncaught error');
      });
    });
  });

  describe('without JavaScript', () => {
    let nginx;
    const browsers = [];

    before(async () => {
      nginx = await startNginx({ upstreamPort: await freePort() });
    });
    after(async () => {
      for (const b of browsers) await b.close();
      await stopNginx(nginx);
    });

    test('the page refreshes at most slowly, after a delay drawn per request', async () => {
      await withLogs(nginx, browsers, async () => {
        const b = await openBrowser({ origin: nginx.origin, javaScriptEnabled: false });
        browsers.push(b);
        const delays = [];
        for (let i = 0; i < 10; i += 1) {
          const res = await b.page.goto(`${nginx.origin}/orders/${i}`, { waitUntil: 'load', timeout: 15_000 });
          assert.equal(res.status(), 502);
          // Scripting is off, so <noscript> in <head> holds real elements: exactly one refresh.
          const refresh = b.page.locator('meta[http-equiv="refresh"]');
          assert.equal(await refresh.count(), 1);
          const content = await refresh.getAttribute('content');
          assert.match(content, /^\d+$/, 'a delay only: the page refreshes itself, never elsewhere');
          delays.push(Number(content));
        }
        for (const d of delays) assert.ok(d >= 60 && d <= 120, `refresh after ${d} s`);
        assert.ok(new Set(delays).size >= 2, `delays differ between requests: ${delays}`);
        assert.ok(await b.page.getByRole('heading', { level: 2, name: 'What you can do' }).isVisible());
        assert.deepEqual(b.consoleErrors, []);
      });
    });

    test('with JavaScript the refresh is inert: the widget decides', async () => {
      await withLogs(nginx, browsers, async () => {
        const b = await openBrowser({ origin: nginx.origin });
        browsers.push(b);
        await b.page.goto(`${nginx.origin}/orders`, { waitUntil: 'load', timeout: 15_000 });
        await widgetMounted(b.page);
        assert.equal(await b.page.locator('meta[http-equiv="refresh"]').count(), 0);
      });
    });

    test('the SSI-free pages (single files, no-ssi) carry no refresh at all', async () => {
      const dist = distDir();
      const pages = [];
      const walk = async (dir) => {
        for (const entry of await readdir(dir, { withFileTypes: true })) {
          const p = path.join(dir, entry.name);
          if (entry.isDirectory()) await walk(p);
          else if (entry.name.endsWith('.html')) pages.push(p);
        }
      };
      await walk(dist);
      let ssiFree = 0;
      for (const p of pages) {
        const html = await readFile(p, 'utf8');
        if (!html.includes('data-gateway-doctor="error-page"')) continue;
        if (html.includes('<!--#')) {
          // The SSI page: its refresh delay is nginx's to fill in.
          assert.match(html, /<meta http-equiv="refresh" content="<!--# echo var='gd_refresh'/, p);
        } else {
          ssiFree += 1;
          assert.doesNotMatch(html, /http-equiv=["']?refresh/i, `${p} must not refresh`);
        }
      }
      assert.ok(ssiFree >= 3, `the single-file 502/503/504 pages were checked (${ssiFree} pages)`);
    });
  });

  describe('a config block that is not JSON', () => {
    let nginx;
    const browsers = [];

    before(async () => {
      // What an operator might paste: JavaScript object syntax, not JSON.
      const siteDir = await siteWithConfig("{healthUrl: '/x',}");
      nginx = await startNginx({ upstreamPort: await freePort(), siteDir });
    });
    after(async () => {
      for (const b of browsers) await b.close();
      await stopNginx(nginx);
    });

    test('the console says where it broke and the widget runs with the defaults', async () => {
      await withLogs(nginx, browsers, async () => {
        const b = await openBrowser({ origin: nginx.origin });
        browsers.push(b);
        await b.page.goto(`${nginx.origin}/orders`, { waitUntil: 'load', timeout: 15_000 });
        await widgetMounted(b.page);
        const warning = b.consoleLog.find((line) => line.includes('the config block is not valid JSON'));
        assert.ok(warning, `a warning about the config block:\n${b.consoleLog.join('\n')}`);
        // Chromium's parser message names the place: "... at position 1 (line 1 column 2)".
        assert.match(warning, /position \d+|line \d+/, 'the warning says where the JSON broke');
        assert.match(warning, /using defaults/);
        assert.deepEqual(b.consoleErrors, []);
      });
    });
  });

  describe('redirect safety', () => {
    let nginx;
    let upstreamPort;
    let upstream;
    const browsers = [];
    // Everything an open-redirect hunter would try, in the query and in the fragment.
    const HOSTILE =
      '/orders?next=//evil.example/&redirect=https://evil.example/&return_to=javascript:alert(1)' +
      '&url=%2F%2Fevil.example#https://evil.example/';

    before(async () => {
      upstreamPort = await freePort(); // nothing listens until the test starts the application
      nginx = await startNginx({ upstreamPort });
    });
    after(async () => {
      for (const b of browsers) await b.close();
      await stopUpstream(upstream);
      await stopNginx(nginx);
    });

    test('a hostile query or fragment chooses neither the reload target nor any link', { timeout: 60_000 }, async () => {
      await withLogs(nginx, browsers, async () => {
        const b = await openBrowser({ origin: nginx.origin });
        browsers.push(b);
        const { page, context } = b;
        const elsewhere = [];
        await context.route(
          (u) => u.origin !== nginx.origin,
          (route) => {
            elsewhere.push(route.request().url());
            return route.abort();
          },
        );
        const navigations = [];
        page.on('framenavigated', (f) => {
          if (f === page.mainFrame()) navigations.push(f.url());
        });
        const url = nginx.origin + HOSTILE;
        const res = await page.goto(url, { waitUntil: 'load', timeout: 15_000 });
        assert.equal(res.status(), 502);
        await widgetMounted(page);
        // The diagnosis (with its links) has been rendered.
        await page.locator('[data-verdict]').first().waitFor({ state: 'attached', timeout: 10_000 });

        // Every link on the page is ours or the operator's: none is taken from the address.
        const hrefs = await page.$$eval('a[href]', (links) => links.map((a) => a.getAttribute('href')));
        for (const href of hrefs) {
          assert.ok(!/evil\.example|javascript:/i.test(href), `link taken from the URL: ${href}`);
          const target = new URL(href, url);
          assert.ok(['http:', 'https:', 'mailto:'].includes(target.protocol), `link ${href}`);
        }

        // The application comes back: the page reloads itself, at its own address.
        const reloaded = page.waitForResponse(
          (r) => r.request().isNavigationRequest() && r.status() === 200,
          { timeout: 25_000 },
        );
        upstream = await startUpstream('up', { port: upstreamPort });
        const back = await reloaded;
        const landed = new URL(back.url());
        assert.equal(landed.origin, nginx.origin);
        assert.equal(landed.pathname + landed.search, new URL(url).pathname + new URL(url).search);
        await page.getByRole('heading', { level: 1, name: 'The demo application is up' }).waitFor({ timeout: 5_000 });
        for (const n of navigations) assert.equal(new URL(n).origin, nginx.origin, `navigated to ${n}`);
        assert.deepEqual(elsewhere, [], 'no request to another host');
        assert.deepEqual(b.consoleErrors, []);
      });
    });
  });
});
