// Public API of sessions: annotations, the capture set with fingerprints, assignments, decode-as, filter,
// with atomic autosave. No Electron here: the app, the browser-mode server and the CLI all use this.
//
//   const file = sessionPathFor(paths);                 // beside the captures, named after the set
//   const s = existsSync(file) ? await SessionStore.open(file) : await SessionStore.create(file, paths);
//   s.captureProblems        // captures changed/missing since annotated: show s.captureProblems[i].message
//   await s.loadCaptureComments();                      // pcapng comments -> annotations (source 'capture-comment')
//   s.addAnnotation({ target: { kind: 'packet', capture: 'node1-eth0.pcap', packet: 41 }, text, severity: 'problem', tag });
//   s.updateAnnotation(id, { text }) / s.removeAnnotation(id) / s.annotations / s.isAttached(a)
//   s.setAssignment({ capture, node, interface, kind }) / s.setDecodeAs([...]) / s.setFilter('tcp.port == 80')
//   s.onChange((what) => ...)  // 'annotations' | 'captures' | ... | 'saved'; errors of autosave: opts.onError
//   await s.close();           // on quit: writes what is pending (autosave runs ~400 ms after each change)
//
// Targets: packet = SessionCapture.id (the file name, as the analysis' CaptureFile.id) + 0-based packet
// number; flow = Flow.id; hop = journey id (text) + hop index, with the hop's packet when known; element =
// cluster graph element id (main/topology/graph.ts, e.g. 'pod:10.244.0.5', 'node:node1'; stored as
// written: older spellings are mapped when read, by `resolveElement`); set = the whole capture set.
// Saving: JSON written to a temporary file, fsynced, renamed over the session, folder fsynced.
export * from './types';
export { SessionStore, type SessionStoreOptions, type SessionChange } from './store';
export { SessionError, parseSession, MAX_ANNOTATION_TEXT, MAX_TAG, type SessionErrorCode } from './parse';
export { atomicWriteFile, removeStaleTemps, type AtomicWriteOptions } from './atomic';
export { fingerprintFile, checkCapture, type Fingerprint } from './fingerprint';
export { readCaptureComments, type CaptureComment } from './comments';
export { sessionPathFor, SESSION_EXTENSION } from './location';
export { assignmentOverrides } from './overrides';
