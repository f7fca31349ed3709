// steps/selfie.js — selfie poses (`center`, `left`, `right`) from the front camera, or uploads where the
// camera is unavailable (`selfie-record-upload`).

import { captureSequence } from '../capture.js';
import { DEFAULT_POSES, KIND, METHOD } from '../protocol.js';
import { MSG, post } from '../host.js';
import { t } from '../i18n.js';
import { h } from '../ui.js';

/**
 * @param {HTMLElement} root
 * @param {import('../config.js').Step} step
 * @param {(file: { kind: string, side: string, captureMethod: string, image: Blob },
 *   onProgress: (share: number) => void) => Promise<void>} upload
 * @param {() => Promise<void>} done
 */
export async function renderSelfie(root, step, upload, done) {
  const poses = step.poses.length ? step.poses : DEFAULT_POSES;
  const area = h('div', {}, [h('h1', { text: t('selfieTitle') }), h('p', { text: t('selfieHint') })]);
  root.append(area);
  await captureSequence(area, poses.map((p) => ({ key: p, label: t(`pose_${p}`) })), {
    facing: 'user',
    document: false,
    onCameraSelect: () => post(MSG.selfieCameraSelect, {}),
    onCameraFailed: (reason) => post(MSG.loadCameraFailed, { reason }),
    onCaptured: (item, method) => {
      const files = [{ pose: item.key, captureMethod: method }];
      post(method === METHOD.upload ? MSG.selfieRecordUpload : MSG.selfieCameraCapture, { stepData: { files } });
    },
    save: (item, image, method, onProgress) => upload({ kind: KIND.selfie, side: item.key, captureMethod: method, image }, onProgress),
  });
  await done();
}
