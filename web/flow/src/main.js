// main.js — the flow controller: boots from the server-rendered config, creates or resumes the inquiry,
// walks the template's steps and speaks the host protocol (docs/contract.md §5).
// Message order: `load` as soon as the script runs; then `ready` once the first page is interactive
// (dynamic templates send `start` right after it, once the inquiry exists, legacy ones when Continue is
// pressed; a resume sends `inquiry-load` before `ready`); then `page-change` for every page shown and
// whenever its height changes. A new dynamic inquiry's start screen shows, and `ready` goes, while the
// inquiry is being created: that screen needs nothing from it, so the first page waits for no request.

import { ApiError, call, getToken, setToken, upload } from './api.js';
import { readConfig } from './config.js';
import { initHost, listenHost, MSG, post } from './host.js';
import { setLanguage, t } from './i18n.js';
import { isCapture, KIND } from './protocol.js';
import { renderChecking, renderCompletion } from './steps/completion.js';
import { renderFields } from './steps/fields.js';
import { renderGovernmentId } from './steps/government-id.js';
import { handoffButton, renderHandoff } from './steps/handoff.js';
import { renderSelfie } from './steps/selfie.js';
import { renderStart } from './steps/start.js';
import { announce, focusHeading, focusNewHeadings, h } from './ui.js';

/** @typedef {import('./api.js').FlowState} FlowState */
/** @typedef {import('./config.js').Step} Step */

const config = readConfig();
initHost(config);
post(MSG.load);
// Before the first string is built: a non-English catalog is a separate asset (docs/contract.md §7.3).
await setLanguage(config.language);

/** @type {FlowState | null} */
let state = null;
/** The creation of the inquiry while it runs, so that everything needing the inquiry waits for the same one. */
/** @type {Promise<FlowState> | null} */
let creating = null;
/** @type {Step | null} */
let page = null;
let closed = false;
/** No page-change before `ready` and `start` (docs/contract.md §4 order: load, ready, start, page-change). */
let readySent = false;
/** Set on the phone of a hand-off (docs/handoff.md): how the link came, and the desktop's step. */
/** @type {{ method: string, step: string } | null} */
let phone = null;

const app = /** @type {HTMLElement} */ (document.getElementById('app'));
const content = h('main', { id: 'content' });
const live = h('div', { id: 'live', class: 'visually-hidden', 'aria-live': 'polite', role: 'status' });
const closeButton = h('button', { type: 'button', class: 'close', 'aria-label': t('close'), onclick: () => requestExit(false) }, ['×']);
app.replaceChildren(h('header', {}, [closeButton]), content, live);
focusNewHeadings(content);

// docs/contract.md §4 page-change: the real content height, re-sent whenever it changes (inline flows resize to it).
let lastHeight = 0;
const sendPageChange = () => {
  if (!page || !readySent) return;
  const pageHeight = Math.ceil(app.getBoundingClientRect().height);
  if (pageHeight <= 0 || pageHeight === lastHeight) return;
  lastHeight = pageHeight;
  post(MSG.pageChange, { name: page.name, nameDisplay: page.nameDisplay, path: page.kind, pathname: `/${page.name}`,
    pageHeight, metadata: { pageHeight } });
};
new ResizeObserver(sendPageChange).observe(app);

listenHost((action) => {
  if (action.action === 'exit') requestExit(action.metadata?.force === true);
  else if (action.action === 'destroy') closed = true;
  // The modal was shown: put keyboard focus on the page's heading.
  else if (action.action === 'open') focusHeading(content);
});

// Escape inside the frame never reaches the host page: ask to leave here (a native <dialog> consumes
// its own Escape, so this does not fire while the confirmation is open). preventDefault, or the same
// key press would at once cancel the dialog it just opened.
document.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape' || document.querySelector('dialog[open]')) return;
  e.preventDefault();
  requestExit(false);
});

/** @param {import('./config.js').FlowError} error */
function fail(error) {
  closed = true;
  const code = ['invalid_config', 'unauthenticated', 'inactive_template', 'application_error'].includes(error.code) ? error.code : 'unknown';
  content.replaceChildren(h('h1', { text: t('errorTitle') }), h('p', { role: 'alert', text: t(`error_${code}`) }));
  post(MSG.error, undefined, { status: error.status, code, message: error.message });
}

/** Turns an API failure into the right reaction: network problems are shown, never reported (docs/contract.md §2). */
function onApiError(/** @type {unknown} */ e) {
  if (e instanceof ApiError && e.network) {
    announce(t('networkError'));
    content.prepend(h('p', { class: 'error', role: 'alert', text: t('networkError') }));
    return;
  }
  if (e instanceof ApiError) return fail(e.body);
  fail({ status: 0, code: 'application_error', message: String(e) });
}

const template = config.template;
const steps = template?.steps ?? [];

/** Whether a step offers "continue on your phone" (docs/handoff.md). @param {Step} step */
const canHandOff = (step) => step.handoff || isCapture(step.kind);

/** Shows the step called `name` (the first page when null). @param {string | null} name */
function show(name) {
  const step = steps.find((s) => s.name === name) ?? steps[0];
  page = step;
  lastHeight = 0;
  content.replaceChildren();
  // The phone of a hand-off stops where the desktop takes over again (an API link runs the whole flow).
  const open = state && ['created', 'pending'].includes(state.inquiry.status);
  if (phone && phone.method !== 'api' && (!open || !canHandOff(step))) {
    content.append(h('h1', { text: t('phoneDoneTitle') }), h('p', { text: t(open ? 'phoneDoneBody' : 'phoneDoneSubmitted') }));
    return sendPageChange();
  }
  switch (step.kind) {
    case 'start':
      renderStart(content, () => submitStep(step, {}));
      break;
    case 'fields': {
      const specs = (template?.fields ?? []).filter((f) =>
        (step.fields.length ? step.fields.includes(f.key) : true) && !isCapture(f.type));
      renderFields(content, specs, state?.inquiry.fields ?? {}, async (values) => {
        try {
          await submitStep(step, { fields: values });
          return null;
        } catch (e) {
          if (e instanceof ApiError && e.body.fields) return e.body.fields;
          throw e;
        }
      });
      break;
    }
    case KIND.governmentId:
      renderGovernmentId(content, step, uploadDocument, () => submitStep(step, {}));
      break;
    case KIND.selfie:
      renderSelfie(content, step, uploadDocument, () => submitStep(step, {}));
      break;
    case 'completion':
      if (state?.inquiry.status === 'pending') {
        renderChecking(content);
        awaitOutcome(step);
      } else renderCompletion(content, state?.inquiry.status ?? 'completed', complete);
      break;
  }
  offerHandoff(step);
  sendPageChange();
}

/** Adds "continue on your phone" to `step`'s page where it offers it (once the inquiry exists). @param {Step} step */
function offerHandoff(step) {
  if (phone || !state || !canHandOff(step)) return;
  const inquiryId = state.inquiry.id;
  content.append(handoffButton(() => renderHandoff(content, {
    inquiryId,
    onBack: () => show(step.name),
    // The phone may have done this step and more: continue from where the server says.
    onExit: () => call('GET', `/inquiries/${inquiryId}`).then((s) => {
      state = { ...s, sessionToken: getToken() };
      show(s.inquiry.currentStep);
    }, onApiError),
  })));
}

/** Milliseconds between looks at the inquiry while its checks run. */
const OUTCOME_POLL_MS = 400;

/**
 * The server decides completed/failed once its checks finish (docs/verifications.md): ask until it has, then show the
 * completion page. Network hiccups are retried; other errors end the flow as usual.
 * @param {Step} step
 */
async function awaitOutcome(step) {
  const id = /** @type {FlowState} */ (state).inquiry.id;
  while (!closed && page === step && state?.inquiry.status === 'pending') {
    await new Promise((resolve) => setTimeout(resolve, OUTCOME_POLL_MS));
    try {
      state = await call('GET', `/inquiries/${id}`);
    } catch (e) {
      if (e instanceof ApiError && e.network) continue;
      return onApiError(e);
    }
  }
  if (!closed && page === step) show(step.name);
}

/**
 * Creates the inquiry (legacy templates: on Continue) or submits `step`, then shows the next page.
 * @param {Step} step
 * @param {Record<string, unknown>} body
 */
async function submitStep(step, body) {
  try {
    if (!state) {
      const created = await createInquiry();
      // Legacy templates start on Continue; a dynamic one announced its start when it was created (boot).
      if (config.kind !== 'dynamic') post(MSG.start, { inquiryId: created.inquiry.id });
    }
    const inquiry = /** @type {FlowState} */ (state).inquiry;
    state = await call('POST', `/inquiries/${inquiry.id}/steps/${encodeURIComponent(step.name)}`, body);
  } catch (e) {
    if (e instanceof ApiError && e.body.fields) throw e;
    return onApiError(e);
  }
  show(/** @type {FlowState} */ (state).inquiry.currentStep);
}

/** Creates the inquiry, once however many ask; a failed attempt may be retried. */
function createInquiry() {
  creating ??= call('POST', '/inquiries', {
    templateId: config.templateId,
    templateVersionId: config.templateVersionId,
    referenceId: config.referenceId,
    accountId: config.accountId,
    fields: config.fields,
  }).then(
    (/** @type {FlowState} */ created) => {
      state = created;
      setToken(created.sessionToken);
      return created;
    },
    (e) => {
      creating = null;
      throw e;
    },
  );
  return creating;
}

/**
 * @param {{ kind: string, side: string, idClass?: string, country?: string, captureMethod: string, image: Blob }} file
 * @param {(share: number) => void} onProgress
 */
async function uploadDocument(file, onProgress) {
  const form = new FormData();
  form.set('kind', file.kind);
  form.set('side', file.side);
  form.set('capture-method', file.captureMethod);
  if (file.idClass) form.set('id-class', file.idClass);
  if (file.country) form.set('country', file.country);
  form.set('file', file.image, `${file.side}.${file.image.type.split('/')[1] || 'jpg'}`);
  await upload(`/inquiries/${state?.inquiry.id}/documents`, form, onProgress);
}

function completionPayload() {
  const inquiry = /** @type {FlowState} */ (state).inquiry;
  const base = { inquiryId: inquiry.id, status: inquiry.status };
  if (config.kind === 'dynamic') return { ...base, fields: inquiry.fields };
  // Legacy templates report `scopes`: every field as a string (docs/contract.md §5).
  /** @type {Record<string, string>} */
  const scopes = {};
  for (const [key, f] of Object.entries(inquiry.fields)) {
    scopes[key] = f.value === null || f.value === undefined ? '' : typeof f.value === 'string' ? f.value : JSON.stringify(f.value);
  }
  return { ...base, scopes };
}

function complete() {
  if (closed || !state) return;
  closed = true;
  const payload = completionPayload();
  post(payload.status === 'failed' ? MSG.fail : MSG.complete, payload);
  if (config.hosted && config.redirectUri) {
    const url = new URL(config.redirectUri);
    url.searchParams.set('inquiry-id', payload.inquiryId);
    url.searchParams.set('status', payload.status);
    if (state.inquiry.referenceId) url.searchParams.set('reference-id', state.inquiry.referenceId);
    location.assign(url.href);
  }
}

/** Close control and host `exit`: confirm unless forced, then `exit` with a fresh session token. @param {boolean} force */
async function requestExit(force) {
  if (closed) return;
  // While the checks run there is no outcome to report yet: leaving is an ordinary exit.
  if (page?.kind === 'completion' && state?.inquiry.status !== 'pending') return complete();
  if (!force && !(await confirmExit())) return;
  closed = true;
  // An inquiry still being created is the one to report (and to cancel).
  await creating?.catch(() => {});
  /** @type {{ inquiryId?: string, sessionToken?: string }} */
  const metadata = { inquiryId: undefined, sessionToken: undefined };
  if (state) {
    metadata.inquiryId = state.inquiry.id;
    try {
      const res = await call('POST', `/inquiries/${state.inquiry.id}/cancel`, {});
      metadata.sessionToken = res.sessionToken;
    } catch {
      // The host still closes the flow; without a token it can resume only through a new session.
    }
  }
  post(MSG.exit, metadata);
}

/** An in-page confirmation (a native <dialog>: focus-trapped and Escape-aware). @returns {Promise<boolean>} */
function confirmExit() {
  return new Promise((resolve) => {
    const dialog = /** @type {HTMLDialogElement} */ (h('dialog', { 'aria-labelledby': 'confirm-title' }, [
      h('p', { id: 'confirm-title', text: t('closeConfirm') }),
      h('div', { class: 'row' }, [
        h('button', { type: 'button', class: 'button secondary', value: 'stay', onclick: () => dialog.close('stay') }, [t('stay')]),
        h('button', { type: 'button', class: 'button', onclick: () => dialog.close('leave') }, [t('leave')]),
      ]),
    ]));
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'leave');
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

function sendReady() {
  /** @type {Record<string, unknown>} */
  const metadata = {};
  if (template) metadata.preferredDimensions = template.preferredDimensions;
  if (template) metadata.styles = { borderRadius: template.borderRadius };
  post(MSG.ready, metadata);
}

async function boot() {
  if (config.error) return fail(config.error);
  if (!template || steps.length === 0) return fail({ status: 0, code: 'application_error', message: 'no template' });
  try {
    if (config.handoff) {
      // Opened from a one-time link: spend its code (the response carries the session token).
      const code = new URLSearchParams(location.search).get('code') ?? '';
      history.replaceState(null, '', location.pathname);
      try {
        state = await call('POST', '/handoff/open', { code });
      } catch (e) {
        if (!(e instanceof ApiError) || e.network) throw e;
        closed = true;
        content.replaceChildren(h('h1', { text: t('linkRefusedTitle') }), h('p', { role: 'alert', text: `${e.body.message ?? ''}.` }), h('p', { text: t('linkRefusedBody') }));
        return;
      }
      setToken(state?.sessionToken);
      phone = /** @type {any} */ (state).handoff;
    } else if (config.inquiryId) {
      setToken(config.sessionToken);
      state = await call('POST', `/inquiries/${config.inquiryId}/resume`, {});
      setToken(state?.sessionToken ?? getToken());
      post(MSG.inquiryLoad, { inquiryId: config.inquiryId });
    } else if (config.kind === 'dynamic') {
      // A start screen shows while the inquiry is created; any other first page shows what it holds.
      const created = createInquiry();
      if (steps[0].kind !== 'start') await created;
    }
  } catch (e) {
    return onApiError(e);
  }
  const current = state?.inquiry.currentStep ?? null;
  const early = !state;
  page = null;
  show(current);
  sendReady();
  if (creating) {
    /** @type {FlowState} */
    let created;
    try {
      created = await creating;
    } catch (e) {
      return onApiError(e);
    }
    // docs/contract.md §4: dynamic templates send `start` right after `ready`.
    post(MSG.start, { inquiryId: created.inquiry.id });
    // The start screen was shown before the inquiry existed: offer the hand-off now.
    if (early && page) offerHandoff(page);
  }
  readySent = true;
  sendPageChange();
}

boot().catch(onApiError);
