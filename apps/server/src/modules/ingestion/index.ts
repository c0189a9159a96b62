// Ingestion: mailboxes synced into interactions. What other places may ask
// of it; its routes and the supervisor are entry points the composition root starts.
export { mailboxSyncLag } from './mailboxes.repo.ts';
