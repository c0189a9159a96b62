import type { BulkMessageSpec, PipelineAccount } from '@postdesk/mailkit/bulk/send';

// Messages between the dialer's sender (main thread: claims, ledger) and
// its sending threads (compose, SMTP). Plain data: structured-cloned.

/** Sent once when a thread starts: everything needed to compose and send this dialer's messages. */
export interface SendThreadInit {
  type: 'init';
  spec: BulkMessageSpec;
  account: PipelineAccount;
  connections: number;
  /** The envelope sender (MAIL FROM), where bounces go. */
  envelopeFrom: string;
  messageIdDomain: string;
  /** The key for Message-IDs and link tokens. */
  secret: Uint8Array;
  /** The invitation's times: fixed ISO instants, or the names of row variables holding them. */
  invite: { start: string; end: string } | { startField: string; endField: string } | null;
  /** Registry files by token, for rows that name them. */
  attachments: Record<string, { filename: string; contentType: string; content: Uint8Array }>;
}

/** One claimed row as the thread needs it. */
export interface SendThreadRow {
  id: number;
  to: string;
  /** JSON text of the row's variables. */
  variables: string;
  /** The row's own HTML message (sanitised at import), or null for the dialer's. */
  message: string | null;
  /** Its plain-text alternative, made at import. */
  text: string | null;
  attachments: string[] | null;
}

/** A batch of rows to send. */
export interface SendThreadBatch {
  type: 'batch';
  batch: number;
  rows: SendThreadRow[];
}

/** Asks the thread to close its connections (QUIT) and exit after the batches it has. */
export interface SendThreadStop {
  type: 'stop';
}

/** From main to a thread. */
export type ToSendThread = SendThreadInit | SendThreadBatch | SendThreadStop;

/**
 * One row's result: sent, or why not (scope and permanence from the SMTP
 * reply; `delivery` 'unknown' when the connection died after its content).
 */
export interface SendThreadOutcome {
  id: number;
  ok: boolean;
  permanent: boolean;
  scope: 'message' | 'account';
  code: number | null;
  reply: string;
  delivery: 'not_sent' | 'unknown' | 'sent';
}

/** From a thread to main. */
export type FromSendThread =
  | { type: 'ready' }
  | { type: 'results'; batch: number; outcomes: SendThreadOutcome[] }
  | { type: 'stopped' }
  | { type: 'error'; message: string };
