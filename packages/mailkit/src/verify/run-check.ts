import { classifyError, VerifyError } from './classify-error.ts';
import { failureMessage, type CheckTarget } from './failure-message.ts';
import { speaksImplicitTls } from './implicit-tls-probe.ts';
import type { CheckProtocol, CheckResult } from './types.ts';

/** Extra time the hard cap allows beyond the connection and login limits, for a graceful logout. */
export const HARD_CAP_GRACE_MS = 5_000;
/** How long a silent port is given to answer a TLS handshake (well inside the hard cap's grace). */
export const IMPLICIT_TLS_PROBE_MS = 3_000;

/** How a probe tells the runner where it is, so the right deadline applies. */
export interface CheckProgress {
  /** TCP, TLS/STARTTLS and the greeting are done: the connection deadline ends, the login deadline starts. */
  loggingIn(): void;
  /** Login (and the mailbox check) succeeded: the result is ok whatever the logout does. */
  verified(): void;
}

/** One protocol's side of a check: the work, and how to tear it down at once. */
export interface CheckProbe {
  run(progress: CheckProgress): Promise<void>;
  /** Destroys the socket now; called on every deadline and after every check, so it must be idempotent. */
  destroy(): void;
  /** For a library with no hook at the greeting: asked when the connection deadline passes. */
  greeted?(): boolean;
}

/**
 * Runs one probe under three timers — connection (TCP+TLS+greeting), login,
 * and a hard cap of both plus HARD_CAP_GRACE_MS that destroys the socket
 * whatever the library is doing — and turns the outcome into a CheckResult.
 * It never throws and never retries; every timer is cleared when it settles.
 */
export function runCheck(protocol: CheckProtocol, target: CheckTarget, probe: CheckProbe): Promise<CheckResult> {
  const started = Date.now();
  const where = `${target.host}:${target.port}`;
  const connectionMs = Math.max(1, target.connectionTimeoutSec * 1000);
  const authMs = Math.max(1, target.authTimeoutSec * 1000);
  type Phase = 'connecting' | 'login' | 'closing' | 'done';
  let phase: Phase = 'connecting';

  return new Promise<CheckResult>((resolve) => {
    let authTimer: NodeJS.Timeout | undefined;
    let probing = false;
    const finish = (err?: unknown): void => {
      if (phase === 'done') return;
      const verified = phase === 'closing';
      phase = 'done';
      clearTimeout(connectionTimer);
      clearTimeout(authTimer);
      clearTimeout(capTimer);
      try {
        probe.destroy();
      } catch {
        // tearing down must not turn a result into a throw
      }
      const durationMs = Date.now() - started;
      if (err === undefined || verified) {
        resolve({ protocol, ok: true, durationMs });
        return;
      }
      const code = classifyError(err);
      resolve({ protocol, ok: false, code, message: failureMessage(protocol, code, err, target), durationMs });
    };

    const loggingIn = (): void => {
      if (phase !== 'connecting') return;
      phase = 'login';
      clearTimeout(connectionTimer);
      authTimer = setTimeout(
        () => finish(new VerifyError('timeout', `login to ${where} did not complete within ${target.authTimeoutSec} s`)),
        authMs,
      );
    };
    const verified = (): void => {
      if (phase === 'done') return;
      phase = 'closing';
      clearTimeout(connectionTimer);
      clearTimeout(authTimer);
    };

    const connectionTimer = setTimeout(() => {
      if (probe.greeted?.() === true) return loggingIn();
      const silent = new VerifyError('timeout', `no answer from ${where} within ${target.connectionTimeoutSec} s`);
      if (target.security === undefined || target.security === 'tls') return finish(silent);
      // a plain or STARTTLS client waits for a greeting an implicit-TLS server never sends: ask it
      // in TLS; the library's own failure on the closed socket is not the answer any more
      probing = true;
      probe.destroy();
      void speaksImplicitTls(target.host, target.port, IMPLICIT_TLS_PROBE_MS).then((tls) =>
        finish(tls ? new VerifyError('tls_expected', `${where} answered a TLS handshake but sent no greeting in plain text`) : silent),
      );
    }, connectionMs);
    const capSec = Math.round((connectionMs + authMs + HARD_CAP_GRACE_MS) / 1000);
    const capTimer = setTimeout(
      () => finish(new VerifyError('timeout', `${where} did not finish within ${capSec} s; connection closed`)),
      connectionMs + authMs + HARD_CAP_GRACE_MS,
    );

    Promise.resolve()
      .then(() => probe.run({ loggingIn, verified }))
      .then(
        () => {
          if (!probing) finish();
        },
        (err: unknown) => {
          if (!probing) finish(err ?? new Error('check failed without an error'));
        },
      );
  });
}
