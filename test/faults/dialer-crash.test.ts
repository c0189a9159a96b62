import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../peers/smtp-sink.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/app.ts';
import { insertCampaignRow } from '../support/campaign-row.ts';
import { killNode, spawnNode } from '../support/node-process.ts';
import { checkPeer } from '../support/peers.ts';

// The process sending a dialer dies with SIGKILL mid-run, three times; a
// fresh one (the same node id, as a restarted service has) takes the
// dialer over. At the end every row is sent and every recipient has the
// message at the sink — exactly once, apart from rows whose transaction was
// in flight at a kill: those the ledger counts uncertain, and only those may
// arrive twice.

const TOTAL = 1_500;
const KILLS = 3;
const peersReady = checkPeer('smtp-sink').available;

describe.skipIf(!peersReady)('the dialer survives SIGKILL of its sending process', () => {
  let sink: SmtpSink;
  let s: TestServer;
  let dialerId: string;
  const children = new Set<ChildProcess>();

  const spawnWorker = (): ChildProcess => {
    const child = spawnNode({
      DATABASE_URL: s.deps.config.databaseUrl!,
      POSTDESK_DATA_DIR: s.dataDir,
      POSTDESK_ROLES: 'worker',
      POSTDESK_NODE_ID: 'dialer-crash-node',
      POSTDESK_PUBLIC_URL: 'https://desk.example.test',
      POSTDESK_PARSER_THREADS: '1',
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };
  const ledger = async () =>
    (await s.db.query<{ sent: number; open: number }>(`SELECT count(*) FILTER (WHERE state = 'sent')::int AS sent, count(*) FILTER (WHERE state IN ('queued', 'retrying', 'sending'))::int AS open FROM dialer_rows WHERE dialer_id = $1`, [dialerId])).rows[0]!;

  beforeAll(async () => {
    sink = await startSmtpSink();
    s = await startTestServer({ env: { POSTDESK_PUBLIC_URL: 'https://desk.example.test' } });
    const admin = await s.login('admin', ADMIN_PASSWORD);
    const campaignId = await insertCampaignRow(s.db, { name: 'Crash', fromAddress: 'news@acme.test' });
    await s.db.query(`UPDATE campaigns SET smtp_host = '127.0.0.1', smtp_port = $2, smtp_security = 'none', smtp_auth = false WHERE id = $1`, [campaignId, sink.port]);
    const t = await s.call('POST', '/api/templates', { cookie: admin, body: { name: 'Crash mail', campaignId, html: '<p>Hello ${name}</p>' } });
    // paced so that a run lasts long enough to be killed in the middle
    const d = await s.call('POST', '/api/dialers', { cookie: admin, body: { name: 'Crash', campaignId, templateId: t.body.id, subject: 'For ${name}', maxPerSecond: 150 } });
    expect(d.status, d.text).toBe(201);
    dialerId = d.body.id;
    const csv = Array.from({ length: TOTAL }, (_, i) => `Crash;r${i}@example.test;;;name=N${i};`).join('\n');
    const up = await fetch(`${s.url}/api/dialers/${dialerId}/lists?name=crash`, { method: 'POST', headers: { cookie: admin, 'content-type': 'text/csv' }, body: csv });
    expect(up.status).toBe(201);
    expect((await s.call('POST', `/api/dialers/${dialerId}/start`, { cookie: admin })).status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...children].map(killNode));
    await s?.stop();
    await sink?.stop();
  });

  it(`sends each of ${TOTAL} rows once across ${KILLS} kills, apart from the counted in-flight ones`, async () => {
    /** Waits for the ledger to pass `target` sent rows (or finish), failing only when it stops moving for 60 s. */
    const sentPasses = async (target: number) => {
      let last = -1;
      let since = Date.now();
      for (;;) {
        const l = await ledger();
        if (l.sent >= target || l.open === 0) return l;
        if (l.sent !== last) [last, since] = [l.sent, Date.now()];
        if (Date.now() - since > 60_000) throw new Error(`the dialer stopped at ${l.sent} sent`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const kills: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      const child = spawnWorker();
      const before = (await ledger()).sent;
      // a random moment after this process has recorded some rows of its own
      const at = await sentPasses(before + 50 + Math.floor(Math.random() * 250));
      await killNode(child);
      kills.push(at.sent);
      expect(at.open, 'a kill after the end proves nothing').toBeGreaterThan(0);
    }
    const last = spawnWorker();
    const end = await sentPasses(TOTAL);
    expect(end).toEqual({ sent: TOTAL, open: 0 });
    await killNode(last);

    const { rows } = await s.db.query<{ destination: string; uncertain: number }>('SELECT destination, uncertain FROM dialer_rows WHERE dialer_id = $1', [dialerId]);
    const uncertain = new Map(rows.map((r) => [`<${r.destination}>`, r.uncertain]));
    const got = await sink.waitForMessages(TOTAL);
    const times = new Map<string, number>();
    for (const m of got) times.set(m.rcptTo[0]!, (times.get(m.rcptTo[0]!) ?? 0) + 1);
    // everyone has it
    expect(times.size).toBe(TOTAL);
    // twice only where the ledger says a transaction was in flight at a kill
    const twice = [...times].filter(([, n]) => n > 1).map(([to]) => to);
    expect(twice.filter((to) => !(uncertain.get(to)! > 0))).toEqual([]);
    const recovered = (await s.db.query<{ n: number }>('SELECT in_flight_recovered AS n FROM dialers WHERE id = $1', [dialerId])).rows[0]!.n;
    expect(recovered).toBe([...uncertain.values()].reduce((a, b) => a + b, 0));
    expect(twice.length).toBeLessThanOrEqual(recovered);
    console.log(`dialer crash: killed at ${kills.join(', ')} sent; ${recovered} rows in flight at the kills, ${twice.length} of them arrived twice`);
  }, 600_000);
});
