import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../../../test/support/database.ts';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import {
  addMembers,
  insertAgent,
  insertWaiting,
  pendingOffers,
  presence,
  routingState,
  setQueue,
} from '../../../../../test/support/routing-fixtures.ts';
import type { Db, Queryable } from '../../platform/db/db.ts';
import { touchInteraction } from '../interactions/index.ts';
import { closeInteraction, transferInteraction } from './handle-interaction.ts';
import { acceptOffer, endOffer } from './offers.ts';
import { setPresence } from './presence.ts';
import { routeCampaign } from './route-campaign.ts';
import { fireDueTimers } from './timers.ts';

// Routing against real PostgreSQL with a clock the test moves: offers,
// capacity, timeouts, sticky agent, transfers, schedules and presence.
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
let t = 0;
const now = (): Date => new Date(t);
const advance = (sec: number): void => {
  t += sec * 1000;
};
const route = (campaignId: string): Promise<number> => routeCampaign(db, campaignId, { now, random: () => 0.5 });

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
});
afterAll(async () => {
  await database?.drop();
});
beforeEach(() => {
  // Real time: ingestion's SQL stamps rows with now(), and the two must agree.
  t = Date.now();
});

async function campaignWith(agents: number, queue: Record<string, unknown> = {}): Promise<{ campaignId: string; users: string[] }> {
  const campaignId = await insertCampaignRow(db);
  await setQueue(db, campaignId, { strategy: 'round_robin', max_interactions_per_agent: 2, offer_timeout_sec: 30, ...queue });
  const users: string[] = [];
  for (let i = 0; i < agents; i++) users.push(await insertAgent(db, `a${campaignId.slice(0, 6)}-${i}`));
  await addMembers(db, campaignId, users);
  for (const u of users) await presence(db, u, 'available', now());
  return { campaignId, users };
}

const tx = <T>(fn: (q: Queryable) => Promise<T>): Promise<T> => db.tx(fn);

describe('offers and capacity', () => {
  it('round robin offers one interaction per agent in turn and never beyond the maximum', async () => {
    const { campaignId, users } = await campaignWith(3);
    const ids = await insertWaiting(db, campaignId, 8, now());
    expect(await route(campaignId)).toBe(6); // 3 agents × max 2, pending offers hold capacity
    const offers = await pendingOffers(db, campaignId);
    expect(offers.map((o) => o.userId)).toEqual([users[0], users[1], users[2], users[0], users[1], users[2]]);
    expect(offers.map((o) => o.interactionId)).toEqual(ids.slice(0, 6));
    // accepting keeps the load; closing frees one place, and the next in line is offered
    await tx((q) => acceptOffer(q, offers[0]!.id, users[0]!, now()));
    expect(await route(campaignId)).toBe(0);
    await tx((q) => closeInteraction(q, ids[0]!, { userId: users[0]!, staff: false, scope: { userId: users[0]!, all: false } }, now()));
    expect(await route(campaignId)).toBe(1);
    const next = (await pendingOffers(db, campaignId)).at(-1)!;
    expect(next).toMatchObject({ interactionId: ids[6], userId: users[0] });
  });

  it('ringall offers to every eligible member and the first to accept wins', async () => {
    const { campaignId, users } = await campaignWith(3, { strategy: 'ring_all' });
    const [id] = await insertWaiting(db, campaignId, 1, now());
    await route(campaignId);
    const offers = await pendingOffers(db, campaignId);
    expect(offers.map((o) => o.userId).sort()).toEqual([...users].sort());
    const results = await Promise.allSettled(offers.map((o) => tx((q) => acceptOffer(q, o.id, o.userId, now()))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([
      expect.stringContaining('no longer available'),
      expect.stringContaining('no longer available'),
    ]);
    expect(await pendingOffers(db, campaignId)).toEqual([]);
    expect((await routingState(db, id!)).queue_state).toBe('assigned');
  });

  it('an agent shared by two campaigns never exceeds the maximum when both route at once', async () => {
    const shared = await insertAgent(db, 'shared-agent');
    await presence(db, shared, 'available', now());
    const a = await insertCampaignRow(db);
    const b = await insertCampaignRow(db);
    for (const c of [a, b]) {
      await setQueue(db, c, { strategy: 'round_robin', max_interactions_per_agent: 1 });
      await addMembers(db, c, [shared]);
      await insertWaiting(db, c, 3, now());
    }
    const placed = await Promise.all([route(a), route(b)]);
    expect(placed[0]! + placed[1]!).toBe(1);
    expect([...(await pendingOffers(db, a)), ...(await pendingOffers(db, b))]).toEqual([expect.objectContaining({ userId: shared })]);
  });

  it('direct assignment skips the offer', async () => {
    const { campaignId, users } = await campaignWith(1, { auto_assign: true });
    const [id] = await insertWaiting(db, campaignId, 1, now());
    expect(await route(campaignId)).toBe(1);
    expect(await routingState(db, id!)).toMatchObject({ queue_state: 'assigned', assigned_to: users[0] });
  });
});

describe('durable timers', () => {
  it('an offer not accepted in time moves on to the next agent, exactly once', async () => {
    const { campaignId, users } = await campaignWith(2, { offer_timeout_sec: 20 });
    const [id] = await insertWaiting(db, campaignId, 1, now());
    await route(campaignId);
    expect((await pendingOffers(db, campaignId)).map((o) => o.userId)).toEqual([users[0]]);
    advance(19);
    expect([...(await fireDueTimers(db, now()))]).toEqual([]);
    advance(1);
    expect([...(await fireDueTimers(db, now()))]).toEqual([campaignId]);
    expect([...(await fireDueTimers(db, now()))]).toEqual([]); // fired once
    expect((await routingState(db, id!)).queue_state).toBe('waiting');
    await route(campaignId);
    expect((await pendingOffers(db, campaignId)).map((o) => o.userId)).toEqual([users[1]]);
    const states = await db.query<{ state: string }>(`SELECT state FROM offers WHERE interaction_id = $1 ORDER BY id`, [id]);
    expect(states.rows.map((r) => r.state)).toEqual(['expired', 'pending']);
  });

  it('two nodes firing the same due timers end each offer once', async () => {
    const { campaignId } = await campaignWith(4, { offer_timeout_sec: 5 });
    await insertWaiting(db, campaignId, 8, now());
    await route(campaignId);
    advance(5);
    await Promise.all([fireDueTimers(db, now()), fireDueTimers(db, now())]);
    const ended = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM offers WHERE campaign_id = $1 AND state = 'expired'`, [campaignId]);
    expect(ended.rows[0]!.n).toBe(8);
    const queued = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM interactions WHERE campaign_id = $1 AND queue_state = 'waiting'`, [campaignId]);
    expect(queued.rows[0]!.n).toBe(8);
  });

  it('sticky agent: a reply waits for the agent who handled it, then goes to the campaign', async () => {
    const { campaignId, users } = await campaignWith(2, { wait_assigned_agent_sec: 60, wait_assigned_queue_sec: 60 });
    const [a, b] = users as [string, string];
    const [id] = await insertWaiting(db, campaignId, 1, now());
    await route(campaignId);
    const first = (await pendingOffers(db, campaignId))[0]!;
    expect(first.userId).toBe(a);
    await tx((q) => acceptOffer(q, first.id, a, now()));
    await tx((q) => closeInteraction(q, id!, { userId: a, staff: false, scope: { userId: a, all: false } }, now()));

    // the customer answers while the agent is on a break
    await tx((q) => setPresence(q, a, 'offline', null, now()));
    await touchInteraction(db, id!, true);
    expect(await route(campaignId)).toBe(0); // b is free, but it waits for a
    advance(30);
    await tx((q) => setPresence(q, a, 'available', null, now()));
    expect(await route(campaignId)).toBe(1);
    expect(await pendingOffers(db, campaignId)).toEqual([expect.objectContaining({ userId: a, kind: 'sticky' })]);

    // a lets it lapse (the sticky offer lasts no longer than the wait): now b may take it
    advance(31);
    await fireDueTimers(db, now());
    await route(campaignId);
    expect(await pendingOffers(db, campaignId)).toEqual([expect.objectContaining({ userId: b, kind: 'route' })]);
  });

  it('sticky agent: when the wait for the agent ends, the timer releases it to the others', async () => {
    const { campaignId, users } = await campaignWith(2, { wait_assigned_agent_sec: 10, wait_assigned_queue_sec: 10 });
    const [a, b] = users as [string, string];
    const [id] = await insertWaiting(db, campaignId, 1, now());
    await route(campaignId);
    await tx(async (q) => acceptOffer(q, (await pendingOffers(q, campaignId))[0]!.id, a, now()));
    await tx((q) => closeInteraction(q, id!, { userId: a, staff: false, scope: { userId: a, all: false } }, now()));
    await tx((q) => setPresence(q, a, 'offline', null, now()));
    await touchInteraction(db, id!, true);
    expect(await route(campaignId)).toBe(0);
    advance(11);
    expect([...(await fireDueTimers(db, now()))]).toEqual([campaignId]);
    expect((await routingState(db, id!)).sticky_agent_until).toBeNull();
    await route(campaignId);
    expect(await pendingOffers(db, campaignId)).toEqual([expect.objectContaining({ userId: b })]);
  });

  it('a transfer to an agent not accepted in time comes back to the transferring agent, unread', async () => {
    const { campaignId, users } = await campaignWith(2, { transfer_to_agent: true, transfer_to_agent_timeout_sec: 30 });
    const [a, b] = users as [string, string];
    const [id] = await insertWaiting(db, campaignId, 1, now());
    await route(campaignId);
    await tx(async (q) => acceptOffer(q, (await pendingOffers(q, campaignId))[0]!.id, a, now()));
    await db.query(`UPDATE interactions SET unread = false WHERE id = $1`, [id]);
    await tx((q) => transferInteraction(q, id!, { userId: a, staff: false, scope: { userId: a, all: false } }, { userId: b }, now()));
    expect(await pendingOffers(db, campaignId)).toEqual([expect.objectContaining({ userId: b, kind: 'transfer' })]);
    advance(30);
    await fireDueTimers(db, now());
    expect(await routingState(db, id!)).toMatchObject({ queue_state: 'assigned', assigned_to: a, unread: true });
    expect(await pendingOffers(db, campaignId)).toEqual([]);

    // accepted in time, it is b's
    await tx((q) => transferInteraction(q, id!, { userId: a, staff: false, scope: { userId: a, all: false } }, { userId: b }, now()));
    const offer = (await pendingOffers(db, campaignId))[0]!;
    await tx((q) => acceptOffer(q, offer.id, b, now()));
    expect(await routingState(db, id!)).toMatchObject({ queue_state: 'assigned', assigned_to: b });
  });

  it('a transfer to another campaign waits there, ahead of its queue, and comes back when nobody takes it', async () => {
    const src = await campaignWith(1, { transfer_to_queue: true, transfer_to_queue_timeout_sec: 60 });
    const dst = await campaignWith(1, { max_interactions_per_agent: 1 });
    const [a] = src.users as [string];
    const [id] = await insertWaiting(db, src.campaignId, 1, now());
    await route(src.campaignId);
    await tx(async (q) => acceptOffer(q, (await pendingOffers(q, src.campaignId))[0]!.id, a, now()));
    await tx((q) => setPresence(q, dst.users[0]!, 'offline', null, now()));
    const [older] = await insertWaiting(db, dst.campaignId, 1, new Date(t - 60_000));
    advance(1);
    await tx((q) => transferInteraction(q, id!, { userId: a, staff: false, scope: { userId: a, all: false } }, { campaignId: dst.campaignId }, now()));
    expect(await routingState(db, id!)).toMatchObject({ campaign_id: dst.campaignId, queue_state: 'waiting', assigned_to: null });
    // the destination's agent comes back: the transfer goes before older mail
    await tx((q) => setPresence(q, dst.users[0]!, 'available', null, now()));
    await route(dst.campaignId);
    expect(await pendingOffers(db, dst.campaignId)).toEqual([expect.objectContaining({ interactionId: id })]);
    advance(60);
    await fireDueTimers(db, now());
    expect(await routingState(db, id!)).toMatchObject({ campaign_id: src.campaignId, queue_state: 'assigned', assigned_to: a, unread: true });
    await route(dst.campaignId);
    expect(await pendingOffers(db, dst.campaignId)).toEqual([expect.objectContaining({ interactionId: older })]);
  });
});

describe('schedule and presence', () => {
  it('makes no offers while the campaign is closed and offers when it opens', async () => {
    const day = new Date(t).getUTCDay();
    const tomorrow = (day + 1) % 7;
    const { campaignId } = await campaignWith(1, { schedule: JSON.stringify([{ day: tomorrow, start: '00:00', end: '23:59' }]) });
    await insertWaiting(db, campaignId, 1, now());
    expect(await route(campaignId)).toBe(0);
    const midnight = new Date(t);
    midnight.setUTCHours(24, 0, 1, 0);
    t = midnight.getTime();
    expect(await route(campaignId)).toBe(1);
  });

  it('pausing withdraws the agent’s offers and they go to someone else, keeping their place', async () => {
    const reason = (await db.query<{ id: string }>(`INSERT INTO pause_reasons (name) VALUES ('Lunch ' || gen_random_uuid()) RETURNING id`)).rows[0]!.id;
    const { campaignId, users } = await campaignWith(2, { max_interactions_per_agent: 1 });
    const [a, b] = users as [string, string];
    const ids = await insertWaiting(db, campaignId, 3, now());
    await route(campaignId);
    expect((await pendingOffers(db, campaignId)).map((o) => [o.userId, o.interactionId])).toEqual([[a, ids[0]], [b, ids[1]]]);
    await tx((q) => setPresence(q, a, 'paused', reason, now()));
    await tx(async (q) => endOffer(q, (await pendingOffers(q, campaignId)).find((o) => o.userId === b)!.id, 'declined', now(), b));
    await route(campaignId);
    // b declined ids[1]; the first in line (ids[0], withdrawn from a) comes back to b
    expect((await pendingOffers(db, campaignId)).map((o) => [o.userId, o.interactionId])).toEqual([[b, ids[0]]]);
    await expect(tx((q) => setPresence(q, a, 'paused', null, now()))).rejects.toThrow(/pause reason/);
  });
});
