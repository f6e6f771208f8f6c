// gateway-doctor boot loader (ES module; an external file so a strict CSP needs no 'unsafe-inline').
// It reads the page's settings, loads the WebAssembly widget and mounts it. If anything fails, it
// logs a warning and leaves the static guidance alone: it never throws.

const PREFIX = 'gateway-doctor: ';

function readConfig() {
  const block = document.getElementById('gateway-doctor-config');
  const text = block ? block.textContent.trim() : '';
  if (!text) return {};
  try {
    const value = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value;
    console.warn(PREFIX + 'the config block is not a JSON object; using defaults');
  } catch (err) {
    // The parser's message says where (e.g. "… at position 1 (line 1 column 2)").
    console.warn(PREFIX + 'the config block is not valid JSON (' + err.message + '); using defaults');
  }
  return {};
}

// nginx fills these in with SSI. Without SSI the attribute still holds the literal "<!--# ...",
// which means "unknown" just like an empty value.
function readMeta(name) {
  const meta = document.querySelector('meta[name="gateway-doctor:' + name + '"]');
  const value = ((meta && meta.getAttribute('content')) || '').trim();
  return value.startsWith('<!--#') ? '' : value;
}

// The languages this page offers: the gateway-doctor:locales meta, in order (the first is the fallback).
function offeredLocales() {
  const tags = readMeta('locales').toLowerCase().split(/\s+/).filter(Boolean);
  return tags.length ? tags : ['en'];
}

// The config's `locale` wins, then the browser's preferences, by primary subtag (pt-BR → pt).
function pickLocale(config, offered) {
  const wanted = [config.locale, ...(navigator.languages || []), navigator.language];
  for (const tag of wanted) {
    if (typeof tag !== 'string') continue;
    const primary = tag.split(/[-_]/)[0].toLowerCase();
    if (offered.includes(primary)) return primary;
  }
  return offered[0];
}

// A bundle inlined in the page (single files) or fetched next to this script.
async function loadTexts(tag) {
  const inline = document.getElementById('gateway-doctor-texts-' + tag);
  if (inline) return JSON.parse(inline.textContent);
  const response = await fetch(new URL('locales/' + tag + '.json', import.meta.url));
  if (!response.ok) throw new Error('HTTP ' + response.status);
  return response.json();
}

// Removes everything the widget added and shows again what it hid (the static steps and the owner's
// checklist, which it replaces with tailored ones; the static page hides nothing of its own).
function dropWidget(root, state) {
  root.replaceChildren();
  root.removeAttribute('data-verdict');
  root.dataset.state = state;
  for (const el of document.querySelectorAll('[hidden]')) el.hidden = false;
}

// A fault inside the running widget (a wasm trap, which is what a Rust panic becomes; or a browser
// API throwing through it) reaches the window as an uncaught error. Recognised by its type or by
// the wasm frames in its stack, it is reported once as a warning; the widget is dropped
// (data-state="failed": the static guidance is all that remains), the timers it set are cleared
// and the cross-tab checking role is handed on. Later errors of the stopped widget are silenced;
// other scripts' errors are left alone.
function watchForFaults(root) {
  const firstTimer = setTimeout(() => {}, 0);
  let stopped = false;
  const fromWidget = (err) =>
    (typeof WebAssembly === 'object' && err instanceof WebAssembly.RuntimeError) ||
    /wasm-function\[|gateway_doctor/.test(String(err && err.stack));
  const onError = (event, err) => {
    // Handing the lock on (below) rejects the stopped widget's own request with an AbortError.
    if (!fromWidget(err) && !(stopped && err && err.name === 'AbortError')) return;
    event.preventDefault();
    if (stopped) return;
    stopped = true;
    console.warn(PREFIX + "the widget stopped after an internal error; the page's guidance still applies.", err);
    dropWidget(root, 'failed');
    // Timer ids count up: every timer set since the widget started is the widget's.
    for (let id = setTimeout(() => {}, 0); id > firstTimer; id--) {
      clearTimeout(id);
      clearInterval(id);
    }
    // The tab holding the prober lock (src/web/tabs.rs) checks for all the site's tabs: if that is
    // this one (same client id as a lock of its own), take the lock back and let it go at once.
    const locks = navigator.locks;
    const self = 'gateway-doctor-stopped-' + Math.random();
    if (locks) {
      locks
        .request(self, async () => {
          const { held } = await locks.query();
          const me = held.find((lock) => lock.name === self);
          if (held.some((lock) => lock.name === 'gateway-doctor-prober' && lock.clientId === me?.clientId)) {
            await locks.request('gateway-doctor-prober', { steal: true }, () => {});
          }
        })
        .catch(() => {});
    }
  };
  addEventListener('error', (event) => onError(event, event.error));
  addEventListener('unhandledrejection', (event) => onError(event, event.reason));
}

async function boot() {
  const root = document.getElementById('gateway-doctor');
  if (!root) {
    console.warn(PREFIX + 'no #gateway-doctor element on this page; nothing to mount');
    return;
  }
  const config = readConfig();
  const pageInfo = {
    request: readMeta('request'),
    requestId: readMeta('request-id'),
    retryAfter: readMeta('retry-after'),
    status: readMeta('status'),
    upstreamAddr: readMeta('upstream-addr'),
    upstreamStatus: readMeta('upstream-status'),
    time: readMeta('time'),
  };
  const offered = offeredLocales();
  const locale = pickLocale(config, offered);
  // The language bundle loads while the wasm compiles; a failed one falls back to the first offered.
  const texts = loadTexts(locale).catch((err) => {
    if (locale === offered[0]) throw err;
    console.warn(PREFIX + 'could not load the "' + locale + '" texts; using "' + offered[0] + '".', err);
    return loadTexts(offered[0]);
  });
  texts.catch(() => {}); // Awaited below; this only keeps an early failure from being reported twice.
  let widget;
  try {
    // A dynamic import, so a missing, blocked or unsupported glue file or .wasm is caught here.
    widget = await import('./gateway_doctor.js');
    await widget.default();
  } catch (err) {
    console.warn(PREFIX + 'could not load the WebAssembly widget; the page keeps its static guidance.', err);
    return;
  }
  watchForFaults(root);
  try {
    await widget.mount(root, config, pageInfo, await texts);
  } catch (err) {
    // Drop anything half-rendered: a countdown that never fires would mislead the visitor.
    dropWidget(root, 'static');
    console.warn(PREFIX + 'the widget failed to start; the page keeps its static guidance.', err);
  }
}

boot().catch((err) => console.warn(PREFIX + 'unexpected failure while booting.', err));
