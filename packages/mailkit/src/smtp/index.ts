// Sending: raw bytes to one account's SMTP server, the outcome classified.
export { sendRaw } from './send-raw.ts';
export type { SendOptions, SendResult, SmtpAccount, SmtpEnvelope } from './send-raw.ts';
export { classifySmtpFailure } from './classify-smtp-failure.ts';
export type { FailureScope, SendFailure, SendFailureCode } from './classify-smtp-failure.ts';
