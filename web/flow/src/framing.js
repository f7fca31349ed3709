// framing.js — the card outline of the document camera and whether a document fills it (docs/contract.md
// §7.2). The outline is an ID-1 card (85.6 × 54 mm) centred in the visible part of the preview (flow.css
// `.frame`: 4:3, the video `object-fit: cover`), OUTLINE_FRACTION of its width. A document fills it when
// all four of its borders are long straight edges lying on the outline's four sides: a strong grey step
// across each side, at most EDGE_BAND of the frame away, along at least EDGE_COVER of its length. A scene
// without such a rectangle (a face, a desk, the fake camera's test pattern) never qualifies.

/** ISO/IEC 7810 ID-1, the size of licences and ID cards (a passport page is close to it). */
const CARD_ASPECT = 85.6 / 54;
/** The preview's aspect ratio (flow.css `.frame`). */
const VIEW_ASPECT = 4 / 3;
/** The outline's width as a share of the visible frame's (flow.css `.outline` uses the same 84%). */
const OUTLINE_FRACTION = 0.84;
/** How far from the outline (share of the frame's height) a card's border may lie. */
const EDGE_BAND = 0.05;
/** Grey step (0–255) across a border that counts as an edge. */
const EDGE_MIN = 28;
/** Share of a side's length (its middle 80%) that must show the edge. */
const EDGE_COVER = 0.7;

/**
 * The outline in the coordinates of a `width`×`height` picture of the whole video frame.
 * @param {number} width @param {number} height
 */
export function outlineRect(width, height) {
  const visibleWidth = width / height > VIEW_ASPECT ? height * VIEW_ASPECT : width;
  const w = visibleWidth * OUTLINE_FRACTION;
  const h = w / CARD_ASPECT;
  return { x: (width - w) / 2, y: (height - h) / 2, w, h };
}

/**
 * Whether a document fills the outline of the grey picture `g` (`width`×`height`, row-major).
 * @param {Float32Array} g @param {number} width @param {number} height
 */
export function documentFillsOutline(g, width, height) {
  const o = outlineRect(width, height);
  const band = Math.max(2, Math.round(height * EDGE_BAND));
  const at = (/** @type {number} */ x, /** @type {number} */ y) => g[y * width + x];
  /** Share of positions along a side where a step across it is strong enough. */
  const cover = (/** @type {number} */ from, /** @type {number} */ to, /** @type {(along: number, k: number) => number} */ step) => {
    let hits = 0;
    let n = 0;
    for (let along = Math.round(from); along <= Math.round(to); along++, n++) {
      let best = 0;
      for (let k = -band; k <= band; k++) best = Math.max(best, step(along, k));
      if (best >= EDGE_MIN) hits++;
    }
    return n ? hits / n : 0;
  };
  const inset = 0.1;
  const x0 = o.x + o.w * inset;
  const x1 = o.x + o.w * (1 - inset);
  const y0 = o.y + o.h * inset;
  const y1 = o.y + o.h * (1 - inset);
  const clampY = (/** @type {number} */ y) => Math.min(height - 2, Math.max(1, Math.round(y)));
  const clampX = (/** @type {number} */ x) => Math.min(width - 2, Math.max(1, Math.round(x)));
  const horizontal = (/** @type {number} */ edgeY) => cover(x0, x1, (x, k) => {
    const y = clampY(edgeY + k);
    return Math.abs(at(x, y + 1) - at(x, y - 1));
  });
  const vertical = (/** @type {number} */ edgeX) => cover(y0, y1, (y, k) => {
    const x = clampX(edgeX + k);
    return Math.abs(at(x + 1, y) - at(x - 1, y));
  });
  return [horizontal(o.y), horizontal(o.y + o.h), vertical(o.x), vertical(o.x + o.w)]
    .every((share) => share >= EDGE_COVER);
}
