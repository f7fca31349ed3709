// catalogs.js — the flow's five string catalogs loaded from source (web/flow/src/i18n.js and i18n/<lang>.js),
// so browser tests find buttons and headings by their text in any language.

import { en, LANGUAGES } from '../../flow/src/i18n.js';

/** @type {Record<string, Record<string, string>>} */
export const CATALOGS = { en };
for (const l of LANGUAGES.filter((l) => l !== 'en')) CATALOGS[l] = (await import(`../../flow/src/i18n/${l}.js`)).default;
