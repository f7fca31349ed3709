// capture.js — one capture sequence (ID sides or selfie poses): for each item the individual uses the
// camera (live preview inside a card outline or face oval, manual shutter, auto-capture) or uploads a
// file; each image is saved before the next item is asked for. Upload is always offered, so a failed
// camera is never a dead end (docs/contract.md §7.2). A manual document photo is shown for review first
// ("Is all the text readable?"). The server checks each image at once: a refused one comes back with the
// failing check, shown in plain words, and the same item is asked for again (docs/verifications.md §5).

import { ApiError } from './api.js';
import { CameraError, cameraSupported, grabFrame, startCamera, stopCamera, watchForAutoCapture } from './camera.js';
import { t } from './i18n.js';
import { lighten } from './photo.js';
import { METHOD } from './protocol.js';
import { announce, h, uid } from './ui.js';

const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const UPLOAD_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
/** Checks the flow has plain words for when the server refuses a capture (`refused_<check>`). */
const WORDED_CHECKS = ['id_image_decodes', 'id_resolution', 'id_blur', 'id_glare', 'id_barcode', 'id_mrz',
  'selfie_poses', 'selfie_blur', 'selfie_glare', 'selfie_face_presence', 'selfie_pose'];

/**
 * @typedef {{ key: string, label: string, hint?: string }} Item
 * @typedef {'manual' | 'auto' | 'upload'} Method
 * @typedef {{
 *   facing: 'user' | 'environment',
 *   document: boolean,
 *   onCameraSelect: () => void,
 *   onCameraFailed: (reason: string) => void,
 *   onCaptured: (item: Item, method: Method) => void,
 *   save: (item: Item, image: Blob, method: Method, onProgress: (share: number) => void) => Promise<void>,
 * }} Options
 */

/** The plain words for a refused capture. @param {unknown} e */
function refusalText(e) {
  if (!(e instanceof ApiError) || e.body.code !== 'capture_refused') return null;
  const check = e.body.check ?? '';
  return t(WORDED_CHECKS.includes(check) ? `refused_${check}` : 'refused');
}

/**
 * Runs the sequence inside `root`; resolves when every item is saved.
 * @param {HTMLElement} root
 * @param {Item[]} items
 * @param {Options} opts
 * @returns {Promise<void>}
 */
export function captureSequence(root, items, opts) {
  return new Promise((resolve) => {
    /** @type {MediaStream | null} */
    let stream = null;
    let cameraFailed = false;
    let useCamera = false;
    /** @type {(() => void) | null} */
    let stopAuto = null;
    let index = 0;
    let busy = false;
    /** Why the server refused the last capture of this item, shown until the next one is kept. */
    let refusal = /** @type {string | null} */ (null);

    const status = h('p', { class: 'status', role: 'status' });
    const progress = /** @type {HTMLProgressElement} */ (h('progress', { max: 1, value: 0, hidden: true, 'aria-label': t('uploading') }));
    const body = h('div', { class: 'capture' });
    root.append(body);

    /** @param {Blob} image @param {Method} method */
    const accept = async (image, method) => {
      if (busy) return;
      busy = true;
      stopAuto?.();
      const item = items[index];
      opts.onCaptured(item, method);
      announce(t('captured', { what: item.label }));
      status.textContent = t('uploading');
      progress.value = 0;
      progress.hidden = false;
      const onProgress = (/** @type {number} */ share) => {
        progress.value = share;
        status.textContent = t('uploadProgress', { percent: String(Math.round(share * 100)) });
      };
      try {
        await opts.save(item, image, method, onProgress);
      } catch (e) {
        busy = false;
        progress.hidden = true;
        refusal = refusalText(e);
        status.textContent = refusal ? '' : t('saveFailed');
        // A refusal is its own alert (and keyboard focus lands on it, the retake controls follow).
        if (!refusal) announce(t('saveFailed'));
        render();
        /** @type {HTMLElement | null} */ (body.querySelector('.refused'))?.focus();
        return;
      }
      busy = false;
      refusal = null;
      progress.hidden = true;
      index += 1;
      status.textContent = '';
      if (index >= items.length) finish();
      else render();
    };

    const finish = () => {
      stopAuto?.();
      stopCamera(stream);
      resolve();
    };

    // No camera API at all (in-app browsers, insecure pages): upload at once, never a dead button.
    if (!cameraSupported()) {
      cameraFailed = true;
      status.textContent = t('cameraFailed');
      opts.onCameraFailed('unsupported');
    }

    const openCamera = async () => {
      useCamera = true;
      opts.onCameraSelect();
      status.textContent = t('cameraStarting');
      announce(t('cameraStarting'));
      render();
    };

    /** The manual shutter: documents are reviewed before they are sent. @param {HTMLVideoElement} video */
    const shoot = async (video) => {
      const image = await grabFrame(video);
      if (opts.document) review(image);
      else accept(image, METHOD.manual);
    };

    /** "Is all the text readable?": retake, or use this photo. @param {Blob} image */
    function review(image) {
      stopAuto?.();
      const item = items[index];
      const url = URL.createObjectURL(image);
      const done = () => URL.revokeObjectURL(url);
      body.replaceChildren(
        h('h2', { text: t('reviewTitle'), tabindex: '-1' }),
        h('p', { text: t('reviewBody') }),
        h('img', { class: 'preview review', src: url, alt: t('reviewAlt', { what: item.label }) }),
        h('div', { class: 'row' }, [
          h('button', { type: 'button', class: 'button secondary', onclick: () => { done(); render(); } }, [t('retake')]),
          h('button', { type: 'button', class: 'button', onclick: () => { done(); accept(image, METHOD.manual); } }, [t('usePhoto')]),
        ]),
        progress, status,
      );
      /** @type {HTMLElement | null} */ (body.querySelector('h2'))?.focus();
    }

    function render() {
      const item = items[index];
      const fileId = uid('file');
      const input = /** @type {HTMLInputElement} */ (
        h('input', { type: 'file', id: fileId, accept: UPLOAD_TYPES.join(','), class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true' })
      );
      input.addEventListener('change', async () => {
        const file = input.files?.[0];
        if (!file) return;
        if (!UPLOAD_TYPES.includes(file.type)) return void (status.textContent = t('fileType'));
        if (file.size > MAX_UPLOAD_BYTES) return void (status.textContent = t('fileTooLarge'));
        accept(await lighten(file), METHOD.upload);
      });
      // A real button opens the hidden input's file chooser: one Tab stop, Enter and Space for free.
      const upload = h('button', { type: 'button', class: 'button secondary', 'aria-controls': fileId, onclick: () => input.click() }, [t('uploadFile')]);
      const children = [h('h2', { text: item.label }), item.hint ? h('p', { text: item.hint }) : null,
        refusal ? h('p', { class: 'error refused', role: 'alert', tabindex: '-1', text: refusal }) : null];
      if (useCamera && !cameraFailed) {
        const video = /** @type {HTMLVideoElement} */ (h('video', { class: 'preview', 'aria-label': item.label, muted: true, playsinline: true }));
        const shutter = h('button', { type: 'button', class: 'button', disabled: true, onclick: () => shoot(video) }, [t('takePhoto')]);
        const guide = h('div', { class: opts.document ? 'outline' : 'oval', 'aria-hidden': 'true' });
        children.push(h('div', { class: 'frame' }, [video, guide]), shutter);
        void attach(video, shutter);
      } else if (!cameraFailed) {
        children.push(h('button', { type: 'button', class: 'button', onclick: openCamera }, [t('useCamera')]));
      }
      children.push(upload, input, progress, status);
      body.replaceChildren(...children.filter((c) => !!c).map((c) => /** @type {Node} */ (c)));
    }

    /** @param {HTMLVideoElement} video @param {HTMLElement} shutter */
    async function attach(video, shutter) {
      try {
        if (!stream) stream = await startCamera(video, opts.facing);
        else {
          video.srcObject = stream;
          await video.play();
        }
      } catch (e) {
        cameraFailed = true;
        status.textContent = t('cameraFailed');
        announce(t('cameraFailed'));
        opts.onCameraFailed(e instanceof CameraError ? e.reason : 'hardware_error');
        render();
        return;
      }
      shutter.removeAttribute('disabled');
      const ready = t('cameraReady', { hint: t(opts.document ? 'autoHintDocument' : 'autoHint') });
      status.textContent = ready;
      if (!refusal) announce(ready);
      stopAuto = watchForAutoCapture(video, async () => accept(await grabFrame(video), METHOD.auto), opts.document);
    }

    render();
  });
}
