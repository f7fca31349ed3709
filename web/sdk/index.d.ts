// index.d.ts — the public types of the Verity browser SDK (hand-written; src/ is JSDoc-checked JS).
// Names and shapes follow docs/contract.md §2–§5 and the official `persona` 5.x types, so code
// typed against `persona` compiles after changing the import.

/** A flow event name (docs/contract.md §4); any string is accepted for forward compatibility. */
export type EventName =
  | 'load' | 'ready' | 'start' | 'exit' | 'complete' | 'fail' | 'error' | 'page-change' | 'inquiry-load'
  | 'document-camera-select' | 'document-camera-capture' | 'document-upload'
  | 'documents-save-successful' | 'documents-save-fail'
  | 'selfie-camera-select' | 'selfie-camera-capture' | 'selfie-record-upload' | 'load-camera-failed'
  | 'one-time-link-sent' | 'one-time-link-start' | 'one-time-link-exit'
  | (string & {});

export type FieldType =
  | 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime' | 'choices' | 'multi_choices'
  | 'json' | 'government_id' | 'selfie' | (string & {});

/** A field as dynamic-flow templates report it in `complete` / `fail`. */
export interface Field {
  type: FieldType;
  value: unknown;
}

/** Prefill values, keyed by field key (camelCase keys are sent kebab-cased). */
export type Fields = Record<string, string | number | boolean | string[] | null | undefined>;

/** `onError`'s argument (docs/contract.md §3). */
export type InquiryError =
  | { status: 0; code: 'application_error'; message?: string }
  | { status: 400; code: 'invalid_config'; message?: string }
  | { status: 409; code: 'unauthenticated'; message?: string }
  | { status: 422; code: 'inactive_template'; message?: string }
  | { status: number; code: 'unknown'; message?: string };

export interface PreferredDimensions {
  minimumWidth?: string | number;
  maximumWidth?: string | number;
  minimumHeight?: string | number;
  maximumHeight?: string | number;
}

export interface ReadyMetadata {
  preferredDimensions?: PreferredDimensions;
  styles?: { borderRadius?: string | number };
}

export interface CompletePayload {
  inquiryId: string;
  /** As known when the individual pressed Complete, e.g. `'completed'` or `'failed'`; the API has the truth. */
  status: string;
  /** Dynamic-flow templates: key → `{ type, value }`; legacy templates: key → string. */
  fields: Record<string, Field> | Record<string, string>;
}

export interface CancelPayload {
  /** Both undefined if no inquiry was created yet. */
  inquiryId?: string;
  /** Resumes this inquiry later (`inquiryId` + `sessionToken`). */
  sessionToken?: string;
}

/** `page-change` metadata (docs/contract.md §4). */
export interface PageChangeMetadata {
  name?: string;
  nameDisplay?: string;
  path?: string;
  pathname?: string;
  pageHeight?: number;
  metadata?: { pageHeight?: number };
}

export interface Callbacks {
  onLoad?: () => void;
  onReady?: (metadata?: ReadyMetadata) => void;
  onCancel?: (payload: CancelPayload) => void;
  onComplete?: (payload: CompletePayload) => void;
  onError?: (error: InquiryError) => void;
  onEvent?: (name: EventName, metadata?: Record<string, unknown>) => void;
}

interface CommonOptions extends Callbacks {
  /** Your Verity server: an origin (`https://verify.example.com`) or the official form `localhost:8080`. */
  host: string;
  environmentId?: string;
  /** @deprecated use `environmentId`. */
  environment?: string;
  referenceId?: string;
  accountId?: string;
  accountTypeId?: string;
  language?: string;
  fields?: Fields;
  /** Origins of every frame above the host page, when the host page is itself framed. */
  frameAncestors?: string[];
  messageTargetOrigin?: string;
  frameHeight?: string | number;
  frameWidth?: string | number;
  iframeTitle?: string;
  /** Where the modal's overlay is appended (default `document.body`). */
  parent?: HTMLElement;
  /** Added to the required `allow-scripts allow-same-origin allow-popups`. */
  sandboxAttributes?: string[];
  /** Events passed to `onEvent`; default: all but the granular `step-transitioning`, `click`, `form-update`. */
  eventsAllowlist?: EventName[] | 'all';
  styleVariant?: string;
  themeSetId?: string;
  routingCountry?: string;
  shareToken?: string;
  fieldMappings?: { sourceFieldName: string; destinationFieldName: string }[];
  widgetPadding?: { top?: number; bottom?: number; left?: number; right?: number };
  navigationPadding?: { top?: number; bottom?: number; left?: number; right?: number };
  serverOutageMode?: 'always' | 'never' | 'defer';
}

/** Start a new inquiry from a template (`itmpl_…` dynamic, `tmpl_…` legacy) or a template version. */
export interface NewInquiryOptions extends CommonOptions {
  templateId?: string;
  templateVersionId?: string;
  inquiryId?: undefined;
  sessionToken?: undefined;
}

/** Resume an inquiry; `sessionToken` is required unless the inquiry is still `created`. */
export interface ResumeOptions extends CommonOptions {
  inquiryId: string;
  sessionToken?: string;
  templateId?: undefined;
  templateVersionId?: undefined;
}

export type ClientOptions = NewInquiryOptions | ResumeOptions;

/** The embedded (modal) flow. */
export class Client {
  /** Warms the browser cache with the flow's assets. Never rejects. */
  static preload(host: string): Promise<void>;
  /** Throws a TypeError only without an options object; invalid options go to `onError` (`invalid_config`). */
  constructor(options: ClientOptions);
  readonly options: ClientOptions;
  readonly containerId: string;
  readonly isOpen: boolean;
  readonly isLoading: boolean;
  open(): void;
  /** Asks the flow to cancel (it confirms unless `force`); the flow's `exit` closes the modal. */
  cancel(force?: boolean): void;
  /** Removes every element, style and listener the client added. */
  destroy(): void;
  render(): void;
}

/** The inline flow inside an element, resized to the flow's page height. */
export class Inline {
  constructor(container: Element, options: ClientOptions);
  readonly options: ClientOptions;
  readonly containerId: string;
  /** The flow's iframe; undefined after `destroy()` or with invalid options. */
  iframe: HTMLIFrameElement | undefined;
  destroy(): void;
}

export function mount(container: Element, options: ClientOptions): Inline;

/** Official-compatible: points `iframe` at the flow. Throws an Error on invalid options. */
export function setupIframe(
  iframe: HTMLIFrameElement,
  containerId: string,
  flowType: 'embedded' | 'inline',
  options: ClientOptions,
): HTMLIFrameElement;

/** Official-compatible: listens to the flow in the iframe `setupIframe` built (or `options.iframe`). */
export function setupEvents(
  containerId: string,
  options: Callbacks & {
    host: string | null;
    templateId?: string | null;
    templateVersionId?: string | null;
    eventsAllowlist?: EventName[] | 'all' | null;
    /** The iframe whose messages count (default: the one `setupIframe` built for `containerId`). */
    iframe?: HTMLIFrameElement;
  },
): () => void;

declare const _default: {
  Client: typeof Client;
  Inline: typeof Inline;
  mount: typeof mount;
  setupIframe: typeof setupIframe;
  setupEvents: typeof setupEvents;
};
export default _default;
