// Building outbound messages: raw RFC 5322 bytes from checked input.
export { composeMessage, messageEnvelope } from './compose-message.ts';
export type { AutoSubmitted, ComposeAttachment, ComposeInput, MailAddress } from './compose-message.ts';
export { ComposeError } from './compose-error.ts';
export type { ComposeErrorCode } from './compose-error.ts';
export { isValidAddress } from './address.ts';
export { textAlternative } from './text-alternative.ts';
export { oneLine } from './one-line.ts';
