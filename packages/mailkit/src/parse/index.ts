// Safe MIME parsing of hostile customer mail: limits checked before decoding,
// typed rejections, and a worker pool that bounds CPU time per message.
export type { Address, HeaderField, ParsedAttachment, ParsedMessage, ParsedPart } from './types.ts';
export { DEFAULT_PARSE_LIMITS, resolveLimits, type ParseLimits } from './limits.ts';
export { ParseRejectedError, PARSE_REJECT_CODES, isParseRejectCode, type ParseRejectCode } from './parse-error.ts';
export { parseMessage, PART_TEXT_MAX_BYTES } from './parse-message.ts';
export { createParserPool, type ParserPool, type ParserPoolOptions } from './parser-pool.ts';
export { normalizeAddress, canonicalAddress, parseAddressList, parseReturnPath } from './address.ts';
export { sanitizeFilename } from './filename.ts';
export { decodeEncodedWords } from './encoded-words.ts';
export { extractMessageIds } from './message-id.ts';
// A look at a message's top-level header fields without parsing it (the
// quarantine and the replay check read a few fields of mail that may not parse).
export { peekHeaders, PEEK_BYTES, type PeekedHeaders } from './peek-headers.ts';
