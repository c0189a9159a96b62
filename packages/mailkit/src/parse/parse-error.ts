/**
 * Why a message was not parsed. Callers quarantine on any of these and branch
 * on the code, never on the reason text. `timeout` comes only from the parser
 * pool; `parseMessage` itself never produces it.
 */
export type ParseRejectCode = 'too_large' | 'too_many_parts' | 'too_deep' | 'header_too_long' | 'unparseable' | 'timeout';

/** Every code, for validating a code that crossed a thread boundary. */
export const PARSE_REJECT_CODES: readonly ParseRejectCode[] = ['too_large', 'too_many_parts', 'too_deep', 'header_too_long', 'unparseable', 'timeout'];

/** The one error safe parsing throws, so a poison message is told apart from a bug in our code. */
export class ParseRejectedError extends Error {
  override readonly name = 'ParseRejectedError';
  constructor(
    readonly code: ParseRejectCode,
    /** A sentence for an admin looking at the quarantine. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}

/** Narrows a value that crossed a thread boundary back to a known code. */
export function isParseRejectCode(value: unknown): value is ParseRejectCode {
  return typeof value === 'string' && (PARSE_REJECT_CODES as readonly string[]).includes(value);
}
