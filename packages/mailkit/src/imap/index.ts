// IMAP sync: a session that keeps one folder caught up as an async iterator
// of fetched rounds, and the pure cursor arithmetic it runs on. The caller
// stores the cursors and commits; the session owns the protocol.
export {
  imapSync,
  type FetchedContent,
  type FetchedImapMessage,
  type FetchedMailAction,
  type ImapCursorStore,
  type ImapMessageCursor,
  type ImapRound,
  type ImapSyncEvent,
  type ImapSyncOptions,
  type StoredFolderCursor,
  type SyncLog,
} from './imap-sync.ts';
export { byteBatches, FETCH_BATCH, FETCH_CHUNK, inResync, planFolder, uidChunks, uidsWithin, type CursorPlan, type FolderCursor, type FolderState } from './cursor.ts';
