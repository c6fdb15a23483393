// Public surface of the decoder.
export { decodePacket, summarize } from './packet';
export { parseDecodeAs, decodeAsNames } from './registry';
export * from './types';
