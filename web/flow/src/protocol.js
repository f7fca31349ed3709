// protocol.js — the wire names of what the flow captures, one list each, matching the server's typed
// values (crates/verity-core/src/capture.rs): document kinds, ID classes, ID sides, selfie poses and
// capture methods. Every match on these strings in the flow goes through these constants.

/** Document kinds (also the step kinds and field types of capture steps). */
export const KIND = Object.freeze({ governmentId: 'government_id', selfie: 'selfie' });

/** ID classes, in the order offered when a step names none first. */
export const ID_CLASS = Object.freeze({ dl: 'dl', pp: 'pp', id: 'id', rp: 'rp', visa: 'visa', mil: 'mil' });

/** The classes a government ID step offers when its template names none. */
export const DEFAULT_ID_CLASSES = [ID_CLASS.dl, ID_CLASS.pp, ID_CLASS.id];

/** Sides of an ID. */
export const SIDE = Object.freeze({ front: 'front', back: 'back' });

/** Selfie poses; also the poses a selfie step asks for when its template names none. */
export const POSE = Object.freeze({ center: 'center', left: 'left', right: 'right' });
export const DEFAULT_POSES = [POSE.center, POSE.left, POSE.right];

/** How an image was taken. */
export const METHOD = Object.freeze({ manual: 'manual', auto: 'auto', upload: 'upload' });

/** The sides a class needs: passports have one, every other class two. @param {string} idClass */
export const sidesFor = (idClass) => (idClass === ID_CLASS.pp ? [SIDE.front] : [SIDE.front, SIDE.back]);

/** Whether a step or field kind is a capture (ID or selfie). @param {string} kind */
export const isCapture = (kind) => kind === KIND.governmentId || kind === KIND.selfie;
