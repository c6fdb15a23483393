// Whether this code runs from the command line's prebuilt bundle (out/cli): build.mjs gives the
// bundle its own version of this module, where BUNDLED is true. A worker thread is then started from
// the bundle's entry for it, without a bootstrap that checks the bundle again (bin.mjs has just
// done so) or could load tsx.
export const BUNDLED: boolean = false;

/** The bundle's folder (bundle.mjs's BUNDLE_DIR), as a URL. */
export const BUNDLE_URL = new URL('../../out/cli/', import.meta.url);
