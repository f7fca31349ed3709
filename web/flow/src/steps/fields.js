// steps/fields.js — the form of the template's typeable fields, prefilled, validated here and again by
// the server (whose per-field errors are shown beside the fields).

import { t } from '../i18n.js';
import { h, uid } from '../ui.js';

/**
 * @typedef {import('../config.js').FieldSpec} FieldSpec
 * @typedef {import('../api.js').FieldValue} FieldValue
 */

const INPUT_TYPES = /** @type {Record<string, string>} */ ({
  string: 'text', integer: 'number', number: 'number', date: 'date', datetime: 'datetime-local',
});

/** @param {string} key */
const humanise = (key) => key.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase());

/**
 * @param {HTMLElement} root
 * @param {FieldSpec[]} specs the fields to show
 * @param {Record<string, FieldValue>} values current values
 * @param {(values: Record<string, unknown>) => Promise<{ key: string, message: string }[] | null>} submit
 *   resolves with server field errors, or null when the next page is shown
 */
export function renderFields(root, specs, values, submit) {
  /** @type {Map<string, { read: () => unknown, input: HTMLElement, err: HTMLElement }>} */
  const controls = new Map();
  const form = h('form', { novalidate: true, onsubmit: (/** @type {Event} */ e) => e.preventDefault() }, [h('h1', { text: t('fieldsTitle') })]);
  for (const spec of specs) {
    const id = uid(spec.key);
    const err = h('p', { class: 'error', id: `${id}-err` });
    const label = (spec.label || humanise(spec.key)) + (spec.required ? ` (${t('required')})` : '');
    const current = values[spec.key]?.value;
    /** @type {HTMLElement} */
    let input;
    /** @type {() => unknown} */
    let read;
    const common = { id, name: spec.key, 'aria-describedby': `${id}-err`, 'aria-required': spec.required ? 'true' : null };
    if (spec.type === 'boolean') {
      const box = /** @type {HTMLInputElement} */ (h('input', { ...common, type: 'checkbox', checked: current === true }));
      input = box;
      read = () => box.checked;
      form.append(h('div', { class: 'check' }, [box, h('label', { for: id, text: label })]), err);
    } else if (spec.type === 'choices') {
      const select = /** @type {HTMLSelectElement} */ (h('select', common, [
        h('option', { value: '', text: '—' }),
        ...spec.choices.map((c) => h('option', { value: c, text: c, selected: c === current })),
      ]));
      input = select;
      read = () => select.value || null;
      form.append(h('label', { for: id, text: label }), select, err);
    } else if (spec.type === 'multi_choices') {
      const chosen = Array.isArray(current) ? current : [];
      const boxes = spec.choices.map((c) => {
        const cid = uid(spec.key);
        const box = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id: cid, value: c, checked: chosen.includes(c) }));
        return { box, row: h('div', { class: 'check' }, [box, h('label', { for: cid, text: c })]) };
      });
      input = h('fieldset', { id, 'aria-describedby': `${id}-err` }, [h('legend', { text: label }), ...boxes.map((b) => b.row)]);
      read = () => boxes.filter((b) => b.box.checked).map((b) => b.box.value);
      form.append(input, err);
    } else {
      const type = INPUT_TYPES[spec.type] ?? 'text';
      const el = /** @type {HTMLInputElement | HTMLTextAreaElement} */ (
        spec.type === 'json'
          ? h('textarea', common)
          : h('input', { ...common, type, step: spec.type === 'number' ? 'any' : spec.type === 'integer' ? '1' : null,
              maxlength: spec.maxLength ?? null, autocomplete: autocomplete(spec.key) })
      );
      if (current !== null && current !== undefined) {
        el.value = spec.type === 'json' ? JSON.stringify(current) : spec.type === 'datetime' ? String(current).slice(0, 16) : String(current);
      }
      input = el;
      read = () => {
        const v = el.value.trim();
        if (v === '') return null;
        if (spec.type === 'json') return JSON.parse(v);
        if (spec.type === 'datetime') return new Date(v).toISOString();
        return v; // the server converts text to the field's type (FieldSpec::coerce)
      };
      form.append(h('label', { for: id, text: label }), el, err);
    }
    controls.set(spec.key, { read, input, err });
  }
  const button = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'button' }, [t('continue')]));
  form.append(button);

  /** @param {string} key @param {string} message */
  const showError = (key, message) => {
    const c = controls.get(key);
    if (!c) return;
    c.err.textContent = message;
    c.input.setAttribute('aria-invalid', 'true');
  };

  // Click, not form submission: a host may sandbox the iframe without `allow-forms`.
  button.addEventListener('click', async () => {
    /** @type {Record<string, unknown>} */
    const out = {};
    let firstBad = /** @type {HTMLElement | null} */ (null);
    for (const [key, c] of controls) {
      c.err.textContent = '';
      c.input.removeAttribute('aria-invalid');
      const spec = /** @type {FieldSpec} */ (specs.find((s) => s.key === key));
      let value;
      try {
        value = c.read();
      } catch {
        showError(key, t('invalidValue'));
        firstBad ??= c.input;
        continue;
      }
      const valid = c.input instanceof HTMLInputElement ? c.input.checkValidity() : true;
      const empty = value === null || (Array.isArray(value) && value.length === 0);
      if (spec.required && empty && spec.type !== 'boolean') {
        showError(key, t('requiredValue'));
        firstBad ??= c.input;
      } else if (!valid) {
        showError(key, t('invalidValue'));
        firstBad ??= c.input;
      } else out[key] = value;
    }
    if (firstBad) return firstBad.focus();
    button.disabled = true;
    try {
      const errors = await submit(out);
      for (const { key, message } of errors ?? []) showError(key, message);
      if (errors?.length) controls.get(errors[0].key)?.input.focus();
    } finally {
      button.disabled = false;
    }
  });
  root.append(form);
}

/** Browser autofill hints for common keys. @param {string} key */
function autocomplete(key) {
  return { 'name-first': 'given-name', 'name-last': 'family-name', birthdate: 'bday', 'email-address': 'email', 'phone-number': 'tel' }[key] ?? null;
}
