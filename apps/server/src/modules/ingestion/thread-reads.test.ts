import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import { findCampaignRow } from '../campaigns/index.ts';
import { commitMessages, type CommitItem, type IngestOutcome } from './commit-messages.ts';
import { prepareMessage } from './prepare-message.ts';
import { newestFirst, threadEvidence } from './thread-reads.ts';

// A commit group reads its threading evidence for all its messages at once
// (groupThreadReads). These tests prove it threads exactly as one message at
// a time would, including where the group itself changes the answer: a reply
// to a mail of the same group, and a sender who became a participant earlier
// in the group.

const CRLF = '\r\n';
const mail = (h: { from: string; id: string; subject: string; refs?: string[]; cc?: string }): Buffer =>
  Buffer.from(
    [
      `From: <${h.from}>`,
      'To: <support@example.test>',
      ...(h.cc ? [`Cc: <${h.cc}>`] : []),
      `Subject: ${h.subject}`,
      'Date: Wed, 02 Dec 2026 10:00:00 +0000',
      `Message-ID: <${h.id}>`,
      ...(h.refs?.length ? [`In-Reply-To: <${h.refs.at(-1)}>`, `References: ${h.refs.map((r) => `<${r}>`).join(' ')}`] : []),
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      `Hello from ${h.from}`,
      '',
    ].join(CRLF),
  );

describe('threading evidence (pure)', () => {
  it('orders interactions by their newest holding message, each once', () => {
    expect(
      newestFirst([
        { interactionId: 7, newest: 10 },
        { interactionId: 8, newest: 30 },
        { interactionId: 7, newest: 40 },
        { interactionId: 9, newest: 20 },
      ]),
    ).toEqual([7, 8, 9]);
    expect(newestFirst([])).toEqual([]);
  });
});

describe('a commit group threads as one message at a time would', () => {
  let s: TestServer;
  let campaignId: string;
  let uid = 0;

  beforeAll(async () => {
    s = await startTestServer();
    campaignId = await insertCampaignRow(s.db, { key: 'GRP', fromAddress: 'support@example.test' });
  });
  afterAll(async () => s?.stop());

  const commit = async (raws: Buffer[]): Promise<IngestOutcome[]> => {
    const campaign = (await findCampaignRow(s.db, campaignId))!;
    const items: CommitItem[] = [];
    for (const raw of raws) {
      uid++;
      items.push({
        source: { kind: 'imap', folder: 'INBOX', uidvalidity: 1, uid, resync: false },
        prepared: await prepareMessage(s.deps, raw),
        advance: async () => undefined,
      });
    }
    return commitMessages(s.deps, campaign, items);
  };
  const interactionOf = (o: IngestOutcome | undefined): number => {
    if (o?.outcome !== 'stored' || o.interactionId === null) throw new Error(`not stored in an interaction: ${JSON.stringify(o)}`);
    return o.interactionId;
  };

  it('threads replies to mail of the same group and to earlier mail, checks participants as the group changes them, and links forged replies', async () => {
    const [first] = await commit([mail({ from: 'alice@customer.example', id: 'a1@customer.example', subject: 'Order 1' })]);
    const alice = interactionOf(first);
    const out = await commit([
      // a reply to earlier mail, which makes carol a participant
      mail({ from: 'alice@customer.example', id: 'a2@customer.example', subject: 'Re: Order 1', refs: ['a1@customer.example'], cc: 'carol@customer.example' }),
      // a new customer...
      mail({ from: 'bob@customer.example', id: 'b1@customer.example', subject: 'Order 2' }),
      // ...and his reply in the same group: the group's up-front read cannot know b1
      mail({ from: 'bob@customer.example', id: 'b2@customer.example', subject: 'Re: Order 2', refs: ['b1@customer.example'] }),
      // carol became a participant two messages ago, in this group
      mail({ from: 'carol@customer.example', id: 'c1@customer.example', subject: 'Re: Order 1', refs: ['a1@customer.example'] }),
      // someone who is no participant: a new interaction linked to alice's
      mail({ from: 'mallory@evil.example', id: 'm1@evil.example', subject: 'Re: Order 1', refs: ['a1@customer.example'] }),
      // an unrelated newcomer, for a group of several customers
      mail({ from: 'dave@customer.example', id: 'd1@customer.example', subject: 'Hello' }),
    ]);
    expect(out.map((o) => o.outcome)).toEqual(['stored', 'stored', 'stored', 'stored', 'stored', 'stored']);
    expect(interactionOf(out[0])).toBe(alice);
    const bob = interactionOf(out[1]);
    expect(bob).not.toBe(alice);
    expect(interactionOf(out[2])).toBe(bob);
    expect(interactionOf(out[3])).toBe(alice);
    const mallory = interactionOf(out[4]);
    expect([alice, bob]).not.toContain(mallory);
    const linked = await s.db.query<{ linked_to: number | null }>('SELECT linked_to FROM interactions WHERE id = $1', [mallory]);
    expect(linked.rows[0]!.linked_to).toBe(alice);
    expect([alice, bob, mallory]).not.toContain(interactionOf(out[5]));
    const counts = await s.db.query<{ interaction_id: number; n: number }>(
      'SELECT interaction_id, count(*)::int AS n FROM messages WHERE campaign_id = $1 GROUP BY interaction_id ORDER BY interaction_id',
      [campaignId],
    );
    expect(new Map(counts.rows.map((r) => [r.interaction_id, r.n]))).toEqual(
      new Map([
        [alice, 3],
        [bob, 2],
        [mallory, 1],
        [interactionOf(out[5]), 1],
      ]),
    );
  });

  it('reads the evidence a message names: references, our own Message-IDs and the campaign subject token', () => {
    const e = threadEvidence(
      {
        inReplyTo: ['x@y'],
        references: ['w@y', 'x@y'],
        subject: 'Re: [#GRP-42] [#OTHER-7] help',
      } as Parameters<typeof threadEvidence>[0],
      'grp',
      Buffer.alloc(32, 1),
    );
    expect(e).toEqual({ refs: ['x@y', 'w@y'], own: [], tokens: [42] });
  });
});
