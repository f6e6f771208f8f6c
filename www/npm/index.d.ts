// Types for the `gateway-doctor` package (hand-written; the shapes are documented in ARCHITECTURE.md
// and README.md and checked by tests/e2e/npm-package.test.mjs with `tsc --noEmit`).

/** Where a status page publishes its JSON. */
export type StatusFormat = 'statuspage' | 'instatus' | 'uptime-kuma' | 'gateway-doctor';

/**
 * The widget's settings: the same keys as the error page's config block (README, "Configuration").
 * Every key is optional; a bad value gives a console warning and that key's default.
 */
export interface Config {
  retry?: {
    initialDelayMs?: number;
    maxDelayMs?: number;
    jitter?: 'full' | 'decorrelated';
    giveUpAfterMs?: number;
  };
  probeTimeoutMs?: number;
  /** A same-origin path, e.g. "/_gateway-doctor/health". */
  healthUrl?: string;
  reloadSpreadMs?: number;
  /** Page loads per second the recovering application can take (sizes the staggered return). */
  reloadRatePerSecond?: number;
  /** Forces the language, e.g. "de". */
  locale?: string;
  statusPage?: { url: string; format?: StatusFormat };
  alternates?: { name: string; url: string; kind?: 'mirror' | 'region' | 'cdn-asset' }[];
  /** An https:// endpoint on someone else's infrastructure (off unless set). */
  thirdParty?: string | null;
  support?: { email?: string; url?: string; social?: { name: string; url: string }[] };
  operator?: {
    enabled?: boolean;
    server?: 'nginx' | 'apache' | 'caddy' | 'haproxy' | 'traefik';
    upstream?: 'php-fpm' | 'node' | 'python' | 'other';
    hosting?: 'shared' | 'vps' | 'vds' | 'dedicated';
  };
  siteName?: string;
  /** Logo (a same-origin path, https:// or a data:image URI) and accent colours (#rgb or #rrggbb). */
  brand?: { logo?: string; accent?: string; accentDark?: string };
  /** Your own texts by message id, in every language. */
  messages?: Record<string, string>;
}

/** What the gateway told the page (nginx SSI); read from the gateway-doctor:* meta tags when absent. */
export interface PageInfo {
  /** The original request line, e.g. "GET /cart HTTP/1.1". Without it the widget never reloads by itself. */
  request?: string;
  requestId?: string;
  retryAfter?: string;
  /** The status the gateway served the page with, e.g. "502". */
  status?: string;
  /** Opt-in gateway details (nginx: gateway-doctor-details.conf) for the operator section. */
  upstreamAddr?: string;
  upstreamStatus?: string;
  time?: string;
}

/** A language bundle (locales/<tag>.json of this build). */
export type Texts = Record<string, unknown>;

export interface MountOptions {
  locale?: string;
  texts?: Texts;
  page?: PageInfo;
  /** false: no default look (style the `data-gd` parts yourself). */
  styles?: boolean;
  /**
   * Aborting it unmounts the widget, like `unmount()`; aborted before the WebAssembly is ready,
   * the widget never starts.
   */
  signal?: AbortSignal;
}

/** What `mount` resolves to. */
export interface MountedWidget {
  /**
   * Stops everything the widget started — its timer, the checks in flight (aborted), its event
   * listeners, the cross-tab channel and the prober lock (another tab takes over) — and gives the
   * element back empty. Afterwards nothing is sent and the page is never reloaded. Calling it
   * again does nothing.
   */
  unmount(): void;
}

export type HopName = 'you' | 'network' | 'gateway' | 'application';
export type HopResult = 'ok' | 'failed' | 'degraded' | 'maintenance' | 'unknown';
export type Verdict =
  | 'visitor-offline'
  | 'visitor-network'
  | 'gateway-down'
  | 'app-down'
  | 'app-overloaded'
  | 'maintenance'
  | 'known-incident'
  | 'blocked'
  | 'recovered'
  | 'unknown';
export type StepId =
  | 'refresh'
  | 'hard-refresh'
  | 'another-browser'
  | 'clear-cache'
  | 'restart-router'
  | 'other-network'
  | 'disable-vpn'
  | 'down-for-everyone'
  | 'wait'
  | 'contact-support'
  | 'use-mirror';

export interface Probe {
  target: 'page' | 'gateway' | 'health' | 'status-page' | 'alternate' | 'third-party';
  /** opaque: a no-cors answer whose status is hidden. */
  outcome: 'answered' | 'opaque' | 'no-answer' | 'timeout';
  /** The HTTP status when visible. */
  status: number | null;
  /** Our own error page (header or body marker). */
  errorPage: boolean;
  retryAfter: boolean;
  ms: number;
  /** Alternates only. */
  name?: string;
  kind?: 'mirror' | 'region' | 'cdn-asset';
}

export interface Diagnosis {
  verdict: Verdict;
  /** Always four, in path order. */
  hops: { hop: HopName; result: HopResult }[];
  /** The visitor's steps, most useful first. */
  steps: StepId[];
  /** The "Copy diagnostic report" text (ASCII). */
  report: string;
  evidence: {
    online: boolean;
    /** e.g. "page-error-page", "gateway-alive". */
    reasons: string[];
    /** Only the probes that were sent. */
    probes: Probe[];
    incident: { title: string; started: string | null; url: string | null } | null;
    alternateUp: { name: string; url: string } | null;
  };
}

/** The language tags this package has texts for ("en" first). */
export declare const locales: readonly string[];

/** Fetches and instantiates the WebAssembly module once (mount, diagnose and the element call it). */
export declare function load(
  moduleOrPath?: string | URL | Request | Response | BufferSource | WebAssembly.Module,
): Promise<unknown>;

/** The first tag of `wanted` this package speaks (by primary subtag), else "en". */
export declare function pickLocale(wanted: readonly (string | null | undefined)[]): string;

/** The text bundle for a language ("pt-BR" → "pt"); rejects for a language this package lacks. */
export declare function loadTexts(tag: string): Promise<Texts>;

/**
 * Mounts the recovery widget and the diagnosis into `element` (replacing a widget already mounted
 * there) and resolves to its handle.
 */
export declare function mount(element: Element, config?: Config, options?: MountOptions): Promise<MountedWidget>;

/** Probes once and resolves to the diagnosis; nothing is drawn. */
export declare function diagnose(config?: Config): Promise<Diagnosis>;

/**
 * `<gateway-doctor config='{"healthUrl":"/health"}' locale="de">`: mounts itself when connected and
 * then fires `gateway-doctor:mounted`; unmounts when removed from the document (moved within it,
 * it keeps running); mounts again when added back.
 */
export declare class GatewayDoctorElement extends HTMLElement {
  /**
   * The latest mount: settles once the widget is drawn (or has given up, leaving
   * `data-state="static"`, or was removed first); never rejects.
   */
  readonly mounted: Promise<void> | undefined;
}

/** Defines the element (done on import as "gateway-doctor"). */
export declare function defineElement(name?: string): void;

declare global {
  interface HTMLElementTagNameMap {
    'gateway-doctor': GatewayDoctorElement;
  }
  interface HTMLElementEventMap {
    'gateway-doctor:mounted': CustomEvent<void>;
  }
}
