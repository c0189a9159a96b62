import { parentPort } from 'node:worker_threads';
import {
  BulkComposeError,
  CalendarInviteError,
  compileBulkMessage,
  prepareAttachment,
  recipientKeys,
  SmtpPipelinePool,
  type BulkMessage,
  type PreparedAttachment,
} from '@postdesk/mailkit/bulk';
import { sanitizeTemplateHtml } from '@postdesk/mailkit/template';
import type { FromSendThread, SendThreadBatch, SendThreadInit, SendThreadOutcome, ToSendThread } from './send-protocol.ts';

// A sending thread: composes each claimed row's message from the dialer's
// compiled message and sends it over its own pipelined SMTP connections.
// Two of these use both cores while the main thread claims rows and writes
// the ledger. It holds no state that matters after a crash: every row it has
// is 'sending' in the ledger until the main thread records its outcome.

const port = parentPort;
if (!port) throw new Error('send-worker runs as a worker thread');

let init: SendThreadInit | null = null;
let message: BulkMessage | null = null;
let pool: SmtpPipelinePool | null = null;
let secret: Buffer = Buffer.alloc(0);
const ownMessages = new Map<string, BulkMessage>();
const files = new Map<string, PreparedAttachment>();
let pending = 0;
let stopping = false;

const post = (m: FromSendThread): void => port.postMessage(m);

port.on('message', (m: ToSendThread) => {
  switch (m.type) {
    case 'init':
      init = m;
      secret = Buffer.from(m.secret);
      message = compileBulkMessage(m.spec);
      pool = new SmtpPipelinePool(m.account, m.connections);
      for (const [token, f] of Object.entries(m.attachments)) {
        files.set(token, prepareAttachment({ filename: f.filename, contentType: f.contentType, content: Buffer.from(f.content) }));
      }
      break;
    case 'batch':
      pending++;
      void sendBatch(m).then(
        (outcomes) => {
          pending--;
          post({ type: 'results', batch: m.batch, outcomes });
          void maybeStop();
        },
        (err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
      );
      break;
    case 'stop':
      stopping = true;
      void maybeStop();
      break;
  }
});

async function maybeStop(): Promise<void> {
  if (!stopping || pending > 0) return;
  stopping = false;
  await pool?.close();
  post({ type: 'stopped' });
}

async function sendBatch(b: SendThreadBatch): Promise<SendThreadOutcome[]> {
  if (!init || !message || !pool) throw new Error('send-worker: batch before init');
  const date = new Date();
  const sends: Array<Promise<SendThreadOutcome>> = [];
  for (const row of b.rows) {
    let data: string;
    try {
      data = compose(row.id, row.to, row.variables, row.message, row.attachments, date);
    } catch (err) {
      // a row that cannot make a valid message fails alone, with the reason as its reply
      if (err instanceof BulkComposeError || err instanceof CalendarInviteError || err instanceof SyntaxError) {
        sends.push(Promise.resolve({ id: row.id, ok: false, permanent: true, scope: 'message', code: null, reply: `not sent: ${err.message}`, delivery: 'not_sent' }));
        continue;
      }
      throw err;
    }
    const p = pool.send({ from: init.envelopeFrom, to: row.to, data }).then(
      (r): SendThreadOutcome =>
        r.ok
          ? { id: row.id, ok: true, permanent: false, scope: 'message', code: 250, reply: '', delivery: 'sent' }
          : { id: row.id, ok: false, permanent: r.permanent, scope: r.scope, code: r.smtpCode ?? null, reply: r.response, delivery: r.delivery },
    );
    sends.push(p);
  }
  return Promise.all(sends);
}

function compose(id: number, to: string, variablesJson: string, own: string | null, attachments: string[] | null, date: Date): string {
  const values = JSON.parse(variablesJson) as Record<string, string>;
  const m = own === null ? message! : messageFor(own);
  const keys = recipientKeys(secret, id, init!.messageIdDomain);
  const invite = init!.invite;
  return m.compose({
    to,
    values,
    keys,
    date,
    ...(invite
      ? {
          invite: {
            start: new Date('start' in invite ? invite.start : (values[invite.startField] ?? '')),
            end: new Date('end' in invite ? invite.end : (values[invite.endField] ?? '')),
            uid: `pdd-${id}@${init!.messageIdDomain}`,
          },
        }
      : {}),
    ...(attachments && attachments.length > 0 ? { attachments: attachments.map((t) => fileOf(t)) } : {}),
  });
}

// A row's own message: sanitised and compiled once per distinct text.
function messageFor(html: string): BulkMessage {
  let m = ownMessages.get(html);
  if (!m) {
    m = compileBulkMessage({ ...init!.spec, html: sanitizeTemplateHtml(html), text: undefined });
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
