import type { Address } from '@postdesk/mailkit/parse';
import type { Queryable } from '../../platform/db/db.ts';
import { pgText } from '../../platform/db/pg-text.ts';

// The contact upsert and the participants insert are also parts of bigger
// statements (a new interaction, an inbound message): written once, with the
// number of their first parameter, so every use says the same thing.

/** The contact upsert as SQL whose four parameters (list, address, normalised address, name) start at `$at`; it RETURNING id. */
export const contactUpsertSql = (at: number): string =>
  `INSERT INTO contacts (list_id, address, address_norm, name) SELECT $${at}::uuid, $${at + 1}::text, $${at + 2}::text, $${at + 3}::text WHERE $${at + 1}::text <> ''
     ON CONFLICT (list_id, address_norm) DO UPDATE
       SET name = CASE WHEN EXCLUDED.name <> '' THEN EXCLUDED.name ELSE contacts.name END,
           updated_at = now()
     RETURNING id`;

/** The values of contactUpsertSql, cut to what the columns hold. */
export const contactValues = (listId: string, who: Address, norm: string): unknown[] => [
  listId,
  pgText(who.address).slice(0, 320),
  pgText(norm).slice(0, 320),
  pgText(who.name).slice(0, 200),
];

/** The participants insert as SQL, the interaction and the address array given as SQL expressions. */
export const participantsSql = (interaction: string, addresses: string): string =>
  `INSERT INTO interaction_participants (interaction_id, address_norm)
     SELECT ${interaction}, a FROM unnest(${addresses}::text[]) AS a WHERE ${interaction} IS NOT NULL ON CONFLICT DO NOTHING`;

/** The addresses of participantsSql: once each, none empty, cut to what the column holds. */
export const participantValues = (addresses: readonly string[]): string[] =>
  [...new Set(addresses.filter((a) => a !== ''))].map((a) => pgText(a).slice(0, 320));

/** Upserts a contact by normalised address; a display name fills in, never blanks, the stored one. */
export async function upsertContact(q: Queryable, listId: string, who: Address, norm: string): Promise<string> {
  const { rows } = await q.query<{ id: string }>(contactUpsertSql(1), contactValues(listId, who, norm));
  return rows[0]!.id;
}

/** Adds addresses to an interaction's participants: their replies thread into it. */
export async function addParticipants(q: Queryable, interactionId: number, addresses: string[]): Promise<void> {
  const unique = participantValues(addresses);
  if (unique.length === 0) return;
  await q.query(participantsSql('$1::bigint', '$2'), [interactionId, unique]);
}
