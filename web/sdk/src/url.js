// url.js — what the SDK makes of an options object: the server's origin, whether the configuration is
// valid, and the widget URL (docs/contract.md §5: the official SDK's query, in its order; §6: the session
// token in the fragment, never the query).

import { DYNAMIC_TEMPLATE_PREFIX, SESSION_TOKEN_FRAGMENT, WIDGET_PATH, isLen, isObj, isStr, kinds } from './protocol.js';

/** @typedef {import('./protocol.js').Obj} Obj */

/** Sent as `client-version` so the server can tell our SDK from the official one. */
export const VERSION = 'verity-0.1.0';

/**
 * The server's origin for `host`: a full origin (`http://localhost:8080`), or the official SDK's form
 * (`localhost:8080` → http, any other bare host → https). `undefined` if it is not a usable origin.
 * @param {unknown} host
 */
export const baseOf = (host) => {
  if (isStr(host))
    try {
      const u = new URL(/^https?:\/\//.test(host) ? host : (/^localhost/.test(host) ? 'http://' : 'https://') + host);
      // Browsers differ on odd hosts (Chromium escapes spaces): accept plain names, IPs and ports only.
      if (/^[\w.:[\]-]+$/.test(u.host)) return u.origin;
    } catch {}
};

/** @param {unknown} v */
const isStrings = (v) => Array.isArray(v) && v.every(isStr);

/** Option kinds other than string and function (`on…`); every option not named here is one of those, or absent. */
const KIND = kinds([
  [isObj, 'fields widgetPadding navigationPadding'],
  [isStrings, 'frameAncestors sandboxAttributes'],
  [Array.isArray, 'fieldMappings'],
  [isLen, 'frameHeight frameWidth'],
  [(v) => v instanceof Element, 'parent'],
  [(v) => v == 'all' || isStrings(v), 'eventsAllowlist'],
]);

/**
 * Why `o` is not a valid configuration, or `undefined` if it is.
 * @param {Obj} o
 * @returns {string | undefined}
 */
export const invalid = (o) => {
  for (const [k, v] of Object.entries(o))
    if (v != null && !(KIND.get(k) || ((x) => typeof x == (/^on/.test(k) ? 'function' : 'string')))(v)) return 'invalid ' + k;
  return !(o.templateId || o.templateVersionId) == !o.inquiryId
    ? 'one of templateId, templateVersionId, inquiryId'
    : o.sessionToken && !o.inquiryId
      ? 'sessionToken needs inquiryId'
      : o.accountId && (o.referenceId || o.accountTypeId)
        ? 'accountId excludes referenceId, accountTypeId'
        : baseOf(o.host)
          ? undefined
          : 'invalid host';
};

/** `qs`-style percent-encoding (RFC 3986: `!'()*` are escaped too). @param {string} s */
const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => (c == '*' ? '%2A' : escape(c)));

/** lodash `kebabCase` for field keys: `nameFirst`, `name_first` → `name-first`. @param {string} s */
const kebab = (s) => (s.match(/[A-Z]{2,}(?=[A-Z][a-z]|\b|\d|_)|[A-Z]?[a-z]+|[A-Z]+|\d+/g) || []).join('-').toLowerCase();

/**
 * Kebab-cases the keys of plain objects, deeply (the official SDK's `dasherize`).
 * @param {unknown} v
 * @returns {unknown}
 */
const dash = (v) =>
  Array.isArray(v)
    ? v.map(dash)
    : v != null && /** @type {Obj} */ (v).constructor === Object
      ? Object.fromEntries(Object.entries(/** @type {Obj} */ (v)).map(([k, x]) => [kebab(k), dash(x)]))
      : v;

/**
 * `qs.stringify(v, { skipNulls: true })`: bracket keys, indexed arrays, nulls left out.
 * @param {unknown} v
 * @param {string} key
 * @param {string[]} out
 */
const qs = (v, key, out) => {
  if (v == null) return;
  if (typeof v == 'object') for (const [k, x] of Object.entries(v)) qs(x, key ? key + '[' + k + ']' : k, out);
  else out.push(enc(key) + '=' + enc(String(v)));
};

/**
 * The query parameters, in the official SDK's order, as camelCase names whose kebab-case is the wire key
 * (`inquiryTemplateVersionId` → `inquiry-template-version-id`).
 */
const PARAMS =
  'clientVersion containerId flowType routingCountry templateId inquiryTemplateId inquiryTemplateVersionId environment ' +
  'environmentId iframeOrigin frameAncestors messageTargetOrigin inquiryId language shareToken fieldMappings referenceId ' +
  'accountId accountTypeId fields styleVariant themeSetId widgetPadding navigationPadding serverOutageMode';

/**
 * The widget URL, built like the official SDK's except the session token goes in the fragment.
 * @param {string} containerId
 * @param {'embedded' | 'inline'} flowType
 * @param {Obj} o options, already checked by `invalid`
 */
export const widgetUrl = (containerId, flowType, o) => {
  const t = /** @type {string | undefined} */ (o.templateId);
  const dyn = t && t.startsWith(DYNAMIC_TEMPLATE_PREFIX);
  /** @type {Obj} */
  const v = {
    ...o,
    clientVersion: VERSION,
    containerId,
    flowType,
    templateId: !dyn && t,
    inquiryTemplateId: dyn && t,
    inquiryTemplateVersionId: o.templateVersionId,
    iframeOrigin: location.origin,
    // Empty lists and objects add nothing to the query, as in the official SDK's.
    fieldMappings: dash(o.fieldMappings),
    fields: dash(o.fields),
  };
  /** @type {string[]} */
  const out = [];
  // Blank top-level values are left out, as the official SDK does.
  for (const k of PARAMS.split(' ')) if (v[k]) qs(v[k], kebab(k), out);
  const token = o.sessionToken;
  return baseOf(o.host) + WIDGET_PATH + '?' + out.join('&') + (token ? '#' + SESSION_TOKEN_FRAGMENT + '=' + enc(String(token)) : '');
};
