// Connection checks an admin runs when saving an email campaign: one entry
// point per protocol, each returning a CheckResult and never throwing.
export type {
  CheckProtocol,
  CheckResult,
  ConnectionErrorCode,
  ImapSettings,
  Pop3Settings,
  Security,
  SmtpSettings,
} from './types.ts';
export { verifyImap, imapClientOptions } from './verify-imap.ts';
export { verifyPop3 } from './verify-pop3.ts';
export { verifySmtp, smtpConnectionOptions, smtpLoginCredentials } from './verify-smtp.ts';
export { classifyError, VerifyError } from './classify-error.ts';
export { parseCaPem, tlsTrustOptions, type TlsTrust } from './tls-trust.ts';
export { failureMessage, redactSecret } from './failure-message.ts';
export { tokenForms } from '../sasl/oauth-bearer.ts';
