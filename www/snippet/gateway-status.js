// <gateway-status>: the site's status on its ordinary pages — a coloured dot, one line of status,
// the incident title when there is one and a link to the status page — and, optionally, a banner
// while the page's own API calls fail at the gateway (502/503/504).
//
//   <script type="module" src="/_gateway-doctor/status/gateway-status.js"></script>
//   <gateway-status health-url="/_gateway-doctor/health" href="https://status.example.com/"></gateway-status>
//
// This file only defines the element and draws its first line. The WebAssembly module next to it
// (the error page's own: status page parsers, decisions, backoff) is loaded once the page is idle,
// so the host page is not slowed. Everything shown is set as text, never parsed as HTML. The shell
// decides nothing: what a round means and when to look again come from the module
// (src/logic/site_status.rs).

const PREFIX = 'gateway-doctor: ';
const GLUE_URL = new URL('./gateway_doctor.js', import.meta.url).href;
const TIMEOUT_MS = 8000;
const MAX_TEXT_CHARS = 200;

// English defaults; the page can replace any of them with `texts` in the element's JSON block.
const TEXTS = {
  checking: 'Checking status…',
  operational: 'All systems operational',
  degraded: 'Degraded performance',
  partialOutage: 'Partial outage',
  majorOutage: 'Major outage',
  down: 'Our servers are not responding',
  maintenance: 'Maintenance in progress',
  unknown: 'Status unavailable',
  link: 'Status page',
  banner: 'Some features are unavailable, retrying…',
};
const TEXT_OF_LEVEL = {
  checking: 'checking',
  operational: 'operational',
  degraded: 'degraded',
  'partial-outage': 'partialOutage',
  'major-outage': 'majorOutage',
  down: 'down',
  maintenance: 'maintenance',
  unknown: 'unknown',
};

// Attribute → config key. The JSON block (or a `config` attribute) can hold the same keys.
const ATTRIBUTES = [
  ['health-url', 'healthUrl'],
  ['href', 'link'],
  ['interval-ms', 'intervalMs'],
  ['banner', 'banner'],
];

const CSS = `
:host {
  --_operational: var(--gateway-status-operational, #1a7f37);
  --_degraded: var(--gateway-status-degraded, #9a6700);
  --_partial: var(--gateway-status-partial-outage, #bc4c00);
  --_major: var(--gateway-status-major-outage, #cf222e);
  --_maintenance: var(--gateway-status-maintenance, #0969da);
  --_unknown: var(--gateway-status-unknown, #6e7781);
  --_banner-bg: var(--gateway-status-banner-background, #fff8c5);
  --_banner-fg: var(--gateway-status-banner-color, #3b2300);
  --_dot: var(--_unknown);
  display: inline-flex;
  flex-wrap: wrap;
  align-items: baseline;
  gap: 0.25em 0.75em;
  color: var(--gateway-status-color, inherit);
  font: var(--gateway-status-font, inherit);
}
@media (prefers-color-scheme: dark) {
  :host {
    --_operational: var(--gateway-status-operational, #3fb950);
    --_degraded: var(--gateway-status-degraded, #d29922);
    --_partial: var(--gateway-status-partial-outage, #f0883e);
    --_major: var(--gateway-status-major-outage, #f85149);
    --_maintenance: var(--gateway-status-maintenance, #58a6ff);
    --_unknown: var(--gateway-status-unknown, #8b949e);
    --_banner-bg: var(--gateway-status-banner-background, #3b2e00);
    --_banner-fg: var(--gateway-status-banner-color, #f8e3a1);
  }
}
:host([hidden]) { display: none; }
:host([data-level="operational"]) { --_dot: var(--_operational); }
:host([data-level="degraded"]) { --_dot: var(--_degraded); }
:host([data-level="partial-outage"]) { --_dot: var(--_partial); }
:host([data-level="major-outage"]), :host([data-level="down"]) { --_dot: var(--_major); }
:host([data-level="maintenance"]) { --_dot: var(--_maintenance); }
:host([data-level="off"]) [part~="status"] { display: none; }
[part~="dot"] {
  display: inline-block;
  flex: none;
  width: 0.65em;
  height: 0.65em;
  margin-inline-end: 0.45em;
  border-radius: 50%;
  background: var(--_dot);
}
@media (prefers-reduced-motion: no-preference) {
  :host([data-level="checking"]) [part~="dot"] { animation: gd-pulse 1.6s ease-in-out infinite; }
}
@keyframes gd-pulse { 50% { opacity: 0.35; } }
@media (forced-colors: active) {
  [part~="dot"] { forced-color-adjust: none; outline: 1px solid CanvasText; }
}
[part~="incident"] { font-weight: 600; margin-inline-start: 0.5em; }
[part~="incident"]:empty { display: none; }
[part~="link"] { color: var(--gateway-status-link, inherit); }
[part~="link"][hidden] { display: none; }
/* Fixed over the top of the page by default; a site whose header must stay visible sets
   --gateway-status-banner-position: static (or sticky) and places the element where the banner
   should take its room. */
[part~="banner"] {
  position: var(--gateway-status-banner-position, fixed);
  inset-inline: 0;
  top: 0;
  z-index: var(--gateway-status-banner-z-index, 2147483000);
  padding: 0.6em 1em;
  text-align: center;
  background: var(--_banner-bg);
  color: var(--_banner-fg);
  border-bottom: 1px solid currentColor;
  font: var(--gateway-status-font, inherit);
}
[part~="banner"]:empty { display: none; }
`;

// ---------------------------------------------------------------------------------------------
// The WebAssembly module, loaded once for every element on the page.

let loading;
function loadModule() {
  loading ??= import(GLUE_URL).then(async (glue) => {
    await glue.default();
    return glue;
  });
  return loading;
}

/** After the page's load event, when the browser is idle (at most 3 s later). */
function whenIdle() {
  return new Promise((resolve) => {
    const idle = () =>
      typeof requestIdleCallback === 'function' ? requestIdleCallback(() => resolve(), { timeout: 3000 }) : setTimeout(resolve, 200);
    if (document.readyState === 'complete') idle();
    else addEventListener('load', idle, { once: true });
  });
}

// ---------------------------------------------------------------------------------------------
// Requests. Our own checks use the fetch the page had when this file loaded (never a wrapper) and
// are left out of what the banner watches.

const pageFetch = globalThis.fetch.bind(globalThis);
const ownUrls = new Set();

function absolute(url) {
  try {
    return new URL(url, location.href).href;
  } catch {
    return '';
  }
}

function sameOrigin(url) {
  try {
    return new URL(url, location.href).origin === location.origin;
  } catch {
    return false;
  }
}

async function get(url) {
  ownUrls.add(absolute(url));
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    return await pageFetch(url, {
      cache: 'no-store',
      credentials: 'same-origin',
      redirect: 'manual',
      signal: controller.signal,
    });
  } finally {
    clearTimeout(timer);
  }
}

/** The health endpoint's status: an HTTP status, 0 for no answer, -1 when there is none. */
async function checkHealth(url) {
  if (!url) return -1;
  try {
    const res = await get(url);
    return res.type === 'opaqueredirect' ? 302 : res.status;
  } catch {
    return 0;
  }
}

/** The status page's JSON: an object, null when it failed, undefined when there is none. */
async function readStatusPage(url) {
  if (!url) return undefined;
  try {
    const res = await get(url);
    return res.ok ? await res.json() : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Banner mode: the page's own API calls. Resource Timing reports each finished fetch/XHR with its
// `responseStatus` (Chromium 109+) without touching the page's code. Where the browser does not,
// banner="fetch" wraps window.fetch instead (opt-in: it changes a global). Same-origin calls only.

const watchers = new Set();
let watching = '';

function apiAnswered(url, status) {
  if (!sameOrigin(url) || ownUrls.has(absolute(url))) return;
  for (const element of watchers) element.apiAnswer(status);
}

function reportsStatus() {
  return (
    typeof PerformanceObserver === 'function' &&
    typeof PerformanceResourceTiming === 'function' &&
    'responseStatus' in PerformanceResourceTiming.prototype
  );
}

function watchApiCalls(mode) {
  if (watching) return watching;
  if (reportsStatus()) {
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if (entry.initiatorType === 'fetch' || entry.initiatorType === 'xmlhttprequest') {
          apiAnswered(entry.name, entry.responseStatus);
        }
      }
    });
    // `buffered`: calls that failed before this file ran count too.
    observer.observe({ type: 'resource', buffered: true });
    watching = 'observer';
  } else if (mode === 'fetch') {
    const wrapped = globalThis.fetch;
    globalThis.fetch = function fetch(input, init) {
      const result = wrapped.apply(this, arguments);
      const url = typeof input === 'string' || input instanceof URL ? String(input) : input && input.url;
      result.then(
        (res) => apiAnswered(res.url || url, res.status),
        () => {},
      );
      return result;
    };
    watching = 'fetch';
  } else {
    console.warn(
      PREFIX + 'banner: this browser does not report response statuses to pages; set banner="fetch" to watch fetch() calls instead',
    );
    watching = 'none';
  }
  return watching;
}

// ---------------------------------------------------------------------------------------------
// The element

function readTexts(raw) {
  const texts = { ...TEXTS };
  if (raw === undefined) return texts;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    console.warn(PREFIX + 'status: `texts` must be an object of strings; using the defaults');
    return texts;
  }
  for (const [key, value] of Object.entries(raw)) {
    if (!(key in TEXTS)) {
      console.warn(PREFIX + 'status: `texts.' + key + '` is not a known text (' + Object.keys(TEXTS).join(', ') + ')');
    } else if (typeof value !== 'string' || !value.trim()) {
      console.warn(PREFIX + 'status: `texts.' + key + '` must be a non-empty string; using the default');
    } else {
      texts[key] = value.trim().slice(0, MAX_TEXT_CHARS);
    }
  }
  return texts;
}

function parseJson(text, where) {
  if (!text || !text.trim()) return {};
  try {
    const value = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value;
  } catch {
    // reported below
  }
  console.warn(PREFIX + 'status: ' + where + ' is not a JSON object; using defaults');
  return {};
}

/** The element's settings: its JSON block or `config` attribute, then its attributes on top. */
function readConfig(element) {
  const block = element.querySelector(':scope > script[type="application/json"]');
  const config = block
    ? parseJson(block.textContent, 'the JSON block')
    : parseJson(element.getAttribute('config') || '', 'the config attribute');
  for (const [attribute, key] of ATTRIBUTES) {
    if (!element.hasAttribute(attribute)) continue;
    const value = element.getAttribute(attribute).trim();
    if (key === 'intervalMs') config.intervalMs = value === '' ? value : Number(value);
    else if (key === 'banner') config.banner = value === '' ? true : value;
    else config[key] = value;
  }
  if (element.hasAttribute('status-url')) {
    const statusPage = { url: element.getAttribute('status-url').trim() };
    const format = element.getAttribute('status-format');
    if (format) statusPage.format = format.trim();
    config.statusPage = statusPage;
  }
  const { texts, ...rest } = config;
  return { config: rest, texts: readTexts(texts) };
}

function sheet() {
  if ('adoptedStyleSheets' in Document.prototype && typeof CSSStyleSheet === 'function') {
    try {
      // A constructed sheet: allowed under a Content-Security-Policy without 'unsafe-inline'.
      const constructed = new CSSStyleSheet();
      constructed.replaceSync(CSS);
      return constructed;
    } catch {
      // fall back to a <style> element
    }
  }
  return null;
}

let sharedSheet;

export class GatewayStatus extends HTMLElement {
  constructor() {
    super();
    this.generation = 0;
    this.onVisibility = () => this.visibilityChanged();
  }

  connectedCallback() {
    if (!this.shadowRoot) this.build();
    this.start();
  }

  disconnectedCallback() {
    this.stop();
  }

  build() {
    const root = this.attachShadow({ mode: 'open' });
    sharedSheet ??= sheet();
    if (sharedSheet) {
      root.adoptedStyleSheets = [sharedSheet];
    } else {
      const style = document.createElement('style');
      style.textContent = CSS;
      root.append(style);
    }
    const part = (tag, name, attributes = {}) => {
      const el = document.createElement(tag);
      el.setAttribute('part', name);
      for (const [key, value] of Object.entries(attributes)) el.setAttribute(key, value);
      return el;
    };
    // Not a live region yet: the first result is part of the page, not news. Changes after it are.
    this.statusEl = part('span', 'status');
    this.dotEl = part('span', 'dot', { 'aria-hidden': 'true' });
    this.textEl = part('span', 'text');
    this.incidentEl = part('span', 'incident');
    this.statusEl.append(this.dotEl, this.textEl, this.incidentEl);
    this.linkEl = part('a', 'link', { hidden: '' });
    this.bannerEl = part('div', 'banner', { role: 'status' });
    root.append(this.statusEl, this.linkEl, this.bannerEl);
  }

  start() {
    const generation = ++this.generation;
    const { config, texts } = readConfig(this);
    this.texts = texts;
    this.bannerShown = false;
    this.pending = [];
    // A failing API call wakes the module up before the page is idle.
    const urgent = new Promise((resolve) => {
      this.hurry = resolve;
    });
    this.show({ level: 'checking', title: null, link: null, banner: false });
    document.addEventListener('visibilitychange', this.onVisibility);
    // Watching starts now, before the module loads, so early failures count; the module validates
    // the same value (and warns about a bad one).
    const banner = config.banner !== undefined && config.banner !== null && config.banner !== false && config.banner !== 'off';
    if (banner) {
      watchers.add(this);
      watchApiCalls(config.banner);
    }
    Promise.race([whenIdle(), urgent])
      .then(loadModule)
      .then((glue) => {
        if (generation !== this.generation) return;
        this.monitor = new glue.StatusMonitor(config);
        if (!this.monitor.healthUrl && !this.monitor.statusUrl) {
          if (!banner) {
            console.warn(PREFIX + 'status: nothing to show; set health-url, status-url or banner');
          }
          this.show({ level: 'off', title: null, link: null, banner: this.bannerShown });
        }
        for (const status of this.pending.splice(0)) this.apiAnswer(status);
        if (this.monitor.healthUrl || this.monitor.statusUrl) this.round();
      })
      .catch((err) => {
        if (generation !== this.generation) return;
        console.warn(PREFIX + 'status: could not load the WebAssembly module; the status stays unknown.', err);
        this.show({ level: 'unknown', title: null, link: null, banner: false });
      });
  }

  stop() {
    this.generation++;
    clearTimeout(this.timer);
    this.timer = undefined;
    watchers.delete(this);
    document.removeEventListener('visibilitychange', this.onVisibility);
    if (this.monitor) this.monitor.free();
    this.monitor = undefined;
  }

  /** One round of checks; none while the tab is hidden (it runs when the tab is visible again). */
  async round() {
    this.timer = undefined;
    if (document.visibilityState === 'hidden' || this.busy) return;
    const generation = this.generation;
    const monitor = this.monitor;
    this.busy = true;
    let health;
    let status;
    try {
      [health, status] = await Promise.all([checkHealth(monitor.healthUrl), readStatusPage(monitor.statusUrl)]);
    } finally {
      this.busy = false;
    }
    if (generation !== this.generation) return;
    const view = monitor.round(health, status);
    this.show(view);
    this.schedule(view.delayMs);
  }

  schedule(delayMs) {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = Date.now() + delayMs;
    if (document.visibilityState !== 'hidden') this.timer = setTimeout(() => this.round(), delayMs);
  }

  visibilityChanged() {
    if (!this.monitor || !(this.monitor.healthUrl || this.monitor.statusUrl)) return;
    if (document.visibilityState === 'hidden') {
      clearTimeout(this.timer);
      this.timer = undefined;
    } else if (!this.timer && !this.busy) {
      this.timer = setTimeout(() => this.round(), Math.max(0, (this.due ?? 0) - Date.now()));
    }
  }

  /** One of the page's own calls finished (banner mode). */
  apiAnswer(status) {
    if (!this.monitor) {
      // The module is not here yet: keep the answers in order and fetch it now, not at idle.
      if (this.pending.length < 64) this.pending.push(status);
      this.hurry();
      return;
    }
    const recheckMs = this.monitor.apiAnswer(Math.max(0, Math.min(999, Number(status) || 0)));
    if (this.monitor.bannerShown !== this.bannerShown) this.setBanner(this.monitor.bannerShown);
    // "retrying…": the banner just appeared; check the health endpoint soon.
    if (recheckMs >= 0 && !this.busy && (!this.timer || this.due - Date.now() > recheckMs)) this.schedule(recheckMs);
  }

  setBanner(shown) {
    this.bannerShown = shown;
    this.toggleAttribute('data-banner', shown);
    this.bannerEl.textContent = shown ? this.texts.banner : '';
  }

  show(view) {
    this.dataset.level = view.level;
    if (view.level !== 'off') {
      this.textEl.textContent = this.texts[TEXT_OF_LEVEL[view.level] || 'unknown'];
      this.incidentEl.textContent = view.title || '';
    }
    if (view.link) {
      this.linkEl.href = view.link;
      this.linkEl.textContent = this.texts.link;
      if (!sameOrigin(view.link)) this.linkEl.rel = 'noopener noreferrer';
      this.linkEl.hidden = false;
    } else {
      this.linkEl.hidden = true;
    }
    if (view.banner !== this.bannerShown) this.setBanner(view.banner);
    // After the first result is drawn, so it is not announced; later changes are.
    if (view.level !== 'checking') this.statusEl.setAttribute('role', 'status');
  }
}

if (typeof customElements !== 'undefined' && !customElements.get('gateway-status')) {
  customElements.define('gateway-status', GatewayStatus);
}
