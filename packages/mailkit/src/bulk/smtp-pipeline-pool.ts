import { SmtpPipeline, SmtpPipelineError, type PipelineAccount, type PipelineMessage, type PipelineResult } from './smtp-pipeline.ts';

interface Slot {
  session: SmtpPipeline | null;
  opening: Promise<SmtpPipeline | SmtpPipelineError> | null;
  queued: number;
}

/**
 * Several pipelined connections to one account, opened on first use and
 * again after one closes: a message goes to the connection with the fewest
 * messages waiting. A failure to open is returned as every waiting message's
 * result (account scope, not sent); the caller decides when to try again.
 */
export class SmtpPipelinePool {
  readonly #slots: Slot[];
  #closed = false;

  constructor(
    private readonly account: PipelineAccount,
    connections: number,
  ) {
    this.#slots = Array.from({ length: Math.max(1, connections) }, () => ({ session: null, opening: null, queued: 0 }));
  }

  /** Sends one message on the least busy connection; never rejects. */
  async send(msg: PipelineMessage): Promise<PipelineResult> {
    if (this.#closed) return { ok: false, permanent: false, scope: 'account', code: 'aborted', response: 'the sender is closed', delivery: 'not_sent' };
    const slot = this.#pick();
    slot.queued++;
    try {
      const session = slot.session?.isOpen ? slot.session : await this.#open(slot);
      if (session instanceof SmtpPipelineError) return { ...session.failure, delivery: 'not_sent' };
      return await session.send(msg);
    } finally {
      slot.queued--;
    }
  }

  /** Messages handed in and not yet answered, over all connections. */
  get pending(): number {
    return this.#slots.reduce((n, s) => n + s.queued, 0);
  }

  /** Closes every connection after the messages already handed in (QUIT). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      this.#slots.map(async (s) => {
        const session = s.session ?? (s.opening ? await s.opening : null);
        if (session instanceof SmtpPipeline) await session.close().catch(() => session.destroy());
      }),
    );
  }

  /** Drops every connection at once. */
  destroy(): void {
    this.#closed = true;
    for (const s of this.#slots) s.session?.destroy();
  }

  #pick(): Slot {
    let best = this.#slots[0]!;
    for (const s of this.#slots) {
      // an idle slot without a connection is worth opening before queueing behind a busy one
      if (s.queued < best.queued) best = s;
    }
    return best;
  }

  async #open(slot: Slot): Promise<SmtpPipeline | SmtpPipelineError> {
    if (!slot.opening) {
      slot.opening = SmtpPipeline.open(this.account).then(
        (session) => {
          slot.session = session;
          slot.opening = null;
          return session;
        },
        (err: unknown) => {
          slot.opening = null;
          return err instanceof SmtpPipelineError
            ? err
            : new SmtpPipelineError({ ok: false, permanent: false, scope: 'account', code: 'connection_failed', response: String(err) });
        },
      );
    }
    return slot.opening;
  }
}
