// steps/government-id.js — choose the issuing country and ID class, then capture each required side
// (passports: front only) and save it; events per docs/contract.md §4 with `stepData: { idClass, files }`.

import { captureSequence } from '../capture.js';
import { DEFAULT_ID_CLASSES, KIND, METHOD, sidesFor } from '../protocol.js';
import { MSG, post } from '../host.js';
import { t } from '../i18n.js';
import { h, uid } from '../ui.js';

const COUNTRIES = ['US', 'CA', 'MX', 'GB', 'IE', 'ES', 'FR', 'DE', 'IT', 'PT', 'NL', 'BE', 'CH', 'AT', 'SE', 'NO', 'DK', 'FI', 'PL', 'AR', 'BR', 'CL', 'CO', 'PE', 'AU', 'NZ', 'IN', 'JP'];

/**
 * @param {HTMLElement} root
 * @param {import('../config.js').Step} step
 * @param {(file: { kind: string, side: string, idClass: string, country: string, captureMethod: string, image: Blob },
 *   onProgress: (share: number) => void) => Promise<void>} upload
 * @param {() => Promise<void>} done submits the step and shows the next page
 */
export function renderGovernmentId(root, step, upload, done) {
  const classes = step.idClasses.length ? step.idClasses : DEFAULT_ID_CLASSES;
  const countryId = uid('country');
  const classId = uid('idclass');
  const names = new Intl.DisplayNames([document.documentElement.lang || 'en'], { type: 'region' });
  const country = /** @type {HTMLSelectElement} */ (h('select', { id: countryId, autocomplete: 'country' },
    COUNTRIES.map((c) => h('option', { value: c, text: names.of(c) ?? c }))));
  const idClass = /** @type {HTMLSelectElement} */ (h('select', { id: classId },
    classes.map((c) => h('option', { value: c, text: t(`idClass_${c}`) }))));
  const chooser = h('form', { novalidate: true, onsubmit: (/** @type {Event} */ e) => e.preventDefault() }, [
    h('h1', { text: t('idTitle') }),
    h('label', { for: countryId, text: t('country') }), country,
    h('label', { for: classId, text: t('idClass') }), idClass,
    h('button', { type: 'button', class: 'button', onclick: () => choose() }, [t('continue')]),
  ]);
  // Click, not form submission: a host may sandbox the iframe without `allow-forms`.
  const choose = async () => {
    const cls = idClass.value;
    const sides = sidesFor(cls);
    /** @type {{ side: string, captureMethod: string }[]} */
    const saved = [];
    const stepData = (/** @type {{ side: string, captureMethod: string }[]} */ files) => ({ stepData: { idClass: cls, files } });
    const area = h('div', {}, [h('h1', { text: `${t('idTitle')} — ${t(`idClass_${cls}`)}` })]);
    root.replaceChildren(area);
    await captureSequence(area, sides.map((s) => ({ key: s, label: t(`side_${s}`) })), {
      facing: 'environment',
      document: true,
      onCameraSelect: () => post(MSG.documentCameraSelect, { stepData: { idClass: cls } }),
      onCameraFailed: (reason) => post(MSG.loadCameraFailed, { reason }),
      onCaptured: (item, method) =>
        post(method === METHOD.upload ? MSG.documentUpload : MSG.documentCameraCapture, stepData([{ side: item.key, captureMethod: method }])),
      save: async (item, image, method, onProgress) => {
        try {
          await upload({ kind: KIND.governmentId, side: item.key, idClass: cls, country: country.value, captureMethod: method, image }, onProgress);
        } catch (err) {
          post(MSG.documentsSaveFail, stepData([{ side: item.key, captureMethod: method }]));
          throw err;
        }
        saved.push({ side: item.key, captureMethod: method });
      },
    });
    post(MSG.documentsSaveSuccessful, stepData(saved));
    await done();
  };
  root.append(chooser);
}
