// inline.js — the inline flow (`mount` / `Inline`): the flow's iframe inside a container, as tall as the
// flow's current page (docs/contract.md §8).

import { Flow, px } from './frame.js';

/** @typedef {import('./protocol.js').Obj} Obj */

export class Inline extends Flow {
  /**
   * @param {Element} container
   * @param {Obj} options
   */
  constructor(container, options) {
    super(
      options,
      'inline',
      (name, m) => {
        // page-change carries the height at the top level and under `metadata` (docs/contract.md §4): take either.
        const h = name == 'page-change' && (m.pageHeight ?? /** @type {Obj | undefined} */ (m.metadata)?.pageHeight);
        if (typeof h == 'number' && h > 0) /** @type {HTMLIFrameElement} */ (this.iframe).style.height = h + 'px';
      },
      container instanceof Element ? '' : 'invalid container',
    );
    const f = this.iframe;
    if (!f) return;
    f.style.cssText += ';display:block;width:100%;border:0;height:' + (px(options.frameHeight) || '600px');
    container.append(f);
  }
}

/**
 * Renders the inline flow inside `container`.
 * @param {Element} container
 * @param {Obj} options
 */
export const mount = (container, options) => new Inline(container, options);
