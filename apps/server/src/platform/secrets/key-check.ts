import { unlink } from 'node:fs/promises';
import type { Queryable } from '../db/db.ts';
import type { MasterKey, SecretBox } from './secret-box.ts';

const CONTEXT = 'master-key-check';
const PLAINTEXT = 'postdesk master key check v1';

/**
 * Proves at start that this node's master key is the installation's. The
 * first start seals a known value into the database; every later start must
 * open it. A mismatch stops the start with what to do, and a key this very
 * start generated (a data directory without master.key) is removed again,
 * so the next start with the right key is not confused by it.
 *
 * Why it matters: every node of one database needs the same key, and a node
 * given a fresh data directory would otherwise generate its own silently —
 * then fail on every mail password and OAuth2 token it tried to open.
 */
export async function checkMasterKey(db: Queryable, box: SecretBox, master: MasterKey): Promise<'sealed' | 'matched'> {
  const inserted = await db.query(
    'INSERT INTO master_key_check (sealed) VALUES ($1) ON CONFLICT (id) DO NOTHING',
    [box.seal(PLAINTEXT, CONTEXT)],
  );
  if (inserted.rowCount === 1) return 'sealed';
  const { rows } = await db.query<{ sealed: Buffer }>('SELECT sealed FROM master_key_check');
  let opened: string | null = null;
  try {
    opened = box.open(rows[0]!.sealed, CONTEXT);
  } catch {
    opened = null;
  }
  if (opened === PLAINTEXT) return 'matched';
  if (master.created && master.file) await unlink(master.file).catch(() => undefined);
  const source = master.file
    ? master.created
      ? `the master key this start generated in ${master.file} (removed again)`
      : `the master key in ${master.file}`
    : 'the master key in POSTDESK_MASTER_KEY';
  throw new Error(
    `${source} is not the one this database's secrets were sealed with. ` +
      'Every node of an installation needs the same key: give this node the key the others use ' +
      '(POSTDESK_MASTER_KEY_FILE or POSTDESK_MASTER_KEY), see docs/OPERATIONS.md, "Keys and secrets"',
  );
}
