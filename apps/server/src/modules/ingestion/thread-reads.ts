import type { ParsedMessage } from '@postdesk/mailkit/parse';
import { findSubjectTokens, verifyMessageId } from '@postdesk/mailkit/threading';
import type { Queryable } from '../../platform/db/db.ts';
import { idText, interactionFacts, interactionsByMessageIds, messageIdHolders, type InteractionFacts, type MessageIdHolder } from '../interactions/index.ts';

/** What a message says about the thread it belongs to, before anything is read. */
export interface ThreadEvidence {
  /** In-Reply-To and References, deduplicated, the last 100. */
  refs: string[];
  /** Interactions named by our own signed Message-IDs in In-Reply-To. */
  own: number[];
  /** Interactions named by the campaign's subject tokens ([KEY#123]). */
  tokens: number[];
}

/** The evidence threading looks up for a message of this campaign. */
export function threadEvidence(parsed: ParsedMessage, campaignKey: string, secret: Buffer): ThreadEvidence {
  const own: number[] = [];
  for (const id of parsed.inReplyTo) {
    const v = verifyMessageId(id, secret);
    if (v && /^\d+$/.test(v.interactionId)) own.push(Number(v.interactionId));
  }
  const key = campaignKey.toUpperCase();
  return {
    refs: [...new Set([...parsed.inReplyTo, ...parsed.references])].slice(-100),
    own,
    tokens: findSubjectTokens(parsed.subject).flatMap((t) => (t.key === key ? [t.number] : [])),
  };
}

/** The two reads threading makes for a message: by Message-ID, then the candidates' status and participants. */
export interface ThreadReads {
  interactionsByMessageIds(q: Queryable, campaignId: string, messageIds: string[]): Promise<number[]>;
  interactionFacts(q: Queryable, campaignId: string, ids: number[]): Promise<Map<number, InteractionFacts>>;
  /** Tells the reads a message of the group was stored (its Message-ID, the interaction it went to). */
  stored(messageId: string | null, interactionId: number | null): void;
}

/** Every read made when asked: one message alone. */
export const directThreadReads: ThreadReads = { interactionsByMessageIds, interactionFacts, stored: () => undefined };

/**
 * The threading reads of a whole commit group made up front, in two queries
 * instead of two a message (a commit group runs one statement after another,
 * and each round trip is most of a statement's cost). An answer comes from
 * them only while nothing the group itself wrote can have changed it: a
 * message naming a Message-ID stored earlier in the group (a reply to a mail
 * of the same group), or asking about an interaction an earlier message of
 * the group opened or went to (its participants and status may have moved),
 * is read on its own as before. Anything else sees what it would have seen a
 * few statements later in the same transaction.
 */
export async function groupThreadReads(q: Queryable, campaignId: string, evidence: readonly ThreadEvidence[]): Promise<ThreadReads> {
  const refs = [...new Set(evidence.flatMap((e) => e.refs))];
  const holders = await messageIdHolders(q, campaignId, refs);
  const asked = new Set<number>();
  for (const e of evidence) {
    for (const id of [...e.own, ...e.tokens]) asked.add(id);
    for (const ref of e.refs) for (const h of holders.get(ref) ?? []) asked.add(h.interactionId);
  }
  const facts = await interactionFacts(q, campaignId, [...asked]);
  const storedKeys = new Set<string>();
  const touched = new Set<number>();
  return {
    async interactionsByMessageIds(q2, campaign, messageIds) {
      if (campaign !== campaignId || messageIds.some((id) => !holders.has(id) || storedKeys.has(idText(id)))) {
        return interactionsByMessageIds(q2, campaign, messageIds);
      }
      return newestFirst(messageIds.flatMap((id) => holders.get(id)!));
    },
    async interactionFacts(q2, campaign, ids) {
      if (campaign !== campaignId || ids.some((id) => !asked.has(id) || touched.has(id))) return interactionFacts(q2, campaign, ids);
      const out = new Map<number, InteractionFacts>();
      for (const id of ids) {
        const f = facts.get(id);
        if (f) out.set(id, f);
      }
      return out;
    },
    stored(messageId, interactionId) {
      if (messageId !== null) storedKeys.add(idText(messageId));
      if (interactionId !== null) touched.add(interactionId);
    },
  };
}

/** Interactions of these holders, the one with the newest holding message first (interactionsByMessageIds' order). */
export function newestFirst(holders: readonly MessageIdHolder[]): number[] {
  const newest = new Map<number, number>();
  for (const h of holders) newest.set(h.interactionId, Math.max(newest.get(h.interactionId) ?? 0, h.newest));
  return [...newest].sort((a, b) => b[1] - a[1]).map(([id]) => id);
}
