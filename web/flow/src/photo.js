// photo.js — light uploads (docs/contract.md §7.2): a photo chosen from a file is decoded in the browser
// with its orientation applied (EXIF, `imageOrientation: 'from-image'`), scaled down to at most
// MAX_LONG_SIDE pixels on its long side — still enough for a licence's barcode and a passport's text —
// and sent as a JPEG, so a 12 MP phone photo travels as a few hundred KB. The server's own limits stay
// the safety net; a file the browser cannot decode is sent as it is, for the server to refuse clearly.

const MAX_LONG_SIDE = 2000;
const JPEG_QUALITY = 0.9;

/** @param {Blob} file @returns {Promise<Blob>} */
export async function lighten(file) {
  /** @type {ImageBitmap} */
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    return file;
  }
  const scale = Math.min(1, MAX_LONG_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  const ctx = canvas.getContext('2d');
  if (!ctx) return file;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', JPEG_QUALITY));
  return blob instanceof Blob ? blob : file;
}
