import { describe, expect, it } from 'vitest';
import type { RecordCondition, RecordSearch } from '@postdesk/contracts';
import { compileSearch, escapeLike, SearchError } from './search-sql.ts';

// The advanced search's translation to SQL, as a table: each condition
// gives one fixed statement fragment and its parameters; hostile values
// only ever appear among the parameters.

const one = (c: Partial<RecordCondition> & Pick<RecordCondition, 'field' | 'operator'>, first = 1) =>
  compileSearch({ filters: {}, match: 'all', conditions: [{ value: '', enabled: true, ...c }] }, first);

describe('compileSearch', () => {
  it.each<[string, Partial<RecordCondition> & Pick<RecordCondition, 'field' | 'operator'>, string, unknown[]]>([
    ['equals, case-insensitive', { field: 'customer_email', operator: 'equals', value: 'Ana@X.test' }, 'lower(i.customer_address) = $1', ['ana@x.test']],
    ['not equals keeps empty columns', { field: 'disposition', operator: 'not_equals', value: 'Sale' }, '(d.name IS NULL OR lower(d.name) <> $1)', ['sale']],
    ['contains', { field: 'customer_email', operator: 'contains', value: 'gmail' }, 'lower(i.customer_address) LIKE $1', ['%gmail%']],
    ['starts with', { field: 'subject', operator: 'starts_with', value: 'Re:' }, 'lower(i.subject) LIKE $1', ['re:%']],
    ['contains a percent sign, literally', { field: 'subject', operator: 'contains', value: '100%' }, 'lower(i.subject) LIKE $1', ['%100\\%%']],
    ['contains an underscore, literally', { field: 'customer_name', operator: 'contains', value: 'a_b' }, 'lower(i.customer_name) LIKE $1', ['%a\\_b%']],
    ['contains a backslash, literally', { field: 'subject', operator: 'contains', value: 'C:\\dir' }, 'lower(i.subject) LIKE $1', ['%c:\\\\dir%']],
    ["quotes stay a parameter", { field: 'customer_name', operator: 'equals', value: "O'Brien\"; DROP TABLE interactions; --" }, 'lower(i.customer_name) = $1', ["o'brien\"; drop table interactions; --"]],
    ['is empty (text)', { field: 'disposition', operator: 'is_empty' }, "(d.name IS NULL OR d.name = '')", []],
    ['is not empty (text)', { field: 'agent', operator: 'is_not_empty' }, "(u.display_name IS NOT NULL AND u.display_name <> '')", []],
    ['is empty (date)', { field: 'closed_at', operator: 'is_empty' }, 'i.closed_at IS NULL', []],
    ['before (date)', { field: 'created_at', operator: 'before', value: '2026-01-02' }, 'i.created_at < $1::timestamptz', ['2026-01-02T00:00:00.000Z']],
    ['after (date)', { field: 'last_message_at', operator: 'after', value: '2026-01-02T10:00:00+01:00' }, 'i.last_message_at > $1::timestamptz', ['2026-01-02T09:00:00.000Z']],
    ['ticket equals', { field: 'ticket', operator: 'equals', value: ' 42 ' }, 'i.id = $1::bigint', [42]],
    ['ticket after', { field: 'ticket', operator: 'after', value: '7' }, 'i.id > $1::bigint', [7]],
  ])('%s', (_name, c, where, params) => {
    expect(one(c)).toEqual({ where: [where], params });
  });

  it.each<[string, Partial<RecordCondition> & Pick<RecordCondition, 'field' | 'operator'>, string]>([
    ['a NUL character', { field: 'subject', operator: 'contains', value: 'a\u0000b' }, 'conditions.0.value'],
    ['an empty value', { field: 'subject', operator: 'equals', value: '  ' }, 'conditions.0.value'],
    ['contains on a date', { field: 'created_at', operator: 'contains', value: '2026' }, 'conditions.0.operator'],
    ['before on text', { field: 'subject', operator: 'before', value: 'x' }, 'conditions.0.operator'],
    ['a date that is not one', { field: 'created_at', operator: 'after', value: "2026'; --" }, 'conditions.0.value'],
    ['a ticket that is not a number', { field: 'ticket', operator: 'equals', value: '1 OR 1=1' }, 'conditions.0.value'],
    ['a field outside the allow-list', { field: 'password_hash' as never, operator: 'equals', value: 'x' }, 'conditions.0.field'],
    ['a field named after an Object property', { field: 'constructor' as never, operator: 'equals', value: 'x' }, 'conditions.0.field'],
    ['a field named __proto__', { field: '__proto__' as never, operator: 'equals', value: 'x' }, 'conditions.0.field'],
    ['an operator outside the allow-list', { field: 'subject', operator: 'matches' as never, value: 'x' }, 'conditions.0.operator'],
  ])('refuses %s, naming it', (_name, c, path) => {
    try {
      one(c);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SearchError);
      expect((e as SearchError).path).toBe(path);
    }
  });

  it('combines enabled conditions with AND or OR, skips disabled ones, and numbers parameters after the caller', () => {
    const search: RecordSearch = {
      filters: { status: 'open', customer: '50%' },
      match: 'any',
      conditions: [
        { field: 'customer_email', operator: 'contains', value: 'gmail', enabled: true },
        { field: 'subject', operator: 'equals', value: 'ignored', enabled: false },
        { field: 'ticket', operator: 'after', value: '10', enabled: true },
      ],
    };
    expect(compileSearch(search, 3)).toEqual({
      where: ['i.status = $3', '(lower(i.customer_address) LIKE $4 OR lower(i.customer_name) LIKE $4)', '(lower(i.customer_address) LIKE $5 OR i.id > $6::bigint)'],
      params: ['open', '%50\\%%', '%gmail%', 10],
    });
    expect(compileSearch({ ...search, match: 'all' }, 1).where[2]).toBe('(lower(i.customer_address) LIKE $3 AND i.id > $4::bigint)');
  });

  it('gives nothing to filter by for an empty search or only disabled conditions', () => {
    expect(compileSearch({ filters: {}, match: 'all', conditions: [{ field: 'subject', operator: 'contains', value: 'x', enabled: false }] }, 1)).toEqual({ where: [], params: [] });
  });

  it('escapes exactly the LIKE characters', () => {
    expect(escapeLike('a%b_c\\d\'e"f')).toBe('a\\%b\\_c\\\\d\'e"f');
  });
});
