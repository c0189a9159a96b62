// POP3 for mailbox sync: one logged-in session per maildrop, UIDL as the
// cursor, exact message bytes, deletions applied only by QUIT; and the sync
// built on it, an async iterator of fetched messages for the caller to commit.
export { openPop3Session, DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_MAX_MESSAGE_BYTES, TOO_LARGE_DRAIN_BYTES } from './pop3-session.ts';
export type { Pop3RetrOptions, Pop3Session, Pop3SessionOptions } from './pop3-session.ts';
export type { Pop3ListEntry, Pop3UidlEntry } from './pop3-reply.ts';
export { connectionCode, Pop3Error } from './pop3-error.ts';
export type { Pop3ErrorCode } from './pop3-error.ts';
export { pop3Sync, type FetchedPop3Message, type Pop3Round, type Pop3SyncEvent, type Pop3SyncOptions } from './pop3-sync.ts';
