// steps/handoff.js — "Continue on your phone" (docs/handoff.md), the desktop's side: choose QR code, email or
// text message; then wait while the phone works, following the hand-off's phase by server-sent events
// (read with fetch, so the session token stays in the Authorization header), polling if streaming fails.
// Events (docs/contract.md §4): `one-time-link-sent` once the link is sent or its QR code shown, `one-time-link-start`
// when the phone opened it, `one-time-link-exit` when the phone is done or the person continues here.

import { ApiError, call, getToken } from '../api.js';
import { MSG, post } from '../host.js';
import { announce, h, uid } from '../ui.js';
import { t } from '../i18n.js';

/**
 * @typedef {{ sessionId: string, method: string, expiresAt: number, phase?: string, url?: string, qrSvg?: string }} Link
 * @typedef {{ inquiryId: string, onBack: () => void, onExit: () => void }} HandoffOptions
 *   `onBack`: back to the step, nothing was handed off; `onExit`: the hand-off is over (reload the state)
 */

/** The button that offers the hand-off. @param {() => void} onClick */
export function handoffButton(onClick) {
  return h('button', { type: 'button', class: 'button secondary handoff-offer', onclick: onClick }, [t('handoffOffer')]);
}

/** The chooser: QR code, email or text message. @param {HTMLElement} root @param {HandoffOptions} opts */
export function renderHandoff(root, opts) {
  const emailId = uid('handoff-email');
  const phoneId = uid('handoff-phone');
  const error = h('p', { class: 'error', role: 'alert' });
  const email = /** @type {HTMLInputElement} */ (h('input', { id: emailId, type: 'email', autocomplete: 'email', name: 'handoff-email' }));
  const phone = /** @type {HTMLInputElement} */ (h('input', { id: phoneId, type: 'tel', autocomplete: 'tel', name: 'handoff-phone', placeholder: '+15551234567' }));
  /** @param {string} method @param {string} [to] @param {HTMLButtonElement} [button] */
  const request = async (method, to, button) => {
    error.textContent = '';
    if (button) button.disabled = true;
    try {
      /** @type {Link} */
      const link = await call('POST', `/inquiries/${opts.inquiryId}/handoff`, to === undefined ? { method } : { method, to });
      renderWaiting(root, opts, link, to);
    } catch (e) {
      // Shown here, never swallowed: a bad address, a refused message, a rate limit.
      const body = e instanceof ApiError ? e.body : null;
      error.textContent = body?.fields?.[0]?.message || (e instanceof ApiError && e.network ? t('networkError') : body?.message) || t('handoffFailed');
      announce(error.textContent);
    } finally {
      if (button) button.disabled = false;
    }
  };
  const sendButton = (/** @type {string} */ label, /** @type {() => [string, string]} */ what) =>
    /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'button', onclick: (/** @type {Event} */ e) => {
      const [method, to] = what();
      request(method, to, /** @type {HTMLButtonElement} */ (e.currentTarget));
    } }, [label]));
  root.replaceChildren(
    h('h1', { text: t('handoffTitle') }),
    h('p', { text: t('handoffBody') }),
    h('button', { type: 'button', class: 'button', onclick: (/** @type {Event} */ e) => request('qr', undefined, /** @type {HTMLButtonElement} */ (e.currentTarget)) }, [t('handoffQr')]),
    h('label', { for: emailId, text: t('handoffEmail') }), email,
    sendButton(t('handoffSendEmail'), () => ['email', email.value]),
    h('label', { for: phoneId, text: t('handoffPhone') }), phone,
    sendButton(t('handoffSendSms'), () => ['sms', phone.value]),
    error,
    h('button', { type: 'button', class: 'button secondary', onclick: opts.onBack }, [t('handoffHere')]),
  );
}

/**
 * The waiting screen, until the phone is done or the person continues here.
 * @param {HTMLElement} root @param {HandoffOptions} opts @param {Link} link @param {string} [to]
 */
function renderWaiting(root, opts, link, to) {
  let over = false;
  let started = false;
  const status = h('p', { class: 'handoff-status', role: 'status', text: t('handoffWaiting') });
  const stop = new AbortController();
  /** @param {boolean} phoneWorked the phone opened the link (even if this page never saw it open) */
  const finish = (phoneWorked) => {
    over = true;
    stop.abort();
    if (phoneWorked && !started) post(MSG.oneTimeLinkStart);
    post(MSG.oneTimeLinkExit);
    opts.onExit();
  };
  /** @param {Link} update */
  const onPhase = (update) => {
    if (over) return;
    if (update.phase === 'started' && !started) {
      started = true;
      post(MSG.oneTimeLinkStart);
      status.textContent = t('handoffStarted');
      announce(status.textContent);
    } else if (update.phase === 'finished' || update.phase === 'canceled') {
      finish(update.phase === 'finished');
    } else if (update.phase === 'expired') {
      over = true;
      stop.abort();
      status.textContent = t('handoffExpired');
      announce(status.textContent);
      again.hidden = false;
    }
  };
  const again = h('button', { type: 'button', class: 'button', hidden: true, onclick: () => renderHandoff(root, opts) }, [t('handoffAgain')]);
  const here = h('button', { type: 'button', class: 'button secondary', onclick: async () => {
    if (over) return opts.onBack();
    try {
      await call('POST', `/inquiries/${opts.inquiryId}/handoff/${link.sessionId}/cancel`, {});
    } catch {
      // The link stays open on the server; the flow continues here all the same.
    }
    if (over) return;
    // Back on this device, whether or not the phone had opened the link: the hand-off is over.
    finish(false);
  } }, [t('handoffHere')]);
  /** @type {(Node | string)[]} */
  const shown = [];
  if (link.qrSvg) {
    const img = h('img', { class: 'handoff-qr', alt: t('handoffQrAlt'), src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(link.qrSvg)}`, width: '200', height: '200' });
    shown.push(h('h1', { text: t('handoffScan') }), img);
    if (link.url) shown.push(h('p', { class: 'handoff-link' }, [h('a', { href: link.url, target: '_blank', rel: 'noopener noreferrer', text: t('handoffOpenLink') })]));
  } else {
    shown.push(h('h1', { text: t('handoffCheck') }), h('p', { text: t('handoffSentTo', { to: to ?? '' }) }));
  }
  root.replaceChildren(...shown, status, again, here);
  post(MSG.oneTimeLinkSent);
  announce(t('handoffWaiting'));
  follow(opts.inquiryId, link.sessionId, onPhase, stop.signal);
}

/**
 * Follows the hand-off's phase: server-sent events through fetch, then polling as the fallback (a proxy
 * that buffers streams, a dropped connection). Resolves when `signal` aborts.
 * @param {string} inquiryId @param {string} sessionId @param {(l: Link) => void} onPhase @param {AbortSignal} signal
 */
async function follow(inquiryId, sessionId, onPhase, signal) {
  const base = `/flow/v1/inquiries/${inquiryId}/handoff/${sessionId}`;
  const headers = { authorization: `Bearer ${getToken()}` };
  try {
    const res = await fetch(`${base}/events`, { headers: { ...headers, accept: 'text/event-stream' }, credentials: 'omit', signal });
    if (res.ok && res.body) {
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
          if (/^event: ?phase$/m.test(block) && data) onPhase(JSON.parse(data));
        }
      }
    }
  } catch {
    // Fall through to polling (an abort ends the loop below at once).
  }
  while (!signal.aborted) {
    try {
      const res = await fetch(base, { headers, credentials: 'omit', signal });
      if (res.ok) onPhase(await res.json());
    } catch {
      // Network trouble: try again at the next tick.
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}
