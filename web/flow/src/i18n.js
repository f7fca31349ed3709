// i18n.js — every string the flow shows (docs/contract.md §7.3). English is here, inside the first page's
// bundle; Spanish, French, German and Portuguese are in i18n/<lang>.js, each built to a separate versioned
// asset beside flow.js that is imported only when chosen, so the bundle does not grow with each language.
// Keys are stable; every catalog has every key with the same `{name}` placeholders (typed below, and
// web/tests/flow/i18n.test.js). `t(key, vars)` falls back to English for a missing translation.

/** @typedef {keyof typeof en} MessageKey */

export const en = {
  close: 'Close',
  closeConfirm: 'Leave verification? You can resume later.',
  leave: 'Leave',
  stay: 'Stay',
  continue: 'Continue',
  back: 'Back',
  loading: 'Loading…',
  startTitle: 'Verify your identity',
  startBody: 'We will ask for some details, a photo of a government ID and a selfie. It takes about two minutes.',
  consent: 'I agree that my data is processed to verify my identity, as described in the privacy notice.',
  privacy: 'Your photos and details are stored by the operator of this service and used only to verify your identity.',
  consentRequired: 'Please agree to continue.',
  fieldsTitle: 'Your details',
  required: 'required',
  invalidValue: 'Please enter a valid value.',
  requiredValue: 'This field is required.',
  idTitle: 'Government ID',
  country: 'Issuing country',
  idClass: 'Type of ID',
  idClass_dl: "Driver's licence",
  idClass_pp: 'Passport',
  idClass_id: 'National ID card',
  idClass_rp: 'Residence permit',
  idClass_visa: 'Visa',
  idClass_mil: 'Military ID',
  side_front: 'Front side',
  side_back: 'Back side',
  useCamera: 'Use camera',
  uploadFile: 'Upload a photo',
  takePhoto: 'Take photo',
  autoHint: 'Hold still: the photo is taken automatically when the image is steady and sharp.',
  autoHintDocument: 'Fill the outline with the card and hold still: the photo is taken automatically when the card is sharp and steady. You can also press Take photo.',
  reviewTitle: 'Is all the text readable?',
  reviewBody: 'Check that the whole card is in the photo, sharp and without glare.',
  reviewAlt: 'The photo you took: {what}',
  retake: 'Retake',
  usePhoto: 'Use this photo',
  uploadProgress: 'Uploading… {percent}%',
  refused: 'This photo cannot be used. Please take another one.',
  refused_id_image_decodes: 'This photo could not be read. Please take another one.',
  refused_id_resolution: 'The photo is too small. Move closer so the card fills the frame, or choose a larger photo.',
  refused_id_blur: 'The photo is blurry. Hold the card still, let the camera focus, and take it again.',
  refused_id_glare: 'There is glare on the card. Tilt it away from the light and take it again.',
  refused_id_barcode: 'The barcode on the back could not be read. Make sure all of it is in the photo, sharp and without glare.',
  refused_id_mrz: 'The lines of letters and numbers at the bottom of the photo page could not be read. Make sure they are in the photo and sharp.',
  refused_selfie_poses: 'This photo could not be read. Please take another one.',
  refused_selfie_blur: 'The photo is blurry. Hold still and take it again.',
  refused_selfie_glare: 'The photo is too bright. Move away from direct light and take it again.',
  refused_selfie_face_presence: 'We could not see exactly one face. Put your face inside the oval, alone in the picture.',
  refused_selfie_pose: 'Your head is not turned as asked. Please follow the instruction and take it again.',
  cameraStarting: 'Starting camera…',
  cameraReady: 'Camera ready. {hint}',
  cameraFailed: 'The camera could not be started. You can upload a photo instead.',
  captured: '{what} captured.',
  uploading: 'Uploading…',
  saveFailed: 'The photo could not be saved. Please try again.',
  selfieTitle: 'Selfie',
  pose_center: 'Look straight at the camera',
  pose_left: 'Turn your head to the left',
  pose_right: 'Turn your head to the right',
  selfieHint: 'Place your face in the frame.',
  checkingTitle: 'Checking your documents',
  checkingBody: 'This takes a few seconds. Please keep this page open.',
  doneTitle: 'Thank you',
  doneBody: 'Your verification has been submitted.',
  failedTitle: 'Verification not completed',
  failedBody: 'We could not verify your identity with the information provided.',
  complete: 'Complete',
  errorTitle: 'Something went wrong',
  error_invalid_config: 'This verification link is not set up correctly.',
  error_unauthenticated: 'This session has expired. Please start again from the website that sent you here.',
  error_inactive_template: 'This verification is no longer available.',
  error_application_error: 'The service is not available right now. Please try again later.',
  error_unknown: 'An unexpected error occurred.',
  networkError: 'Connection problem. Please try again.',
  retry: 'Try again',
  fileTooLarge: 'This file is too large (at most 10 MB).',
  fileType: 'Please choose a JPEG, PNG or WebP image.',
  handoffOffer: 'Continue on your phone',
  handoffTitle: 'Continue on your phone',
  handoffBody: 'Scan a QR code with your phone, or get a link by email or text message. The link works once and expires after a few minutes.',
  handoffQr: 'Show a QR code',
  handoffEmail: 'Email address',
  handoffSendEmail: 'Send the link by email',
  handoffPhone: 'Mobile number, with country code',
  handoffSendSms: 'Send the link by text message',
  handoffHere: 'Continue on this device',
  handoffFailed: 'The link could not be sent. Please try again.',
  handoffScan: 'Scan with your phone',
  handoffQrAlt: 'QR code with a link to continue this verification on your phone',
  handoffOpenLink: 'Or open the link on this device',
  handoffCheck: 'Check your phone',
  handoffSentTo: 'We sent a link to {to}. Open it on your phone to continue.',
  handoffWaiting: 'Waiting for your phone…',
  handoffStarted: 'Continuing on your phone. This page moves on when you are done there.',
  handoffExpired: 'The link expired before it was opened.',
  handoffAgain: 'Get a new link',
  phoneDoneTitle: 'All done on this phone',
  phoneDoneBody: 'Go back to your computer to continue.',
  phoneDoneSubmitted: 'Your verification has been submitted. You can close this page.',
  linkRefusedTitle: 'This link can’t be used',
  linkRefusedBody: 'Go back to the device where you started and choose “Continue on your phone” again for a new link.',
};

/** The languages with a catalog (English first: the fallback). */
export const LANGUAGES = ['en', 'es', 'fr', 'de', 'pt'];

/** @type {Record<string, string>} */
let current = en;
export let lang = 'en';

/**
 * The first language of `wanted` that has a catalog, by primary subtag (`es-MX` → `es`); English if none.
 * @param {readonly (string | undefined)[]} wanted
 */
export function pickLanguage(wanted) {
  for (const tag of wanted) {
    const base = (tag || '').toLowerCase().split(/[-_]/)[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return 'en';
}

/**
 * Loads the catalog: the SDK's `language` option, else the browser's languages, else English. A catalog
 * that cannot be loaded leaves the flow in English rather than blank.
 * @param {string | undefined} option
 */
export async function setLanguage(option) {
  let chosen = pickLanguage([option, ...navigator.languages]);
  /** @type {Partial<Record<MessageKey, string>>} */
  let catalog = {};
  if (chosen !== 'en') {
    // Beside flow.js under the same `?v=` content hash (crates/verity-http/src/flow/assets.rs).
    const url = new URL(`i18n/${chosen}.js${new URL(import.meta.url).search}`, import.meta.url);
    try {
      catalog = (await import(url.href)).default;
    } catch {
      chosen = 'en';
    }
  }
  lang = chosen;
  current = { ...en, ...catalog };
  document.documentElement.lang = lang;
  document.title = current.startTitle;
}

/**
 * @param {string} key a MessageKey, or a dynamic one such as `idClass_dl` (falls back to the key)
 * @param {Record<string, string>} [vars]
 */
export function t(key, vars) {
  const text = current[key] ?? key;
  return vars ? text.replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '') : text;
}
