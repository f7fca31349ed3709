// steps/completion.js — the last page. The server has already marked the inquiry completed or failed
// (the request that left the previous step did it), so what this page shows is the stored truth; the
// Complete button only tells the host page (spec §2 `onComplete`: not guaranteed to be pressed).

import { t } from '../i18n.js';
import { h } from '../ui.js';

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
