/** Stable reasons a message cannot be composed, so the API can name the field and the cause without parsing text. */
export type ComposeErrorCode =
  | 'header_injection'
  | 'invalid_address'
  | 'invalid_header'
  | 'reserved_header'
  | 'invalid_message_id'
  | 'invalid_content_type'
  | 'missing_recipient'
  | 'missing_body';

/**
 * Thrown by composeMessage for input it refuses; `field` names the input
 * that is wrong ("subject", "to[1].address", "headers.X-Campaign",
 * "attachments[0].filename"), so the agent or admin sees where.
 */
export class ComposeError extends Error {
  override readonly name = 'ComposeError';
  constructor(
    readonly code: ComposeErrorCode,
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
