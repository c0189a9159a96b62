import { VerifyError } from '../verify/classify-error.ts';
import type { ConnectionErrorCode } from '../verify/types.ts';

/**
 * Why a POP3 operation failed. The connection-level codes are verify's own
 * (so IMAP and POP3 failures read alike); the rest belong to a mailbox sync:
 * - uidl_unsupported: the server answered UIDL with -ERR, so no stable message ids
 * - too_large: RETR went over maxBytes (the session stays usable unless `closed`)
 * - command_refused: -ERR to RETR/DELE/LIST/QUIT, e.g. no such message
 * - aborted: the caller's AbortSignal fired
 * - session_closed: the session was closed (or failed) before or during the command
 */
export type Pop3ErrorCode = ConnectionErrorCode | 'uidl_unsupported' | 'too_large' | 'command_refused' | 'aborted' | 'session_closed';

/**
 * The one error the POP3 client throws. It is a VerifyError, so
 * classifyError() maps it to a connection-level code exactly as it does for
 * IMAP failures; `code` keeps the finer POP3 reason. (Its `name` stays
 * 'VerifyError': the base class types it as that literal.)
 */
export class Pop3Error extends VerifyError {
  constructor(
    readonly code: Pop3ErrorCode,
    message: string,
    /** The server's own words, when it said something. */
    serverText?: string,
    options?: { cause?: unknown },
  ) {
    super(connectionCode(code), message, serverText);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** The verify code a POP3 code is reported as, for callers that only know connection failures. */
export function connectionCode(code: Pop3ErrorCode): ConnectionErrorCode {
  switch (code) {
    case 'uidl_unsupported':
    case 'too_large':
    case 'command_refused':
    case 'aborted':
    case 'session_closed':
      return 'protocol_error';
    default:
      return code;
  }
}
