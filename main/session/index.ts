// Public API of sessions: annotations, the capture set with fingerprints, assignments, decode-as, filter,
// with atomic autosave. No Electron here: the app, the browser-mode server and the CLI all use this.
export * from './types';
export { SessionStore, type SessionStoreOptions, type SessionChange } from './store';
export { SessionError, parseSession, MAX_ANNOTATION_TEXT, MAX_TAG, type SessionErrorCode } from './parse';
export { atomicWriteFile, removeStaleTemps, type AtomicWriteOptions } from './atomic';
export { fingerprintFile, checkCapture, type Fingerprint } from './fingerprint';
export { readCaptureComments, type CaptureComment } from './comments';
export { sessionPathFor, SESSION_EXTENSION } from './location';
