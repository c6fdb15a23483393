// The Content-Security-Policy of the UI, in one place: browser mode sends it as a header, the
// renderer's index.html carries the same text in its meta tag (a test keeps the two equal).
// Nothing from a capture can run or load anything: scripts and styles only from the app itself,
// no inline script, no eval, no plugins, no frames, no form posts, no requests elsewhere.
const POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
];

/** The policy in renderer/index.html's meta tag (frame-ancestors is ignored there). */
export const CSP_META = POLICY.join('; ');
/** The policy sent as a header by browser mode. */
export const CSP = [...POLICY, "frame-ancestors 'none'"].join('; ');

/** Headers sent with every browser-mode response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};
