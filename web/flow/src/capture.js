// capture.js — one capture sequence (ID sides or selfie poses): for each item the individual uses the
// camera (live preview, manual shutter, auto-capture) or uploads a file; each image is saved before the
// next item is asked for. Upload is always offered, so a failed camera is never a dead end (docs/contract.md §7.2).

import { CameraError, cameraSupported, grabFrame, startCamera, stopCamera, watchForAutoCapture } from './camera.js';
import { t } from './i18n.js';
import { METHOD } from './protocol.js';
import { announce, h, uid } from './ui.js';

const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const UPLOAD_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

/**
 * @typedef {{ key: string, label: string, hint?: string }} Item
 * @typedef {'manual' | 'auto' | 'upload'} Method
 * @typedef {{
 *   facing: 'user' | 'environment',
 *   onCameraSelect: () => void,
 *   onCameraFailed: (reason: string) => void,
 *   onCaptured: (item: Item, method: Method) => void,
 *   save: (item: Item, image: Blob, method: Method) => Promise<void>,
 * }} Options
 */

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

    const finish = () => {
      stopAuto?.();
      stopCamera(stream);
      resolve();
    };

    /** @param {Blob} image @param {Method} method */
    const accept = async (image, method) => {
      if (busy) return;
      busy = true;
      stopAuto?.();
      const item = items[index];
      opts.onCaptured(item, method);
      announce(t('captured', { what: item.label }));
      status.textContent = t('uploading');
      try {
        await opts.save(item, image, method);
      } catch {
        busy = false;
        status.textContent = t('saveFailed');
        announce(t('saveFailed'));
        render();
        return;
      }
      busy = false;
      index += 1;
      status.textContent = '';
      if (index >= items.length) finish();
      else render();
    };

    const status = h('p', { class: 'status', role: 'status' });
    const body = h('div', { class: 'capture' });
    root.append(body);
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

    function render() {
      const item = items[index];
      const fileId = uid('file');
      const input = /** @type {HTMLInputElement} */ (
        h('input', { type: 'file', id: fileId, accept: UPLOAD_TYPES.join(','), class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true' })
      );
      input.addEventListener('change', () => {
        const file = input.files?.[0];
        if (!file) return;
        if (!UPLOAD_TYPES.includes(file.type)) return void (status.textContent = t('fileType'));
        if (file.size > MAX_UPLOAD_BYTES) return void (status.textContent = t('fileTooLarge'));
        accept(file, METHOD.upload);
      });
      // A real button opens the hidden input's file chooser: one Tab stop, Enter and Space for free.
      const upload = h('button', { type: 'button', class: 'button secondary', 'aria-controls': fileId, onclick: () => input.click() }, [t('uploadFile')]);
      const children = [h('h2', { text: item.label }), item.hint ? h('p', { text: item.hint }) : null];
      if (useCamera && !cameraFailed) {
        const video = /** @type {HTMLVideoElement} */ (h('video', { class: 'preview', 'aria-label': item.label, muted: true, playsinline: true }));
        const shutter = h('button', { type: 'button', class: 'button', disabled: true,
          onclick: async () => accept(await grabFrame(video), METHOD.manual) }, [t('takePhoto')]);
        children.push(h('div', { class: 'frame' }, [video]), shutter);
        void attach(video, shutter);
      } else if (!cameraFailed) {
        children.push(h('button', { type: 'button', class: 'button', onclick: openCamera }, [t('useCamera')]));
      }
      children.push(upload, input, status);
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
      const ready = t('cameraReady', { hint: t('autoHint') });
      status.textContent = ready;
      announce(ready);
      stopAuto = watchForAutoCapture(video, async () => accept(await grabFrame(video), METHOD.auto));
    }

    render();
  });
}
