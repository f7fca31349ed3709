// steps/start.js — the start screen: what will be asked, the privacy notice and consent.

import { t } from '../i18n.js';
import { h, uid } from '../ui.js';

/**
 * @param {HTMLElement} root
 * @param {() => Promise<void>} onContinue resolves when the next page is shown
 */
export function renderStart(root, onContinue) {
  const id = uid('consent');
  const err = h('p', { class: 'error', id: `${id}-err`, role: 'alert' });
  const box = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id, 'aria-describedby': `${id}-err` }));
  // A plain button, not form submission: a host may sandbox the iframe without `allow-forms`.
  const button = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'button' }, [t('continue')]));
  const form = h('form', { novalidate: true, onsubmit: (/** @type {Event} */ e) => e.preventDefault() }, [
    h('h1', { text: t('startTitle') }),
    h('p', { text: t('startBody') }),
    h('p', { class: 'small', text: t('privacy') }),
    h('div', { class: 'check' }, [box, h('label', { for: id, text: t('consent') })]),
    err,
    button,
  ]);
  button.addEventListener('click', async () => {
    if (!box.checked) {
      err.textContent = t('consentRequired');
      box.focus();
      return;
    }
    button.disabled = true;
    try {
      await onContinue();
    } finally {
      button.disabled = false;
    }
  });
  root.append(form);
}
