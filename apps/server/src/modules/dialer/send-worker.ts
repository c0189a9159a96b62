import { parentPort } from 'node:worker_threads';
// bulk/send, not bulk: a sending thread loads no HTML or CSV parser and no sanitiser (startup is per thread)
import {
  BulkComposeError,
  CalendarInviteError,
  compileBulkMessage,
  prepareAttachment,
  recipientKeys,
  SmtpPipelinePool,
  type BulkMessage,
  type PreparedAttachment,
} from '@postdesk/mailkit/bulk/send';
import type { FromSendThread, SendThreadBatch, SendThreadInit, SendThreadOutcome, SendThreadRow, ToSendThread } from './send-protocol.ts';

// A sending thread: composes each claimed row's message from the dialer's
// compiled message and sends it over its own pipelined SMTP connections.
// Two of these use both cores while the main thread claims rows and writes
// the ledger. It holds no state that matters after a crash: every row it has
// is 'sending' in the ledger until the main thread records its outcome.
//
// A message is composed just before its connection can take it (a few per
// connection ahead), not when its batch arrives: a batch of composed
// messages waiting in memory would survive young-generation collections and
// be copied, which cost more than composing them.

const port = parentPort;
if (!port) throw new Error('send-worker runs as a worker thread');

/** Messages composed ahead per connection. */
const AHEAD_PER_CONNECTION = 3;

interface Job {
  row: SendThreadRow;
  batch: BatchState;
  index: number;
}

interface BatchState {
  batch: number;
  outcomes: SendThreadOutcome[];
  left: number;
}

let init: SendThreadInit | null = null;
let message: BulkMessage | null = null;
let pool: SmtpPipelinePool | null = null;
let secret: Buffer = Buffer.alloc(0);
let ahead = 0;
const ownMessages = new Map<string, BulkMessage>();
const files = new Map<string, PreparedAttachment>();
const jobs: Job[] = [];
let head = 0;
let active = 0;
let stopping = false;

const post = (m: FromSendThread): void => port.postMessage(m);

port.on('message', (m: ToSendThread) => {
  try {
    switch (m.type) {
      case 'init':
        init = m;
        secret = Buffer.from(m.secret);
        message = compileBulkMessage(m.spec);
        pool = new SmtpPipelinePool(m.account, m.connections);
        ahead = m.connections * AHEAD_PER_CONNECTION;
        for (const [token, f] of Object.entries(m.attachments)) {
          files.set(token, prepareAttachment({ filename: f.filename, contentType: f.contentType, content: Buffer.from(f.content) }));
        }
        post({ type: 'ready' });
        break;
      case 'batch': {
        const state: BatchState = { batch: m.batch, outcomes: new Array<SendThreadOutcome>(m.rows.length), left: m.rows.length };
        m.rows.forEach((row, index) => jobs.push({ row, batch: state, index }));
        pump();
        break;
      }
      case 'stop':
        stopping = true;
        void maybeStop();
        break;
    }
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
});

function pump(): void {
  while (active < ahead && head < jobs.length) {
    const job = jobs[head++]!;
    active++;
    void sendOne(job).then((outcome) => {
      active--;
      job.batch.outcomes[job.index] = outcome;
      if (--job.batch.left === 0) post({ type: 'results', batch: job.batch.batch, outcomes: job.batch.outcomes });
      pump();
      void maybeStop();
    });
  }
  if (head === jobs.length && head > 0) {
    jobs.length = 0;
    head = 0;
  }
}

async function maybeStop(): Promise<void> {
  if (!stopping || active > 0 || head < jobs.length) return;
  stopping = false;
  await pool?.close();
  post({ type: 'stopped' });
}

async function sendOne(job: Job): Promise<SendThreadOutcome> {
  const row = job.row;
  let data: string;
  try {
    data = compose(row);
  } catch (err) {
    // a row that cannot make a valid message fails alone, with the reason as its reply
    const reply = `not sent: ${err instanceof Error ? err.message : String(err)}`;
    if (err instanceof BulkComposeError || err instanceof CalendarInviteError || err instanceof SyntaxError) {
      return { id: row.id, ok: false, permanent: true, scope: 'message', code: null, reply, delivery: 'not_sent' };
    }
    throw err;
  }
  const r = await pool!.send({ from: init!.envelopeFrom, to: row.to, data, ascii: true });
  return r.ok
    ? { id: row.id, ok: true, permanent: false, scope: 'message', code: 250, reply: '', delivery: 'sent' }
    : { id: row.id, ok: false, permanent: r.permanent, scope: r.scope, code: r.smtpCode ?? null, reply: r.response, delivery: r.delivery };
}

function compose(row: SendThreadRow): string {
  const values = JSON.parse(row.variables) as Record<string, string>;
  const m = row.message === null ? message! : messageFor(row.message, row.text);
  const invite = init!.invite;
  return m.compose({
    to: row.to,
    values,
    keys: recipientKeys(secret, row.id, init!.messageIdDomain),
    date: new Date(),
    ...(invite
      ? {
          invite: {
            start: new Date('start' in invite ? invite.start : (values[invite.startField] ?? '')),
            end: new Date('end' in invite ? invite.end : (values[invite.endField] ?? '')),
            uid: `pdd-${row.id}@${init!.messageIdDomain}`,
          },
        }
      : {}),
    ...(row.attachments && row.attachments.length > 0 ? { attachments: row.attachments.map(fileOf) } : {}),
  });
}

// A row's own message (sanitised when the list was imported), compiled once per distinct text.
function messageFor(html: string, text: string | null): BulkMessage {
  let m = ownMessages.get(html);
  if (!m) {
    m = compileBulkMessage({ ...init!.spec, html, text: text ?? '' });
    if (ownMessages.size > 256) ownMessages.clear();
    ownMessages.set(html, m);
  }
  return m;
}

function fileOf(token: string): PreparedAttachment {
  const f = files.get(token);
  if (!f) throw new BulkComposeError('attachments', `unknown attachment ${token}`);
  return f;
}
