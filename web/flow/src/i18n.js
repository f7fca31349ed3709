// i18n.js — every string the flow shows, in English and Spanish (issue 3 §7). Keys are stable;
// `t(key, vars)` falls back to English for a missing translation so a new key never shows blank.

/** @typedef {keyof typeof en} MessageKey */

const en = {
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
  side_front: 'Front side',
  side_back: 'Back side',
  useCamera: 'Use camera',
  uploadFile: 'Upload a photo',
  takePhoto: 'Take photo',
  autoHint: 'Hold still: the photo is taken automatically when the image is steady and sharp.',
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
};

/** @type {Partial<Record<MessageKey, string>>} */
const es = {
  close: 'Cerrar',
  closeConfirm: '¿Salir de la verificación? Puede continuar más tarde.',
  leave: 'Salir',
  stay: 'Quedarse',
  continue: 'Continuar',
  back: 'Atrás',
  loading: 'Cargando…',
  startTitle: 'Verifique su identidad',
  startBody: 'Le pediremos algunos datos, una foto de un documento de identidad y un selfie. Tarda unos dos minutos.',
  consent: 'Acepto que mis datos se traten para verificar mi identidad, según el aviso de privacidad.',
  privacy: 'Sus fotos y datos los guarda el operador de este servicio y solo se usan para verificar su identidad.',
  consentRequired: 'Acepte para continuar.',
  fieldsTitle: 'Sus datos',
  required: 'obligatorio',
  invalidValue: 'Introduzca un valor válido.',
  requiredValue: 'Este campo es obligatorio.',
  idTitle: 'Documento de identidad',
  country: 'País de emisión',
  idClass: 'Tipo de documento',
  idClass_dl: 'Permiso de conducir',
  idClass_pp: 'Pasaporte',
  idClass_id: 'Documento nacional de identidad',
  side_front: 'Anverso',
  side_back: 'Reverso',
  useCamera: 'Usar la cámara',
  uploadFile: 'Subir una foto',
  takePhoto: 'Tomar foto',
  autoHint: 'No se mueva: la foto se toma sola cuando la imagen es estable y nítida.',
  cameraStarting: 'Iniciando la cámara…',
  cameraReady: 'Cámara lista. {hint}',
  cameraFailed: 'No se pudo iniciar la cámara. Puede subir una foto.',
  captured: '{what}: foto tomada.',
  uploading: 'Subiendo…',
  saveFailed: 'No se pudo guardar la foto. Inténtelo de nuevo.',
  selfieTitle: 'Selfie',
  pose_center: 'Mire de frente a la cámara',
  pose_left: 'Gire la cabeza a la izquierda',
  pose_right: 'Gire la cabeza a la derecha',
  selfieHint: 'Coloque su cara en el marco.',
  doneTitle: 'Gracias',
  doneBody: 'Su verificación se ha enviado.',
  failedTitle: 'Verificación no completada',
  failedBody: 'No pudimos verificar su identidad con la información proporcionada.',
  complete: 'Finalizar',
  errorTitle: 'Algo salió mal',
  error_invalid_config: 'Este enlace de verificación no está bien configurado.',
  error_unauthenticated: 'Esta sesión ha caducado. Vuelva a empezar desde el sitio web que le trajo aquí.',
  error_inactive_template: 'Esta verificación ya no está disponible.',
  error_application_error: 'El servicio no está disponible ahora. Inténtelo más tarde.',
  error_unknown: 'Se produjo un error inesperado.',
  networkError: 'Problema de conexión. Inténtelo de nuevo.',
  retry: 'Reintentar',
  fileTooLarge: 'El archivo es demasiado grande (máximo 10 MB).',
  fileType: 'Elija una imagen JPEG, PNG o WebP.',
};

/** @type {Record<string, Partial<Record<MessageKey, string>>>} */
const catalogs = { en, es };

let current = en;
export let lang = 'en';

/** Picks the catalog for a `language` parameter such as `es`, `es-MX` or `en-US`. @param {string | undefined} tag */
export function setLanguage(tag) {
  const base = (tag || 'en').toLowerCase().split(/[-_]/)[0];
  lang = base in catalogs ? base : 'en';
  current = /** @type {typeof en} */ ({ ...en, ...catalogs[lang] });
  document.documentElement.lang = lang;
}

/**
 * @param {string} key a MessageKey, or a dynamic one such as `idClass_dl` (falls back to the key)
 * @param {Record<string, string>} [vars]
 */
export function t(key, vars) {
  const text = /** @type {Record<string, string>} */ (current)[key] ?? key;
  return vars ? text.replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '') : text;
}
