import { textAlternative, type PipelineAccount } from '@postdesk/mailkit/bulk';
import type { Db } from '../../platform/db/db.ts';
import { emitEvent, type DomainEvent } from '../../platform/events/events.ts';
import type { Logger } from '../../platform/log/logger.ts';
import type { SecretBox } from '../../platform/secrets/secret-box.ts';
import type { BlobStore } from '../../platform/blobs/blob-store.ts';
import { runAttachments } from './dialer-attachments.ts';
import { campaignMail, findCampaignRow } from '../campaigns/index.ts';
import { isOpen, nextOpening } from '../routing/index.ts';
import { inviteField } from './dialer-variables.ts';
import { claimDueDialers, findDialer, releaseDialer, renewDialerLease, templateOfCampaign, type DialerRow } from './dialers.repo.ts';
import { sendDialer } from './send-dialer.ts';
import type { SendThreadInit } from './send-protocol.ts';

// The dialer runner: on each worker node, claims the running dialers that
// are due (a lease on the dialer's row: one node sends a dialer at a time,
// and a dead node's dialers are taken over when its lease lapses), runs each
// one's sender until its rows are done, it is paused or stopped, or its
// schedule closes, and hints the dashboards as outcomes are recorded.

/** What the runner needs, passed in. */
export interface DialerRunnerDeps {
  db: Db;
  secrets: SecretBox;
  log: Logger;
  now: () => Date;
  /** Signs the Message-IDs and link tokens. */
  mailSecret: Buffer;
  /** Where the unsubscribe and pixel links point; a dialer never sends without it. */
  publicUrl: string | undefined;
  onEvent: (handler: (e: DomainEvent) => void) => () => void;
  /** Trust self-signed certificates of mail servers: tests only. */
  tlsRejectUnauthorized?: boolean;
  /** Where the registry's attachments are. */
  blobs: BlobStore;
}

/** How the runner is shaped. */
export interface DialerRunnerOptions {
  node: string;
  leaseSec: number;
  /** How often due dialers are looked for (a start or a new list wakes it at once). */
  tickMs: number;
  threads: number;
  connections: number;
  /** Dialers sent at once by this node (default 2). */
  maxDialers?: number;
}

/** A started runner. */
export interface DialerRunner {
  /** Stops every run (messages in flight finish and are recorded) and releases the dialers. */
  stop(): Promise<void>;
}

const HINT_MS = 500;

/** Starts the runner loop; see the file's comment. */
export function startDialerRunner(deps: DialerRunnerDeps, opts: DialerRunnerOptions): DialerRunner {
  const runs = new Map<string, { abort: AbortController; done: Promise<void> }>();
  const maxDialers = opts.maxDialers ?? 2;
  let stopped = false;
  let ticking: Promise<void> | null = null;

  const tick = (): Promise<void> => {
    if (stopped || ticking) return ticking ?? Promise.resolve();
    ticking = (async () => {
      try {
        const room = maxDialers - runs.size;
        if (room <= 0) return;
        for (const c of await claimDueDialers(deps.db, opts.node, room, opts.leaseSec, [...runs.keys()])) {
          const abort = new AbortController();
          const done = runOne(c.id, c.due, abort).finally(() => {
            runs.delete(c.id);
            if (!stopped) void tick();
          });
          runs.set(c.id, { abort, done });
        }
      } catch (err) {
        deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'dialer runner: claiming failed');
      } finally {
        ticking = null;
      }
    })();
    return ticking;
  };

  const runOne = async (id: string, due: Date, abort: AbortController): Promise<void> => {
    let next: Date | null | 'now' = null;
    let lost = false;
    let hintTimer: NodeJS.Timeout | null = null;
    let lastHint = 0;
    const hintNow = (): void => {
      lastHint = Date.now();
      void emitEvent(deps.db, { type: 'dialer.changed', dialerId: id }).catch(() => undefined);
    };
    // at most one hint per HINT_MS per dialer: the sender records outcomes every 50 ms
    const hint = (): void => {
      if (hintTimer) return;
      hintTimer = setTimeout(
        () => {
          hintTimer = null;
          hintNow();
        },
        Math.max(0, lastHint + HINT_MS - Date.now()),
      );
    };
    let renewer: NodeJS.Timeout | null = null;
    try {
      const d = await findDialer(deps.db, id);
      if (!d || d.state !== 'running' || !d.enabled) return;
      if (!isOpen(d.schedule, d.timezone, deps.now())) {
        next = nextOpening(d.schedule, d.timezone, deps.now());
        return;
      }
      if (!deps.publicUrl) {
        deps.log.warn({ dialerId: id }, 'dialer: POSTDESK_PUBLIC_URL is not set; nothing is sent');
        return;
      }
      const init = await sendInit(deps, d, opts.connections);
      let closedBySchedule = false;
      renewer = setInterval(
        () =>
          void (async () => {
            const r = await renewDialerLease(deps.db, id, opts.node, opts.leaseSec);
            if (!r.held) lost = true;
            const cur = r.held ? await findDialer(deps.db, id) : null;
            if (cur && cur.state === 'running' && cur.enabled && !isOpen(cur.schedule, cur.timezone, deps.now())) closedBySchedule = true;
            if (!r.held || r.state !== 'running' || !r.enabled || closedBySchedule) abort.abort();
          })().catch((err: unknown) => deps.log.warn({ dialerId: id, err: err instanceof Error ? err.message : String(err) }, 'dialer: renewing the lease failed')),
        Math.max(1_000, Math.floor((opts.leaseSec * 1000) / 3)),
      );
      const report = await sendDialer(
        { db: deps.db, now: deps.now, log: deps.log },
        id,
        init,
        { maxPerSecond: d.max_per_second, intervalMs: d.interval_ms, domainLimits: d.domain_limits, defaultDomainPerMinute: d.default_domain_per_minute },
        abort.signal,
        { threads: opts.threads, untilEmpty: true, node: opts.node, onRecorded: hint },
      );
      if (closedBySchedule) next = nextOpening(d.schedule, d.timezone, deps.now());
      deps.log.info({ dialerId: id, sent: report.sent, failed: report.failed, retried: report.retried, recoveredInFlight: report.recoveredInFlight }, 'dialer run ended');
    } catch (err) {
      deps.log.error({ dialerId: id, err: err instanceof Error ? err.message : String(err) }, 'dialer run failed; trying again in a minute');
      next = new Date(deps.now().getTime() + 60_000);
    } finally {
      if (renewer) clearInterval(renewer);
      if (hintTimer) clearTimeout(hintTimer);
      if (!lost) await releaseDialer(deps.db, id, opts.node, due, next).catch(() => undefined);
      hintNow();
    }
  };

  const timer = setInterval(() => void tick(), opts.tickMs);
  const off = deps.onEvent((e) => {
    if (e.type === 'dialer.changed' && e.wake) void tick();
  });
  void tick();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      off();
      await ticking;
      for (const r of runs.values()) r.abort.abort();
      await Promise.all([...runs.values()].map((r) => r.done));
    },
  };
}

/** Everything a sending thread needs for this dialer: the campaign's SMTP account and sender, the template, the links' base. */
async function sendInit(deps: DialerRunnerDeps, d: DialerRow, connections: number): Promise<Omit<SendThreadInit, 'type'>> {
  const c = await findCampaignRow(deps.db, d.campaign_id);
  if (!c) throw new Error('the campaign was deleted');
  const html = d.template_id === null ? undefined : await templateOfCampaign(deps.db, d.template_id, d.campaign_id);
  if (html === undefined) throw new Error('the template is gone');
  const smtp = campaignMail(c, deps.secrets).smtp;
  const account: PipelineAccount = {
    host: smtp.host,
    port: smtp.port,
    security: smtp.security,
    connectionTimeoutMs: smtp.connectionTimeoutMs,
    ...(smtp.username ? { auth: { user: smtp.username, pass: smtp.password ?? '' } } : {}),
    ...(deps.tlsRejectUnauthorized === false ? { tlsRejectUnauthorized: false } : {}),
  };
  const base = deps.publicUrl!.replace(/\/+$/, '');
  const inv = d.invite;
  const startField = inv ? inviteField(inv.start) : null;
  const endField = inv ? inviteField(inv.end) : null;
  return {
    spec: {
      from: { address: c.from_address, ...(c.from_name ? { name: c.from_name } : {}) },
      subject: d.subject,
      html,
      text: textAlternative(html),
      unsubscribeUrlPrefix: `${base}/api/public/dialer/u/`,
      pixelUrlPrefix: `${base}/api/public/dialer/o/`,
      ...(inv
        ? {
            invite: {
              summary: inv.summary,
              organizer: { email: inv.organizerEmail, ...(inv.organizerName ? { name: inv.organizerName } : {}) },
              ...(inv.description ? { description: inv.description } : {}),
              ...(inv.location ? { location: inv.location } : {}),
            },
          }
        : {}),
    },
    account,
    connections,
    envelopeFrom: c.from_address,
    messageIdDomain: c.from_address.slice(c.from_address.lastIndexOf('@') + 1),
    secret: new Uint8Array(deps.mailSecret),
    invite: !inv ? null : startField && endField ? { startField, endField } : { start: inv.start, end: inv.end },
    attachments: await runAttachments(deps, c.id),
  };
}
