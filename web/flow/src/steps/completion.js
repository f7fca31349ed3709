// steps/completion.js — the last page. While the server still checks the ID and selfie the inquiry is
// `pending` and the page says so (renderChecking); once the checks decided, the inquiry is completed or
// failed and this page shows that stored truth. The Complete button only tells the host page (docs/contract.md §2
// `onComplete`: not guaranteed to be pressed; a workflow may change the status afterwards).

import { t } from '../i18n.js';
import { h } from '../ui.js';

/** The short wait while the server's checks run. @param {HTMLElement} root */
export function renderChecking(root) {
  root.append(
    h('h1', { text: t('checkingTitle') }),
    h('p', { role: 'status', 'aria-busy': 'true', text: t('checkingBody') }),
  );
}

/**
 * @param {HTMLElement} root
 * @param {string} status `completed` or `failed`
 * @param {() => void} onComplete
 */
export function renderCompletion(root, status, onComplete) {
  const failed = status === 'failed';
  root.append(
    h('h1', { text: t(failed ? 'failedTitle' : 'doneTitle') }),
    h('p', { text: t(failed ? 'failedBody' : 'doneBody') }),
    h('button', { type: 'button', class: 'button', onclick: onComplete }, [t('complete')]),
  );
}
