// `npm run bench -- workspace`: the agent workspace over HTTP against a
// database of 1,000,000 interactions and 5,000,000 messages (20 campaigns,
// 200 agents in 5 campaigns each). Measures, in one run, as one agent with a
// session cookie, sequential requests after a warm-up:
// - inbox: GET /api/me/inbox (about 20 interactions in hand, a few hundred closed);
// - thread: GET /api/interactions/:id on 50-message interactions of the agent's campaigns;
// - search: GET /api/search?q=… by address fragment, surname, subject word and campaign name.
// Target: p95 under 100 ms for each.
//
// The data set is generated once (set-based INSERT … SELECT, a few minutes)
// and kept in bench/.data/workspace for the next run; a marker row records
// its shape and the migrations it was built with, and a changed migration or
// shape regenerates it. BENCH_WORKSPACE_SCALE=0.01 builds a smaller one in
// its own folder (bench/.data/workspace-scale-0.01). The marker does not
// know this file: after changing the generator, delete the folder.
// Bounded: every request has a deadline and every kind a time budget; a
// request that times out or answers other than 200 ends the run non-zero.
import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadConfig } from '../apps/server/src/config.ts';
import { createSession } from '../apps/server/src/modules/auth/index.ts';
import { createDb } from '../apps/server/src/platform/db/db.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../apps/server/src/platform/db/embedded.ts';
import { migrate } from '../apps/server/src/platform/db/migrate.ts';
import { startServer } from '../apps/server/src/server.ts';
import { insertCampaignRow } from '../test/support/campaign-row.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MIGRATIONS_DIR = path.join(ROOT, 'apps/server/src/platform/db/migrations');
export const SCALE = Number(process.env.BENCH_WORKSPACE_SCALE ?? 1);
if (!(SCALE > 0 && SCALE <= 1)) throw new Error(`BENCH_WORKSPACE_SCALE must be in (0, 1], got ${process.env.BENCH_WORKSPACE_SCALE}`);
export const DATA_DIR = path.join(ROOT, 'bench', '.data', SCALE === 1 ? 'workspace' : `workspace-scale-${SCALE}`);

const CAMPAIGNS = 20;
const AGENTS = 200;
const CAMPAIGNS_PER_AGENT = 5; // agent a is in campaigns c with c % 4 === a % 4
const INTERACTIONS = Math.round(1_000_000 * SCALE);
const MESSAGES = 5 * INTERACTIONS;
/** Interactions 1..HEAVY have exactly 50 messages: the threads the bench opens. */
const HEAVY = Math.min(400, Math.floor(INTERACTIONS / 100));
const CUSTOMERS = Math.round(INTERACTIONS * 0.35);
const IN_HAND = 20;
const CLOSED_BY_AGENT = 300;
const AGENT = 'bench.agent000';

const WARMUP = 20;
const REQUESTS = Number(process.env.BENCH_WORKSPACE_REQUESTS ?? 300);
const KIND_BUDGET_MS = 120_000;
const REQUEST_TIMEOUT_MS = 10_000;
const TARGET_P95 = 100;
const GEN_WIDTH = 2; // statements at once while generating: the machine has 2 cores

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : NaN;
};
const log = (m: string): void => void process.stderr.write(`[workspace] ${m}\n`);
const secs = (t0: number): string => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

// ---------------------------------------------------------------------------
// Vocabulary.

const CAMPAIGN_NAMES = [
  'Billing Support', 'Returns and Refunds', 'Technical Helpdesk', 'Orders Europe', 'Warranty Service',
  'Shipping Claims', 'Premium Customers', 'Business Accounts', 'Subscriptions', 'Marketplace Sellers',
  'Loyalty Program', 'Store Pickup', 'Spare Parts', 'Installations', 'Gift Cards',
  'Corporate Sales', 'Repairs Center', 'Press Office', 'Careers', 'Privacy Requests',
];
const FIRST = (
  'Maria Jose Antonio Laura Carmen David Elena Javier Lucia Daniel Sofia Pablo Marta Sergio Paula Alberto Julia Carlos Ana Miguel ' +
  'Giulia Marco Chiara Luca Francesca Matteo Sara Andrea Valentina Alessandro Emma Oliver Amelia George Isla Harry Ava Noah Mia Jack ' +
  'Olivia Liam Sophie Lucas Charlotte Hugo Louise Thomas Camille Nathan Anna Jonas Lena Felix Clara Paul Eva Peter Nina Tom'
).split(' ');
const LAST = (
  'Garcia Fernandez Gonzalez Rodriguez Lopez Martinez Sanchez Perez Gomez Martin Jimenez Ruiz Hernandez Diaz Moreno Alvarez Romero ' +
  'Alonso Gutierrez Navarro Torres Dominguez Vazquez Ramos Gil Ramirez Serrano Blanco Molina Morales Suarez Ortega Delgado Castro ' +
  'Ortiz Rubio Marin Sanz Iglesias Nunez Medina Garrido Cortes Castillo Santos Lozano Guerrero Cano Prieto Mendez Rossi Russo Ferrari ' +
  'Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti DeLuca Mancini Costa Giordano Rizzo Lombardi Moretti Smith ' +
  'Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright Walker White Edwards Hughes Green ' +
  'Hall Wood Harris Lewis Martins Jackson Clarke Clark Turner Hill Scott Cooper Morris Ward Moore King Watson Baker Harrison Morgan ' +
  'Patel Young Allen Mitchell James Anderson Phillips Lee Bell Parker Davis Muller Schmidt Schneider Fischer Weber Meyer Wagner Becker ' +
  'Schulz Hoffmann Koch Richter Klein Wolf Schroder Neumann Schwarz Zimmermann Braun Kruger Hofmann Hartmann Lange Schmitt Werner ' +
  'Krause Meier Lehmann Dubois Durand Lefebvre Leroy Moreau Simon Laurent Michel Bernard Petit Richard Novak Kowalski Nowak'
).split(' ');
const DOMAINS = (
  'example-mail.com mailbox.example inbox.example postnet.example webmail.example fastpost.example bluemail.example ' +
  'greenbox.example homemail.example citynet.example telemail.example skynet.example northpost.example southmail.example ' +
  'eastlink.example westbox.example quickmail.example openmail.example linkpost.example corpmail.example acme-corp.example ' +
  'globex.example initech.example umbrella.example hooli.example vandelay.example stark.example wayne.example wonka.example ' +
  'tyrell.example cyberdyne.example soylent.example oscorp.example aperture.example blackmesa.example massive.example ' +
  'dunder.example prestige.example gringotts.example monarch.example nakatomi.example zorg.example virtucon.example ' +
  'gekko.example bluth.example pawnee.example sterling.example hamlin.example wernham.example duff.example'
).split(' ');
const SUBJECT_START = [
  'Refund request for my', 'Question about my', 'Problem with my', 'Cancel my', 'Where is my', 'Damaged', 'Missing',
  'Return of my', 'Warranty claim for', 'Invoice for', 'Change of address for', 'Complaint about', 'Help with', 'Update on',
  'Exchange of', 'Tracking number for', 'Late delivery of', 'Wrong size of', 'Discount code for', 'Payment failed for',
  'Feedback on', 'Repair of', 'Upgrade of', 'Replacement for', 'Status of',
];
const SUBJECT_OBJECT = [
  'order', 'subscription', 'parcel', 'headphones', 'laptop', 'coffee machine', 'sofa', 'running shoes', 'jacket', 'smartphone',
  'washing machine', 'vacuum cleaner', 'bicycle', 'mattress', 'printer', 'gift card', 'account', 'membership', 'tablet', 'camera',
  'television', 'microwave', 'desk chair', 'backpack', 'watch', 'sunglasses', 'kettle', 'blender', 'router', 'monitor',
  'keyboard', 'speaker', 'lamp', 'curtains', 'dishwasher', 'fridge', 'stroller', 'tent', 'guitar', 'suitcase',
];
const CUSTOMER_LINES = [
  'I placed an order two weeks ago and it still has not arrived, the tracking page has not changed since Monday.',
  'The package arrived today but the box was crushed and one of the items inside is broken.',
  'Could you please tell me when the refund will be credited back to my card?',
  'I was charged twice for the same purchase, please check the attached statement.',
  'The product stopped working after a few days and I would like to know how the warranty works.',
  'I would like to change the delivery address because I will be away next week.',
  'Your courier left a note saying nobody was home, but I was there all afternoon.',
  'I received the wrong colour, I ordered the dark blue one and got a grey one instead.',
  'Can I return an item that I bought in one of your shops through the website?',
  'I cannot log in to my account, the password reset email never arrives.',
  'The discount code from your newsletter is not accepted at checkout.',
  'Please cancel my subscription at the end of the current billing period.',
  'I need an invoice with my company name and tax number for this purchase.',
  'Thank you for the quick answer, that solved the problem.',
  'I sent the item back ten days ago and have not heard anything since.',
  'Is this model compatible with the accessories of the previous version?',
  'The instructions in the box are missing, where can I download them?',
  'I have been waiting on the phone for an hour, so I am writing instead.',
  'The technician did not show up for the appointment we agreed on.',
  'Could you confirm that my order has been cancelled and I will not be charged?',
];
const AGENT_LINES = [
  'Thank you for contacting us and sorry for the trouble this has caused.',
  'I have checked your order and the parcel is now with the local courier, it should reach you within two working days.',
  'Your refund has been approved today and should appear on your statement within five to seven working days.',
  'I have asked the warehouse to send a replacement at no cost, you will receive a new tracking number by email.',
  'Could you please send us a photo of the damaged item and of the box it arrived in?',
  'I have updated the delivery address on your order, you do not need to do anything else.',
  'The duplicate charge was only a pre-authorisation and will be released by your bank automatically.',
  'You can return the item in any of our shops or with the prepaid label attached to this message.',
  'I have reset your account, please try the password link again and check your spam folder.',
  'The discount code was valid until the end of last month, but I have applied the same discount to your order.',
  'Your subscription has been cancelled and you will keep access until the end of the current period.',
  'The invoice with your company details is attached to this message.',
  'We have received the item you sent back and the refund is on its way.',
  'This model works with all accessories of the previous version except the charging dock.',
  'You can download the manual from the support page of the product on our website.',
  'I have booked a new appointment with the technician for Thursday morning between nine and twelve.',
  'I confirm that the order has been cancelled and no payment will be taken.',
  'If there is anything else we can help with, just reply to this message.',
  'I am sorry for the wait on the phone, we have had an unusual number of calls this week.',
  'I have passed your feedback on to the team responsible for deliveries in your area.',
];

const N_LINES = CUSTOMER_LINES.length;
if (AGENT_LINES.length !== N_LINES) throw new Error('CUSTOMER_LINES and AGENT_LINES differ in length');

// ---------------------------------------------------------------------------
// The data set.

const sqlText = (xs: string[]): string => `(ARRAY[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(',')}]::text[])`;
/** A deterministic non-negative 63-bit hash of an integer expression. */
const h = (expr: string, seed: number): string => `(hashint8extended((${expr})::bigint, ${seed}) & 9223372036854775807)`;

/**
 * The number of messages of interaction `id`: 50 for the first HEAVY, then a
 * spread of 1..8 around the average that makes the total exactly MESSAGES
 * (a telescoping floor plus a jitter that cancels within each pair).
 */
function messageCountSql(id: string): string {
  const rest = INTERACTIONS - HEAVY;
  const restMessages = MESSAGES - 50 * HEAVY;
  const j = `(${id} - ${HEAVY} - 1)`;
  return `(CASE WHEN ${id} <= ${HEAVY} THEN 50 ELSE
      ((${j} + 1) * ${restMessages}::bigint / ${rest}) - (${j} * ${restMessages}::bigint / ${rest})
      + CASE WHEN ${rest % 2} = 1 AND ${j} = ${rest - 1} THEN 0
             ELSE (CASE WHEN ${j} % 2 = 0 THEN 1 ELSE -1 END) * (${h(`${j} / 2`, 15)} % 7 - 3) END
    END)::int`;
}

async function migrationHashes(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{4}-[a-z0-9-]+\.sql$/.test(f)).sort()) {
    out[f] = createHash('sha256').update(await readFile(path.join(MIGRATIONS_DIR, f))).digest('hex');
  }
  return out;
}

interface Marker {
  scale: number;
  interactions: number;
  messages: number;
  migrations: Record<string, string>;
  generated_s: number;
  bytes: number;
}

/** The kept data set's marker, or why it cannot be used (and whether the cluster holds anything to wipe). */
async function keptDataSet(url: string): Promise<{ marker: Marker } | { why: string; wipe: boolean }> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    const { rows: t } = await c.query<{ marker: boolean; schema: boolean }>(
      `SELECT to_regclass('bench_workspace_marker') IS NOT NULL AS marker, to_regclass('interactions') IS NOT NULL AS schema`,
    );
    if (!t[0]!.marker) return t[0]!.schema ? { why: 'the database holds no generated data set', wipe: true } : { why: 'no data set yet', wipe: false };
    const stale = (why: string) => ({ why, wipe: true });
    const { rows } = await c.query<Marker>(
      'SELECT scale, interactions::float8 AS interactions, messages::float8 AS messages, migrations, generated_s, bytes::float8 AS bytes FROM bench_workspace_marker',
    );
    const m = rows[0];
    if (!m) return stale('the last generation did not finish');
    if (m.scale !== SCALE || m.interactions !== INTERACTIONS || m.messages !== MESSAGES) return stale(`the kept data set has another shape (${m.interactions} interactions)`);
    const now = await migrationHashes();
    for (const [file, sha] of Object.entries(m.migrations)) {
      if (now[file] !== sha) return stale(`migration ${file} changed since the data set was generated`);
    }
    const { rows: ids } = await c.query<{ n: number }>('SELECT coalesce(max(id), 0)::float8 AS n FROM interactions');
    if (ids[0]!.n !== INTERACTIONS) return stale(`interactions end at ${ids[0]!.n}, not ${INTERACTIONS}`);
    return { marker: m };
  } finally {
    await c.end();
  }
}

/** Runs fn over items with at most `width` at once. */
async function inParallel<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function generate(url: string): Promise<Marker> {
  const t0 = performance.now();
  // Bulk-load settings for these sessions only: the generated rows are
  // consistent by construction, so the per-row foreign-key triggers are off.
  const pool = new pg.Pool({
    connectionString: url,
    max: GEN_WIDTH,
    options: '-c synchronous_commit=off -c session_replication_role=replica -c maintenance_work_mem=512MB -c work_mem=256MB ' +
      '-c max_parallel_maintenance_workers=0 -c max_parallel_workers_per_gather=0',
  });
  pool.on('error', () => undefined);
  try {
    await pool.query(`CREATE TABLE bench_workspace_marker (scale float8 NOT NULL, interactions bigint NOT NULL, messages bigint NOT NULL,
                        migrations jsonb NOT NULL, generated_s float8 NOT NULL, bytes bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);

    log(`generating ${CAMPAIGNS} campaigns, ${AGENTS} agents, ${INTERACTIONS} interactions, ${MESSAGES} messages (scale ${SCALE})`);
    const campaigns: string[] = [];
    for (let c = 0; c < CAMPAIGNS; c++) {
      const name = CAMPAIGN_NAMES[c]!;
      const id = await insertCampaignRow(pool, { name, key: `W${c}`, fromAddress: `${name.toLowerCase().replace(/\W+/g, '-')}@shop.example` });
      await pool.query('UPDATE campaigns SET from_name = $2 WHERE id = $1', [id, name]);
      campaigns.push(id);
    }
    await pool.query(
      `INSERT INTO users (username, display_name, role, password_hash)
       SELECT 'bench.agent' || lpad(g::text, 3, '0'), 'Agent ' || lpad(g::text, 3, '0'), 'agent', 'x' FROM generate_series(0, $1 - 1) g`,
      [AGENTS],
    );
    const agents = (await pool.query<{ id: string }>(`SELECT id FROM users WHERE username LIKE 'bench.agent%' ORDER BY username`)).rows.map((r) => r.id);
    await pool.query(
      `INSERT INTO campaign_members (campaign_id, user_id, position)
       SELECT ($1::uuid[])[1 + (a % 4) + 4 * k], ($2::uuid[])[1 + a], a / 4
         FROM generate_series(0, $3 - 1) a CROSS JOIN generate_series(0, $4 - 1) k`,
      [campaigns, agents, AGENTS, CAMPAIGNS_PER_AGENT],
    );
    const blob = createHash('sha256').update('postdesk bench workspace: every message points at this raw blob').digest();
    await pool.query('INSERT INTO blobs (sha256, size) VALUES ($1, 4096)', [blob]);

    // The indexes are built once after the load rather than maintained row by row.
    const { rows: indexes } = await pool.query<{ name: string; def: string; rel: string }>(
      `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def, i.indrelid::regclass::text AS rel
         FROM pg_index i
        WHERE i.indrelid IN ('interactions'::regclass, 'messages'::regclass)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)`,
    );
    for (const ix of indexes) await pool.query(`DROP INDEX ${ix.name}`);
    log(`dropped ${indexes.length} indexes for the load (${secs(t0)})`);

    // Interactions: campaign, customer, subject and time from hashes of the id.
    const tI = performance.now();
    const nowIso = new Date().toISOString();
    const chunk = Math.ceil(INTERACTIONS / 4);
    const ranges = Array.from({ length: Math.ceil(INTERACTIONS / chunk) }, (_, n) => [n * chunk + 1, Math.min(INTERACTIONS, (n + 1) * chunk)] as const);
    await inParallel([...ranges], GEN_WIDTH, async ([lo, hi]) => {
      await pool.query(
        `INSERT INTO interactions (id, campaign_id, customer_address, customer_name, subject, status, unread, created_at, updated_at,
                                   last_message_at, closed_at, queue_state, queued_at, assigned_to, assigned_at, first_accepted_at, last_agent)
         OVERRIDING SYSTEM VALUE
         SELECT g, ($1::uuid[])[1 + ci], lower(fn) || '.' || lower(ln) || num || '@' || dom, fn || ' ' || ln, subj,
                CASE WHEN recent THEN 'open' ELSE 'closed' END, qs = 'waiting', lm - opened, lm, lm,
                CASE WHEN NOT recent THEN lm + ${h('g', 9)} % 3600 * interval '1 second' END,
                qs, lm - opened,
                CASE WHEN qs = 'assigned' THEN agent END,
                CASE WHEN qs <> 'waiting' THEN lm - opened + interval '2 minutes' END,
                CASE WHEN qs <> 'waiting' THEN lm - opened + interval '2 minutes' END,
                CASE WHEN qs <> 'waiting' THEN agent END
           FROM generate_series($6::bigint, $7::bigint) g
           CROSS JOIN LATERAL (SELECT ${h('g', 1)} % ${CAMPAIGNS} AS ci, ${h('g', 2)} % ${CUSTOMERS} AS cust,
                                      $8::timestamptz - ${h('g', 3)} % (730 * 86400) * interval '1 second' AS lm,
                                      ${h('g', 4)} % (3 * 86400) * interval '1 second' AS opened) a
           CROSS JOIN LATERAL (SELECT ($2::text[])[1 + ${h('a.cust', 5)} % ${FIRST.length}] AS fn,
                                      ($3::text[])[1 + ${h('a.cust', 6)} % ${LAST.length}] AS ln,
                                      ${h('a.cust', 7)} % 1000 AS num,
                                      ($4::text[])[1 + ${h('a.cust', 8)} % ${DOMAINS.length}] AS dom,
                                      ($5::text[])[1 + ${h('g', 10)} % ${SUBJECT_START.length}] || ' '
                                        || ${sqlText(SUBJECT_OBJECT)}[1 + ${h('g', 11)} % ${SUBJECT_OBJECT.length}]
                                        || CASE WHEN ${h('g', 12)} % 2 = 0 THEN ' #' || (100000 + ${h('g', 13)} % 900000) ELSE '' END AS subj,
                                      a.lm > $8::timestamptz - interval '2 days' AS recent,
                                      -- a member of the campaign other than the measured agent (agent 0)
                                      ($9::uuid[])[1 + a.ci % 4 + 4 * (1 + ${h('g', 14)} % ${AGENTS / 4 - 1})] AS agent) b
           CROSS JOIN LATERAL (SELECT CASE WHEN NOT b.recent THEN 'done' WHEN ${h('g', 16)} % 4 = 0 THEN 'waiting' ELSE 'assigned' END AS qs) c`,
        [campaigns, FIRST, LAST, DOMAINS, SUBJECT_START, lo, hi, nowIso, agents],
      );
      log(`interactions ${lo}..${hi} (${secs(tI)})`);
    });
    await pool.query(`SELECT setval(pg_get_serial_sequence('interactions', 'id'), $1)`, [INTERACTIONS]);

    // The measured agent: the newest interactions of their campaigns in hand, and
    // a few hundred closed by them over the last 90 days.
    const mine = campaigns.filter((_, c) => c % 4 === 0);
    const agent = agents[0]!;
    await pool.query(
      `UPDATE interactions i SET status = 'open', queue_state = 'assigned', assigned_to = $2, last_agent = $2, closed_at = NULL,
              assigned_at = i.created_at + interval '2 minutes', first_accepted_at = i.created_at + interval '2 minutes', unread = i.id % 3 = 0
         FROM (SELECT id FROM interactions WHERE campaign_id = ANY($1::uuid[]) AND id > ${HEAVY} ORDER BY last_message_at DESC LIMIT ${IN_HAND}) p
        WHERE i.id = p.id`,
      [mine, agent],
    );
    await pool.query(
      `UPDATE interactions i SET last_agent = $2
         FROM (SELECT id FROM interactions WHERE campaign_id = ANY($1::uuid[]) AND id > ${HEAVY} AND status = 'closed'
                 AND last_message_at > now() - interval '90 days' ORDER BY hashint8(id) LIMIT ${CLOSED_BY_AGENT}) p
        WHERE i.id = p.id`,
      [mine, agent],
    );
    log(`interactions done (${secs(tI)})`);

    // Messages: for each interaction its count, alternating customer / agent,
    // spread between its creation and its last message, inserted in time
    // order within each chunk so a thread's rows are scattered as in life.
    const tM = performance.now();
    const mChunk = Math.ceil(INTERACTIONS / 20);
    const mRanges = Array.from({ length: Math.ceil(INTERACTIONS / mChunk) }, (_, n) => [n * mChunk + 1, Math.min(INTERACTIONS, (n + 1) * mChunk)] as const);
    let done = 0;
    await inParallel([...mRanges], GEN_WIDTH, async ([lo, hi]) => {
      await pool.query(
        `INSERT INTO messages (campaign_id, interaction_id, direction, kind, message_id, in_reply_to, subject, from_address, from_name,
                               to_addresses, sent_date, text_body, raw_sha256, size, sent_by, created_at)
         SELECT i.campaign_id, i.id, CASE WHEN x.inbound THEN 'inbound' ELSE 'outbound' END, CASE WHEN x.inbound THEN 'customer' ELSE 'agent' END,
                'pd' || i.id || '.' || k || '@mail.bench.example',
                CASE WHEN k > 1 THEN ARRAY['pd' || i.id || '.' || (k - 1) || '@mail.bench.example'] ELSE '{}'::text[] END,
                CASE WHEN k = 1 THEN i.subject ELSE 'Re: ' || i.subject END,
                CASE WHEN x.inbound THEN i.customer_address ELSE c.from_address END,
                CASE WHEN x.inbound THEN i.customer_name ELSE c.from_name END,
                jsonb_build_array(jsonb_build_object('address', CASE WHEN x.inbound THEN c.from_address ELSE i.customer_address END,
                                                     'name', CASE WHEN x.inbound THEN c.from_name ELSE i.customer_name END)),
                x.t, x.body, $3::bytea, length(x.body) + 900,
                CASE WHEN NOT x.inbound THEN coalesce(i.last_agent, i.assigned_to) END, x.t
           FROM interactions i JOIN campaigns c ON c.id = i.campaign_id
           CROSS JOIN LATERAL (SELECT ${messageCountSql('i.id')} AS n) cn
           CROSS JOIN LATERAL generate_series(1, cn.n) k
           CROSS JOIN LATERAL (SELECT ${h('i.id * 64 + k', 17)} AS hb) hh
           CROSS JOIN LATERAL (
             SELECT k % 2 = 1 AS inbound,
                    CASE WHEN cn.n = 1 THEN i.last_message_at
                         ELSE i.created_at + (i.last_message_at - i.created_at) * ((k - 1)::float8 / (cn.n - 1)) END AS t,
                    CASE WHEN k % 2 = 1
                      THEN 'Hello,' || E'\\n\\n' || ($1::text[])[1 + hh.hb % ${N_LINES}] || ' ' || ($1::text[])[1 + hh.hb / ${N_LINES} % ${N_LINES}] || ' '
                           || ($1::text[])[1 + hh.hb / ${N_LINES * N_LINES} % ${N_LINES}] || E'\\n\\nBest regards,\\n' || i.customer_name
                      ELSE 'Dear ' || i.customer_name || ',' || E'\\n\\n' || ($2::text[])[1 + hh.hb % ${N_LINES}] || ' ' || ($2::text[])[1 + hh.hb / ${N_LINES} % ${N_LINES}] || ' '
                           || ($2::text[])[1 + hh.hb / ${N_LINES * N_LINES} % ${N_LINES}] || E'\\n\\nKind regards,\\n' || c.from_name END AS body) x
          WHERE i.id BETWEEN $4 AND $5
          ORDER BY x.t`,
        [CUSTOMER_LINES, AGENT_LINES, blob, lo, hi],
      );
      done++;
      log(`messages: chunk ${done}/${mRanges.length} (interactions ${lo}..${hi}) (${secs(tM)})`);
    });
    log(`messages done (${secs(tM)})`);

    const tX = performance.now();
    // Largest first, two at a time.
    const order = (ix: { rel: string; def: string }): number => (ix.rel === 'messages' ? 2 : 0) + (/gin/.test(ix.def) ? 1 : 0);
    await inParallel([...indexes].sort((a, b) => order(b) - order(a)), GEN_WIDTH, async (ix) => {
      const t = performance.now();
      await pool.query(ix.def);
      log(`index ${ix.name} (${secs(t)})`);
    });
    log(`indexes rebuilt (${secs(tX)})`);
    const tV = performance.now();
    await inParallel(['messages', 'interactions'], GEN_WIDTH, async (t) => void (await pool.query(`VACUUM (ANALYZE) ${t}`)));
    log(`vacuum analyze (${secs(tV)})`);

    const { rows: counts } = await pool.query<{ i: number; m: number; bytes: number }>(
      `SELECT (SELECT count(*) FROM interactions)::float8 AS i, (SELECT count(*) FROM messages)::float8 AS m, pg_database_size(current_database())::float8 AS bytes`,
    );
    const got = counts[0]!;
    if (got.i !== INTERACTIONS || got.m !== MESSAGES) throw new Error(`generated ${got.i} interactions and ${got.m} messages, expected ${INTERACTIONS} and ${MESSAGES}`);
    const { rows: heavy } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT interaction_id FROM messages WHERE interaction_id <= ${HEAVY} GROUP BY 1 HAVING count(*) = 50) x`,
    );
    if (heavy[0]!.n !== HEAVY) throw new Error(`${heavy[0]!.n} interactions with 50 messages, expected ${HEAVY}`);
    await pool.query('CHECKPOINT');
    const marker: Marker = { scale: SCALE, interactions: got.i, messages: got.m, migrations: await migrationHashes(), generated_s: (performance.now() - t0) / 1000, bytes: got.bytes };
    await pool.query(
      `INSERT INTO bench_workspace_marker (scale, interactions, messages, migrations, generated_s, bytes) VALUES ($1, $2, $3, $4, $5, $6)`,
      [marker.scale, marker.interactions, marker.messages, JSON.stringify(marker.migrations), marker.generated_s, marker.bytes],
    );
    log(`data set generated in ${marker.generated_s.toFixed(1)} s, ${(marker.bytes / 2 ** 30).toFixed(2)} GiB on disk`);
    return marker;
  } finally {
    await pool.end();
  }
}

// ---------------------------------------------------------------------------
// The measurement.

const VOCABULARY = [...FIRST, ...LAST, ...DOMAINS, ...SUBJECT_START, ...SUBJECT_OBJECT].join(' ').toLowerCase();
const campaignWord = (name: string): string => {
  const words = name.toLowerCase().split(' ').filter((w) => w.length >= 4);
  return words.find((w) => !VOCABULARY.includes(w)) ?? words[0] ?? name.toLowerCase();
};

interface Kind {
  name: string;
  paths: string[];
}

async function get(base: string, cookie: string, p: string): Promise<{ ms: number; bytes: number }> {
  const s = performance.now();
  let res: Response;
  let body: string;
  try {
    res = await fetch(base + p, { headers: { cookie }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    body = await res.text();
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') throw new Error(`timed out: GET ${p} took over ${REQUEST_TIMEOUT_MS} ms`);
    throw err;
  }
  const ms = performance.now() - s;
  if (res.status !== 200) throw new Error(`GET ${p} answered ${res.status}, not 200: ${body.slice(0, 300)}`);
  return { ms, bytes: body.length };
}

/** Warm-up, then up to REQUESTS sequential timed requests cycling through the kind's paths, within KIND_BUDGET_MS. */
async function measure(base: string, cookie: string, kind: Kind): Promise<number[]> {
  const warmEnd = Date.now() + KIND_BUDGET_MS / 4;
  for (let i = 0; i < WARMUP && Date.now() < warmEnd; i++) await get(base, cookie, kind.paths[i % kind.paths.length]!);
  const lat: number[] = [];
  const perPath = new Map<string, number[]>();
  let bytes = 0;
  const end = Date.now() + KIND_BUDGET_MS;
  while (lat.length < REQUESTS && Date.now() < end) {
    const p = kind.paths[lat.length % kind.paths.length]!;
    const r = await get(base, cookie, p);
    lat.push(r.ms);
    bytes += r.bytes;
    perPath.set(p, [...(perPath.get(p) ?? []), r.ms]);
  }
  if (lat.length < REQUESTS) log(`${kind.name}: only ${lat.length} of ${REQUESTS} requests within ${KIND_BUDGET_MS / 1000} s`);
  log(`${kind.name}: ${lat.length} requests, p50 ${pct(lat, 0.5).toFixed(1)} ms, p95 ${pct(lat, 0.95).toFixed(1)} ms, ${Math.round(bytes / lat.length)} bytes per answer`);
  if (kind.name.startsWith('search')) {
    for (const [p, xs] of perPath) log(`  ${p.padEnd(40)} p50 ${pct(xs, 0.5).toFixed(1).padStart(7)} ms  max ${Math.max(...xs).toFixed(1).padStart(7)} ms`);
  }
  return lat;
}

/** Starts the kept cluster, or a fresh one with a freshly generated data set (migrated first, as the server would). */
export async function openDataSet(): Promise<{ embedded: EmbeddedServer; marker: Marker }> {
  let embedded = await startEmbeddedPostgres(DATA_DIR);
  try {
    const kept = await keptDataSet(embedded.url);
    if ('marker' in kept) {
      log(`reusing the data set in ${path.relative(ROOT, DATA_DIR)} (generated in ${kept.marker.generated_s.toFixed(0)} s)`);
      return { embedded, marker: kept.marker };
    }
    log(`${kept.why}: generating a fresh data set in ${path.relative(ROOT, DATA_DIR)}`);
    if (kept.wipe) {
      await embedded.stop();
      await rm(DATA_DIR, { recursive: true, force: true });
      embedded = await startEmbeddedPostgres(DATA_DIR);
    }
    const db = createDb(embedded.url, { max: 1 });
    try {
      await migrate(db);
    } finally {
      await db.close();
    }
    return { embedded, marker: await generate(embedded.url) };
  } catch (err) {
    await embedded.stop().catch(() => undefined);
    throw err;
  }
}

export async function run(): Promise<Record<string, number>> {
  const tStart = performance.now();
  const { embedded, marker } = await openDataSet();
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    server = await startServer(
      loadConfig({ DATABASE_URL: embedded.url, POSTDESK_DATA_DIR: DATA_DIR, POSTDESK_PORT: '0', POSTDESK_ROLES: 'api', LOG_LEVEL: 'warn', POSTDESK_ADMIN_PASSWORD: 'bench-admin-password' }),
      { serveWeb: false },
    );
    const db = server.db;
    const base = server.url!;

    const { rows: me } = await db.query<{ id: string }>('SELECT id FROM users WHERE username = $1', [AGENT]);
    const agentId = me[0]!.id;
    const cookie = `pd_session=${await createSession(db, agentId, 3_600_000)}`;
    const { rows: mine } = await db.query<{ name: string }>(
      `SELECT c.name FROM campaigns c JOIN campaign_members m ON m.campaign_id = c.id WHERE m.user_id = $1 ORDER BY c.name`,
      [agentId],
    );
    const { rows: threads } = await db.query<{ id: number }>(
      `SELECT i.id FROM interactions i JOIN campaign_members m ON m.campaign_id = i.campaign_id AND m.user_id = $1 WHERE i.id <= ${HEAVY} ORDER BY i.id`,
      [agentId],
    );
    const { rows: load } = await db.query<{ in_hand: number; closed: number; closed_week: number }>(
      `SELECT count(*) FILTER (WHERE assigned_to = $1 AND queue_state = 'assigned')::int AS in_hand,
              count(*) FILTER (WHERE last_agent = $1 AND status = 'closed')::int AS closed,
              count(*) FILTER (WHERE last_agent = $1 AND status = 'closed' AND closed_at > now() - interval '7 days')::int AS closed_week
         FROM interactions WHERE assigned_to = $1 OR (last_agent = $1 AND status = 'closed')`,
      [agentId],
    );
    log(`agent ${AGENT}: ${load[0]!.in_hand} in hand, ${load[0]!.closed} closed (${load[0]!.closed_week} in the last 7 days), ` +
        `${mine.length} campaigns, ${threads.length} 50-message threads`);
    if (threads.length === 0) throw new Error('no 50-message interaction in the agent campaigns');

    // Deterministic shuffle of the threads (mulberry32), so the order of ids is random but repeatable.
    let seed = 20250107;
    const rand = (): number => {
      seed = (seed + 0x6d2b79f5) >>> 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const threadIds = threads.map((t) => t.id);
    for (let i = threadIds.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [threadIds[i], threadIds[j]] = [threadIds[j]!, threadIds[i]!];
    }
    const q = (term: string): string => `/api/search?q=${encodeURIComponent(term)}`;
    // surnames that no other part of the data contains (not "king", which every "tracking" subject holds)
    const others = [...FIRST, ...DOMAINS, ...SUBJECT_START, ...SUBJECT_OBJECT].join(' ').toLowerCase();
    const distinct = LAST.map((l) => l.toLowerCase()).filter((l, _, all) => !others.includes(l) && !all.some((o) => o !== l && o.includes(l)));
    const surnames = Array.from({ length: 10 }, (_, i) => distinct[Math.floor((i * distinct.length) / 10)]!);
    const kinds: Kind[] = [
      { name: 'inbox', paths: ['/api/me/inbox'] },
      { name: 'thread', paths: threadIds.map((id) => `/api/interactions/${id}`) },
      // an address fragment: surname and the first digits of the customer's number, and two domains
      { name: 'search_email', paths: [...surnames.slice(0, 8).map((s, i) => q(`${s}${12 + i * 11}`)), q('example-mail'), q('vandelay')] },
      { name: 'search_name', paths: surnames.map(q) },
      { name: 'search_subject', paths: ['warranty', 'headphones', 'refund', 'invoice', 'damaged', 'coffee machine', 'tracking', 'dishwasher'].map(q) },
      // a word of the campaign's name that no address, name or subject contains, so only the campaign matches
      { name: 'search_campaign', paths: mine.map((c) => q(campaignWord(c.name))) },
    ];

    // One look at a thread's answer: the bench opens 50-message threads, and says so if the answer holds fewer.
    const probe = await fetch(`${base}/api/interactions/${threadIds[0]}`, { headers: { cookie }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const probeBody = (await probe.json().catch(() => null)) as { messages?: unknown[] } | null;
    if (probe.status === 200 && Array.isArray(probeBody?.messages) && probeBody.messages.length !== 50) {
      log(`note: GET /api/interactions/${threadIds[0]} lists ${probeBody.messages.length} messages of its 50`);
    }

    log(`measuring: ${REQUESTS} sequential requests per kind after ${WARMUP} warm-up requests`);
    const lat: Record<string, number[]> = {};
    for (const k of kinds) lat[k.name] = await measure(base, cookie, k);

    const r: Record<string, number> = {};
    for (const k of kinds) {
      r[`${k.name}_p50_ms`] = pct(lat[k.name]!, 0.5);
      r[`${k.name}_p95_ms`] = pct(lat[k.name]!, 0.95);
    }
    const searchKinds = kinds.filter((k) => k.name.startsWith('search_')).map((k) => k.name);
    r.search_p50_ms = Math.max(...searchKinds.map((k) => r[`${k}_p50_ms`]!));
    r.search_p95_ms = Math.max(...searchKinds.map((k) => r[`${k}_p95_ms`]!));
    r.interactions = marker.interactions;
    r.messages = marker.messages;
    r.requests_per_kind = REQUESTS;
    r.dataset_generation_s = marker.generated_s;
    r.dataset_bytes = marker.bytes;

    const verdict = (ms: number): string => (ms < TARGET_P95 ? 'met' : 'NOT met');
    const row = (label: string, key: string, n: number | string): string =>
      `${label.padEnd(44)} p50 ${r[`${key}_p50_ms`]!.toFixed(1).padStart(7)} ms  p95 ${r[`${key}_p95_ms`]!.toFixed(1).padStart(7)} ms  n ${String(n).padStart(4)}  target p95 < ${TARGET_P95} ms: ${verdict(r[`${key}_p95_ms`]!)}`;
    console.log(`agent workspace, ${marker.interactions} interactions, ${marker.messages} messages, one agent, sequential requests`);
    console.log(row('inbox      GET /api/me/inbox', 'inbox', lat.inbox!.length));
    console.log(row('thread     GET /api/interactions/:id', 'thread', lat.thread!.length));
    for (const k of searchKinds) console.log(row(`search     ${k.slice('search_'.length)}`, k, lat[k]!.length));
    console.log(row('search     worst kind', 'search', '-'));
    const all = ['inbox', 'thread', ...searchKinds].every((k) => r[`${k}_p95_ms`]! < TARGET_P95);
    console.log(`target: p95 under ${TARGET_P95} ms for inbox, thread and every search kind — ${all ? 'met' : 'NOT met'} (run ${secs(tStart)})`);
    return r;
  } finally {
    await server?.stop().catch((err: unknown) => log(`server stop: ${String(err)}`));
    await embedded.stop().catch((err: unknown) => log(`postgres stop: ${String(err)}`));
  }
}
