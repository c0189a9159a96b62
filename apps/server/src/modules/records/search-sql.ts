import { RECORD_FIELD_KINDS, RECORD_OPERATORS, type RecordCondition, type RecordField, type RecordFieldKind, type RecordFilters, type RecordSearch } from '@postdesk/contracts';

// The advanced search as SQL: every field maps to one expression of an
// allow-list below and every operator to one template; values only ever
// travel as parameters ($n). Nothing the client sends is spliced into the
// statement text — a field or operator not in the tables is refused.

interface FieldSpec {
  kind: RecordFieldKind;
  /** The SQL expression, over the aliases of records.repo.ts (i, c, u, d). */
  sql: string;
}

/** The allow-list: the only expressions a condition can reach (kinds and their operators are the contract's). */
export const FIELDS: Readonly<Record<RecordField, FieldSpec>> = {
  customer_email: { kind: RECORD_FIELD_KINDS.customer_email, sql: 'i.customer_address' },
  customer_name: { kind: RECORD_FIELD_KINDS.customer_name, sql: 'i.customer_name' },
  subject: { kind: RECORD_FIELD_KINDS.subject, sql: 'i.subject' },
  campaign: { kind: RECORD_FIELD_KINDS.campaign, sql: 'c.name' },
  agent: { kind: RECORD_FIELD_KINDS.agent, sql: 'u.display_name' },
  disposition: { kind: RECORD_FIELD_KINDS.disposition, sql: 'd.name' },
  status: { kind: RECORD_FIELD_KINDS.status, sql: 'i.status' },
  ticket: { kind: RECORD_FIELD_KINDS.ticket, sql: 'i.id' },
  created_at: { kind: RECORD_FIELD_KINDS.created_at, sql: 'i.created_at' },
  closed_at: { kind: RECORD_FIELD_KINDS.closed_at, sql: 'i.closed_at' },
  last_message_at: { kind: RECORD_FIELD_KINDS.last_message_at, sql: 'i.last_message_at' },
};

const OPERATORS = RECORD_OPERATORS;

/** A condition the allow-list refuses, naming it (`conditions.2.value`). */
export class SearchError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** The WHERE parts and their parameters, appended after the caller's own. */
export interface CompiledSearch {
  where: string[];
  params: unknown[];
}

/** LIKE's own characters (and its escape) taken literally. */
export const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (ch) => `\\${ch}`);

function needsValue(op: RecordCondition['operator']): boolean {
  return op !== 'is_empty' && op !== 'is_not_empty';
}

/** One condition as a predicate; `p` adds a parameter and returns its placeholder. */
function conditionSql(c: RecordCondition, path: string, p: (v: unknown) => string): string {
  // own keys only: "constructor" or "__proto__" must not reach Object.prototype
  const spec = Object.hasOwn(FIELDS, c.field) ? FIELDS[c.field] : undefined;
  if (!spec) throw new SearchError(`${path}.field`, 'not a searchable field');
  if (!OPERATORS[spec.kind].includes(c.operator)) throw new SearchError(`${path}.operator`, `not an operator for ${c.field}`);
  const col = spec.sql;
  if (c.operator === 'is_empty') return spec.kind === 'text' ? `(${col} IS NULL OR ${col} = '')` : `${col} IS NULL`;
  if (c.operator === 'is_not_empty') return spec.kind === 'text' ? `(${col} IS NOT NULL AND ${col} <> '')` : `${col} IS NOT NULL`;
  const raw = c.value;
  if (raw.includes('\u0000')) throw new SearchError(`${path}.value`, 'contains a NUL character');
  if (needsValue(c.operator) && raw.trim() === '') throw new SearchError(`${path}.value`, 'required');
  if (spec.kind === 'text') {
    const v = raw.toLowerCase();
    switch (c.operator) {
      case 'equals':
        return `lower(${col}) = ${p(v)}`;
      case 'not_equals':
        return `(${col} IS NULL OR lower(${col}) <> ${p(v)})`;
      case 'contains':
        return `lower(${col}) LIKE ${p(`%${escapeLike(v)}%`)}`;
      case 'starts_with':
        return `lower(${col}) LIKE ${p(`${escapeLike(v)}%`)}`;
    }
  }
  if (spec.kind === 'number') {
    if (!/^\d{1,18}$/.test(raw.trim())) throw new SearchError(`${path}.value`, 'a whole number');
    const v = Number(raw.trim());
    const op = { equals: '=', not_equals: '<>', before: '<', after: '>' }[c.operator as 'equals' | 'not_equals' | 'before' | 'after'];
    return `${col} ${op} ${p(v)}::bigint`;
  }
  // dates
  const t = Date.parse(raw.trim());
  if (Number.isNaN(t)) throw new SearchError(`${path}.value`, 'a date (ISO 8601)');
  const at = new Date(t).toISOString();
  return c.operator === 'before' ? `${col} < ${p(at)}::timestamptz` : `${col} > ${p(at)}::timestamptz`;
}

/**
 * The quick filters and the enabled conditions as parameterised predicates.
 * `first` is the number of the first parameter this may use ($first).
 */
export function compileSearch(search: RecordSearch, first: number): CompiledSearch {
  const params: unknown[] = [];
  const p = (v: unknown): string => {
    params.push(v);
    return `$${first + params.length - 1}`;
  };
  const where = filterSql(search.filters, p);
  const parts: string[] = [];
  search.conditions.forEach((c, n) => {
    if (c.enabled === false) return;
    parts.push(conditionSql(c, `conditions.${n}`, p));
  });
  if (parts.length) where.push(parts.length === 1 ? parts[0]! : `(${parts.join(search.match === 'any' ? ' OR ' : ' AND ')})`);
  return { where, params };
}

function filterSql(f: RecordFilters, p: (v: unknown) => string): string[] {
  const w: string[] = [];
  if (f.from) w.push(`i.created_at >= ${p(new Date(f.from).toISOString())}::timestamptz`);
  if (f.to) w.push(`i.created_at < ${p(new Date(f.to).toISOString())}::timestamptz`);
  if (f.read) w.push(f.read === 'unread' ? 'i.unread' : 'NOT i.unread');
  if (f.status) w.push(`i.status = ${p(f.status)}`);
  if (f.agentId) {
    const a = p(f.agentId);
    w.push(`(i.assigned_to = ${a}::uuid OR i.last_agent = ${a}::uuid)`);
  }
  if (f.dispositionId) w.push(`i.disposition_id = ${p(f.dispositionId)}::uuid`);
  if (f.campaignId) w.push(`i.campaign_id = ${p(f.campaignId)}::uuid`);
  if (f.customer) {
    const v = p(`%${escapeLike(f.customer.toLowerCase())}%`);
    w.push(`(lower(i.customer_address) LIKE ${v} OR lower(i.customer_name) LIKE ${v})`);
  }
  if (f.subject) w.push(`lower(i.subject) LIKE ${p(`%${escapeLike(f.subject.toLowerCase())}%`)}`);
  return w;
}
