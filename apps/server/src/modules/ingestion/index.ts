// Ingestion: fetching mail from the campaigns' mailboxes (IMAP, POP3) and
// storing it exactly once. Its tables (mailboxes, mailbox_folders,
// pop3_uidls, quarantine) are written only here; what other modules may ask
// of it is below. Its routes and workers are entry points the composition
// root imports directly.
export { actionChangedFromNow, mailboxSyncLag, resetMailboxSync } from './mailboxes.repo.ts';
