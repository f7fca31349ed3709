// camera.js — live camera preview, manual shutter and auto-capture.
// Auto-capture fires when the frame is steady (small mean difference between consecutive downscaled
// grey frames) and sharp (variance of the Laplacian above a floor) in AUTO_NEEDED of the last
// AUTO_WINDOW samples (a window, not a strict streak, so one noisy frame does not reset it):
// the same measures the server-side checks use (docs/verifications.md), so an auto-captured frame should pass them.
// The document camera also needs a card filling its outline in those samples (framing.js), so a scene
// without a document is never taken for one.

import { documentFillsOutline } from './framing.js';

const SAMPLE_W = 64;
const SAMPLE_H = 48;
const SAMPLE_MS = 100;
/** The finer grey picture the outline is looked for in (its height follows the video's shape). */
const OUTLINE_SAMPLE_W = 160;
/** Mean absolute grey difference (0–255) below which two frames count as steady. */
const STEADY_MAX = 6;
/** Variance of the Laplacian above which a frame counts as sharp. */
const SHARP_MIN = 30;
/** Samples considered (≈ 1 s) and how many of them must be steady and sharp. */
const AUTO_WINDOW = 10;
const AUTO_NEEDED = 8;

export class CameraError extends Error {
  /** @param {string} reason */
  constructor(reason) {
    super(reason);
    this.reason = reason;
  }
}

/** Whether this browser can open a camera at all (in-app browsers and insecure pages cannot). */
export const cameraSupported = () => !!navigator.mediaDevices?.getUserMedia;

/**
 * Starts the camera into `video`.
 * @param {HTMLVideoElement} video
 * @param {'user' | 'environment'} facingMode
 * @returns {Promise<MediaStream>}
 */
export async function startCamera(video, facingMode) {
  if (!cameraSupported()) throw new CameraError('unsupported');
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode, width: { ideal: 1280 }, height: { ideal: 720 } },
      audio: false,
    });
  } catch (e) {
    const name = e instanceof Error ? e.name : '';
    throw new CameraError(name === 'NotAllowedError' ? 'permission_denied' : 'hardware_error');
  }
  video.srcObject = stream;
  video.muted = true;
  video.playsInline = true;
  try {
    await video.play();
  } catch {
    stopCamera(stream);
    throw new CameraError('hardware_error');
  }
  return stream;
}

/** @param {MediaStream | null | undefined} stream */
export function stopCamera(stream) {
  stream?.getTracks().forEach((track) => track.stop());
}

/**
 * Grabs the current frame as a JPEG.
 * @param {HTMLVideoElement} video
 * @returns {Promise<Blob>}
 */
export function grabFrame(video) {
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth || 640;
  canvas.height = video.videoHeight || 480;
  canvas.getContext('2d')?.drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new CameraError('capture_failed'))), 'image/jpeg', 0.9),
  );
}

/**
 * Watches `video` and calls `onSteady` once when the frame is steady and sharp (and, for a document, a card
 * fills the outline). Returns a stop function. The samples looked at so far are counted in
 * `video.dataset.samples` (and the last outline verdict in `video.dataset.document`), which lets a test
 * wait for a number of looks instead of for a time.
 * @param {HTMLVideoElement} video
 * @param {() => void} onSteady
 * @param {boolean} [needDocument]
 */
export function watchForAutoCapture(video, onSteady, needDocument = false) {
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  /** @type {Float32Array | null} */
  let prev = null;
  /** @type {boolean[]} */
  const recent = [];
  let samples = 0;
  const timer = setInterval(() => {
    if (!ctx || video.readyState < 2) return;
    const grey = sample(ctx, video, SAMPLE_W, SAMPLE_H);
    const steady = prev !== null && meanDiff(grey, prev) < STEADY_MAX;
    prev = grey;
    let good = steady && laplacianVariance(grey) > SHARP_MIN;
    if (needDocument) {
      const h = Math.max(2, Math.round((OUTLINE_SAMPLE_W * (video.videoHeight || 3)) / (video.videoWidth || 4)));
      const found = documentFillsOutline(sample(ctx, video, OUTLINE_SAMPLE_W, h), OUTLINE_SAMPLE_W, h);
      video.dataset.document = found ? 'yes' : 'no';
      good &&= found;
    }
    video.dataset.samples = String(++samples);
    recent.push(good);
    if (recent.length > AUTO_WINDOW) recent.shift();
    if (recent.length === AUTO_WINDOW && recent.filter(Boolean).length >= AUTO_NEEDED) {
      clearInterval(timer);
      onSteady();
    }
  }, SAMPLE_MS);
  return () => clearInterval(timer);
}

/** The video's frame as a `w`×`h` grey picture. @param {CanvasRenderingContext2D} ctx @param {HTMLVideoElement} video @param {number} w @param {number} h */
function sample(ctx, video, w, h) {
  ctx.canvas.width = w;
  ctx.canvas.height = h;
  ctx.drawImage(video, 0, 0, w, h);
  return toGrey(ctx.getImageData(0, 0, w, h).data);
}

/** @param {Uint8ClampedArray} rgba */
function toGrey(rgba) {
  const out = new Float32Array(rgba.length / 4);
  for (let i = 0; i < out.length; i++) {
    out[i] = 0.299 * rgba[i * 4] + 0.587 * rgba[i * 4 + 1] + 0.114 * rgba[i * 4 + 2];
  }
  return out;
}

/** @param {Float32Array} a @param {Float32Array} b */
function meanDiff(a, b) {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** @param {Float32Array} g */
export function laplacianVariance(g) {
  let sum = 0;
  let sq = 0;
  let n = 0;
  for (let y = 1; y < SAMPLE_H - 1; y++) {
    for (let x = 1; x < SAMPLE_W - 1; x++) {
      const i = y * SAMPLE_W + x;
      const v = g[i - SAMPLE_W] + g[i + SAMPLE_W] + g[i - 1] + g[i + 1] - 4 * g[i];
      sum += v;
      sq += v * v;
      n++;
    }
  }
  const mean = sum / n;
  return sq / n - mean * mean;
}
