import type { CheckResult } from '@postdesk/mailkit/verify';
import type { Deps } from '../../deps.ts';
import type { ConnectionTarget } from './connection-checker.ts';

/**
 * Runs the connection checks and scrubs every message of the passwords
 * used, so a server that echoes a secret back cannot leak it into the API,
 * the database or a log line.
 */
export async function runChecks(deps: Pick<Deps, 'checker' | 'metrics' | 'log'>, target: ConnectionTarget): Promise<CheckResult[]> {
  const secrets = [target.inbound?.password, target.smtp?.password, target.inbound?.accessToken, target.smtp?.accessToken].filter((s): s is string => !!s && s.length >= 3);
  const results = await deps.checker.check(target);
  return results.map((r) => {
    deps.metrics.connectionChecks.inc({ protocol: r.protocol, result: r.ok ? 'ok' : (r.code ?? 'failed') });
    let message = r.message;
    for (const s of secrets) if (message) message = message.split(s).join('***');
    return { ...r, message };
  });
}
