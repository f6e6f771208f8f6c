// gateway-doctor for bundlers (Vite, webpack 5, Parcel, Rollup) and plain ES modules.
//
// The WebAssembly module is wasm-bindgen's `web` build: it finds its .wasm with
// `new URL('gateway_doctor_bg.wasm', import.meta.url)`, which bundlers turn into an asset without any
// plugin. The visitor-facing texts are per-language bundles (locales/<tag>.js, generated from the
// same locales/<tag>.json the error page uses): English is imported here, every other language is a
// separate chunk loaded only when asked for.

import init, { diagnose as diagnoseWasm, mount as mountWasm } from './gateway_doctor.js';
import english from './locales/en.js';
import { LOCALES, loaders } from './locales/index.js';

const PREFIX = 'gateway-doctor: ';

/** The language tags this package has texts for (English first: the fallback). */
export const locales = LOCALES;

let ready;

/**
 * Fetches and instantiates the WebAssembly module once; `mount`, `diagnose` and the element call it.
 * Pass a URL (or Response, bytes, Module) to load the .wasm from somewhere else.
 */
export function load(moduleOrPath) {
  ready ??= init(moduleOrPath === undefined ? undefined : { module_or_path: moduleOrPath }).catch((err) => {
    ready = undefined; // a later call may try again
    throw err;
  });
  return ready;
}

/** The first of `wanted` (language tags, in order of preference) that this package speaks; else "en". */
export function pickLocale(wanted) {
  for (const tag of wanted) {
    if (typeof tag !== 'string') continue;
    const primary = tag.split(/[-_]/)[0].toLowerCase();
    if (LOCALES.includes(primary)) return primary;
  }
  return 'en';
}

/** The text bundle for a language tag (primary subtag is enough: "pt-BR" → "pt"). */
export async function loadTexts(tag) {
  const primary = String(tag).split(/[-_]/)[0].toLowerCase();
  if (primary === 'en') return english;
  const loader = loaders[primary];
  if (!loader) throw new Error(PREFIX + 'no texts for "' + tag + '" (available: ' + LOCALES.join(', ') + ')');
  return (await loader()).default;
}

function plainObject(value, what) {
  if (value === undefined || value === null) return {};
  if (typeof value === 'object' && !Array.isArray(value)) return value;
  console.warn(PREFIX + what + ' must be an object; using defaults');
  return {};
}

// What a gateway filled in with SSI (the error page's meta tags), when the host page has them.
function pageMeta() {
  const read = (name) => {
    const meta = typeof document !== 'undefined' && document.querySelector('meta[name="gateway-doctor:' + name + '"]');
    const value = ((meta && meta.getAttribute('content')) || '').trim();
    return value.startsWith('<!--#') ? '' : value;
  };
  return {
    request: read('request'),
    requestId: read('request-id'),
    retryAfter: read('retry-after'),
    status: read('status'),
    upstreamAddr: read('upstream-addr'),
    upstreamStatus: read('upstream-status'),
    time: read('time'),
  };
}

// ---------------------------------------------------------------------------------------------
// Default look, scoped to the mounted element and overridable (low specificity, CSS custom
// properties with the error page's names). A constructed stylesheet: no <style> element, so a
// Content-Security-Policy without 'unsafe-inline' allows it.

const CSS = `
:where([data-gd-widget]) {
  --_fg: var(--gd-fg, #1b1f24); --_muted: var(--gd-muted, #535c67); --_surface: var(--gd-surface, #fff);
  --_border: var(--gd-border, #d5dae0); --_accent: var(--gd-accent, var(--gd-brand-accent, #0a58ca)); --_accent-fg: var(--gd-accent-fg, var(--gd-brand-accent-fg, #fff));
  --_wait: var(--gd-wait, #b35c00); --_ok: var(--gd-ok, #1a7f37); --_bad: var(--gd-bad, #c4291c);
  --_state: var(--_wait);
  display: flex; flex-wrap: wrap; align-items: center; gap: .75rem 1rem;
  padding: 1rem 1.25rem; color: var(--_fg); background: var(--_surface);
  border: 1px solid var(--_border); border-inline-start: 4px solid var(--_state); border-radius: var(--gd-radius, .75rem);
}
@media (prefers-color-scheme: dark) {
  :where([data-gd-widget]) {
    --_fg: var(--gd-fg, #e7e9ec); --_muted: var(--gd-muted, #a8b0ba); --_surface: var(--gd-surface, #1b1f25);
    --_border: var(--gd-border, #353c45); --_accent: var(--gd-accent, var(--gd-brand-accent-dark, #86b4fa)); --_accent-fg: var(--gd-accent-fg, var(--gd-brand-accent-dark-fg, #0b1930));
    --_wait: var(--gd-wait, #f0a54a); --_ok: var(--gd-ok, #52c873); --_bad: var(--gd-bad, #ff8178);
  }
}
:where([data-gd-widget][data-state="recovered"], [data-gd-widget][data-state="reloading"], [data-gd-widget][data-state="manual"]) { --_state: var(--_ok); }
:where([data-gd-widget][data-state^="paused"]) { --_state: var(--_muted); }
:where([data-gd-widget][data-state="stopped"]) { --_state: var(--_bad); }
:where([data-gd-widget]) :where([data-gd="status"]) { flex: 1 1 12rem; margin: 0; font-weight: 600; }
:where([data-gd-widget]) :where([data-gd="countdown"]) { color: var(--_muted); font-variant-numeric: tabular-nums; }
:where([data-gd-widget]) :where([data-gd="countdown"]:empty) { display: none; }
:where([data-gd-widget]) :where(button[data-gd="retry-now"]) {
  font: inherit; font-weight: 600; padding: .5rem 1rem; border: 0; border-radius: .5rem;
  color: var(--_accent-fg); background: var(--_accent); cursor: pointer;
}
:where([data-gd-widget]) :where(button[data-gd="retry-now"]:disabled) { opacity: .55; cursor: not-allowed; }
:where([data-gd-widget]) :where([data-gd="diagnosis"]) { flex: 1 1 100%; }
:where([data-gd-widget]) :where([data-gd="diagnosis"][aria-busy]) { display: none; }
:where([data-gd-widget]) :where([data-gd="hops"]) { display: flex; flex-wrap: wrap; gap: .5rem; padding: 0; list-style: none; }
:where([data-gd-widget]) :where([data-hop]) { display: grid; padding-block-start: .4rem; border-block-start: 3px solid var(--_hop, var(--_muted)); min-inline-size: 6rem; }
:where([data-gd-widget]) :where([data-result="ok"]) { --_hop: var(--_ok); }
:where([data-gd-widget]) :where([data-result="failed"]) { --_hop: var(--_bad); }
:where([data-gd-widget]) :where([data-result="degraded"]) { --_hop: var(--_wait); }
:where([data-gd-widget]) :where([data-result="maintenance"]) { --_hop: var(--_wait); }
:where([data-gd-widget]) :where([data-hop] span) { color: var(--_muted); }
:where([data-gd-widget]) :where(a) { color: var(--_accent); }
:where([data-gd-widget]) :where([data-step] a + a) { margin-inline-start: .3em; padding-inline-start: .6em; border-inline-start: 1px solid var(--_border); }
gateway-doctor { display: block; }
`;

let styled = false;
function addStyles() {
  if (styled || typeof document === 'undefined') return;
  styled = true;
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  } catch {
    const style = document.createElement('style');
    style.textContent = CSS;
    document.head.append(style);
  }
}

// ---------------------------------------------------------------------------------------------
// The API

// The live (or still starting) widget of each element: mounting again into an element replaces
// the widget there, so two widgets never fight over one element (React's strict mode mounts,
// unmounts and mounts again).
const widgets = new WeakMap();

/**
 * Mounts the recovery widget and the diagnosis into `element`. It keeps checking, politely, whether
 * the site is back and reloads the page when it is (only after a GET; otherwise it offers a button).
 *
 * options: `locale` (else config.locale, else the browser's languages), `texts` (a bundle you loaded
 * yourself), `page` ({ request, requestId, retryAfter, status, ... }: what the gateway said; read
 * from the gateway-doctor:* meta tags, as on the shipped page, when absent), `styles: false` (no
 * default look), `signal` (an AbortSignal: aborting it unmounts).
 *
 * Resolves to `{ unmount() }`: unmount stops everything the widget started (its timer, checks in
 * flight, listeners, the cross-tab channel and lock: another tab takes over probing) and empties
 * `element`; after it, nothing is sent and nothing reloads. Idempotent. Unmounting (or aborting
 * the signal, or mounting again into the same element) before the WebAssembly is ready means the
 * widget never starts.
 */
export async function mount(element, config = {}, options = {}) {
  if (typeof Element === 'undefined' || !(element instanceof Element)) {
    throw new TypeError(PREFIX + 'mount(element, config): element must be a DOM element');
  }
  config = plainObject(config, 'the config');
  options = plainObject(options, 'mount options');
  const signal = options.signal;
  let widget; // the wasm's handle, once mounted
  let stopped = false;
  let marked = false;
  const onAbort = () => handle.unmount();
  const handle = {
    unmount() {
      if (stopped) return;
      stopped = true;
      signal?.removeEventListener?.('abort', onAbort);
      if (widgets.get(element) === handle) widgets.delete(element);
      if (widget) {
        widget.unmount();
        widget.free();
        widget = undefined;
      }
      if (marked) element.removeAttribute('data-gd-widget');
    },
  };
  widgets.get(element)?.unmount();
  widgets.set(element, handle);
  if (signal?.aborted) {
    handle.unmount();
    return handle;
  }
  signal?.addEventListener?.('abort', onAbort, { once: true });

  const wanted = [options.locale, config.locale];
  if (typeof navigator !== 'undefined') wanted.push(...(navigator.languages || []), navigator.language);
  const locale = pickLocale(wanted);
  const texts = options.texts
    ? Promise.resolve(options.texts)
    : loadTexts(locale).catch((err) => {
        console.warn(PREFIX + 'could not load the "' + locale + '" texts; using English.', err);
        return english;
      });
  try {
    await load();
    if (stopped) return handle;
    if (options.styles !== false) {
      addStyles();
      element.setAttribute('data-gd-widget', '');
      marked = true;
    }
    const page = { ...pageMeta(), ...plainObject(options.page, 'options.page') };
    const bundle = await texts;
    // Unmounted while the texts loaded: the widget never starts.
    if (stopped) return handle;
    try {
      widget = mountWasm(element, config, page, bundle);
    } catch (err) {
      // A bundle from another build is refused before anything is drawn: fall back to English.
      if (bundle === english) throw err;
      console.warn(PREFIX + 'the "' + locale + '" texts do not fit this version; using English.', err);
      widget = mountWasm(element, config, page, english);
    }
  } catch (err) {
    handle.unmount();
    throw err;
  }
  return handle;
}

/**
 * Checks the page, the gateway, the health endpoint, the status page and any alternates once, and
 * resolves to the diagnosis as plain data (verdict, hop marks, the visitor's steps, a text report).
 * Nothing is drawn. It never rejects because of the config: bad keys give console warnings.
 */
export async function diagnose(config = {}) {
  await load();
  return diagnoseWasm(plainObject(config, 'the config'));
}

// ---------------------------------------------------------------------------------------------
// <gateway-doctor>: the same widget as an element. Config from a `config` attribute (JSON) or a
// child <script type="application/json">; `locale` attribute. It mounts when connected and unmounts
// when removed from the document; moved within the document, it keeps running.

// undefined when the element has no config at all (neither attribute nor block).
function elementConfig(element) {
  const block = element.querySelector(':scope > script[type="application/json"]');
  if (!block && !element.hasAttribute('config')) return undefined;
  const text = block ? block.textContent : element.getAttribute('config');
  if (!text || !text.trim()) return {};
  try {
    const value = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value;
  } catch {
    // reported below
  }
  console.warn(PREFIX + '<gateway-doctor>: the config is not a JSON object; using defaults');
  return {};
}

const Base = typeof HTMLElement === 'undefined' ? class {} : HTMLElement;

export class GatewayDoctorElement extends Base {
  /** Aborting it unmounts the widget: set from connecting until really removed. */
  #running;
  /** The widget replaces the element's content (its JSON block too): kept for a later mount. */
  #config;

  connectedCallback() {
    // Moved (disconnected and connected again at once): the widget is still running.
    if (this.#running) return;
    this.#config = elementConfig(this) ?? this.#config ?? {};
    const running = new AbortController();
    this.#running = running;
    const options = { locale: this.getAttribute('locale') || undefined, signal: running.signal };
    /** Settles once the widget is drawn (or has given up; it never rejects). */
    this.mounted = mount(this, this.#config, options).then(
      () => {
        if (!running.signal.aborted) this.dispatchEvent(new CustomEvent('gateway-doctor:mounted'));
      },
      (err) => {
        if (running.signal.aborted) return;
        console.warn(PREFIX + '<gateway-doctor> could not start.', err);
        this.dataset.state = 'static';
      },
    );
  }

  disconnectedCallback() {
    // A move runs both callbacks before the microtask: only an element still out of the
    // document then is really gone.
    queueMicrotask(() => {
      if (this.isConnected || !this.#running) return;
      this.#running.abort();
      this.#running = undefined;
    });
  }
}

/** Defines <gateway-doctor> (done on import; call it with another name if that one is taken). */
export function defineElement(name = 'gateway-doctor') {
  if (typeof customElements !== 'undefined' && !customElements.get(name)) {
    customElements.define(name, name === 'gateway-doctor' ? GatewayDoctorElement : class extends GatewayDoctorElement {});
  }
}

defineElement();
