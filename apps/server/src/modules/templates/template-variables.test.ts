import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORMER_VARIABLE_NAMES } from '@postdesk/mailkit/template';
import { createTestDatabase } from '../../../../../test/support/database.ts';

// Migration 0007 renamed the snake_case fields the first confirmation messages
// used to the editor's names. Rows written before it are inserted here and the
// migration's SQL is run over them again (it is idempotent).
const MIGRATION = new URL('../../platform/db/migrations/0007-template-variables.sql', import.meta.url);

describe('migration 0007: one vocabulary for template fields', () => {
  let t: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  const rewrite = async (): Promise<void> => {
    await t.db.query(await readFile(MIGRATION, 'utf8'));
  };

  it('rewrites every former name in templates and canned answers, spaced or not', async () => {
    const former = Object.keys(FORMER_VARIABLE_NAMES);
    const html = `<p>${former.map((n) => `\${${n}} \${ ${n} }`).join(' / ')} ${'${ticket}'} ${'${subject}'}</p>`;
    const expected = `<p>${former.map((n) => `\${${FORMER_VARIABLE_NAMES[n]}} \${${FORMER_VARIABLE_NAMES[n]}}`).join(' / ')} ${'${ticket}'} ${'${subject}'}</p>`;
    const { rows: [tpl] } = await t.db.query<{ id: string }>(`INSERT INTO templates (name, html) VALUES ('Old', $1) RETURNING id`, [html]);
    const { rows: [canned] } = await t.db.query<{ id: string }>(`INSERT INTO canned_answers (name, text) VALUES ('Old', $1) RETURNING id`, [html]);
    await rewrite();
    expect((await t.db.query(`SELECT html FROM templates WHERE id = $1`, [tpl!.id])).rows[0]?.html).toBe(expected);
    expect((await t.db.query(`SELECT text FROM canned_answers WHERE id = $1`, [canned!.id])).rows[0]?.text).toBe(expected);
  });

  it('leaves names that only begin like a former one, custom fields and plain text alone', async () => {
    const html = '<p>${customer_names} ${customer_name_2} ${orderNumber} customer_name $customer_name {customer_name}</p>';
    const { rows: [tpl] } = await t.db.query<{ id: string }>(`INSERT INTO templates (name, html) VALUES ('Custom', $1) RETURNING id`, [html]);
    await rewrite();
    expect((await t.db.query(`SELECT html FROM templates WHERE id = $1`, [tpl!.id])).rows[0]?.html).toBe(html);
  });
});
