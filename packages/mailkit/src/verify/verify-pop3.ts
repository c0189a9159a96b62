import type net from 'node:net';
import { connectPop3 as connect, readCapabilities as capabilities } from '../pop3/pop3-wire.ts';
import { pop3Login } from '../pop3/pop3-login.ts';
import { stripStatus } from '../pop3/pop3-reply.ts';
import { VerifyError } from './classify-error.ts';
import { runCheck } from './run-check.ts';
import type { CheckResult, Pop3Settings } from './types.ts';

const QUIT_MS = 1_000;

/**
 * Checks a POP3 account: connect (TLS from the first byte, or STLS), log in
 * with USER/PASS or an OAuth2 token (pop3Login, as sync does), QUIT. A small client of our own rather than node-pop3,
 * which has no STLS and reads one reply per TCP packet. Bounded in time,
 * never throws, never retries; with security 'none' it never sends the
 * password when the server's CAPA says plaintext login is off.
 */
export function verifyPop3(settings: Pop3Settings): Promise<CheckResult> {
  const sockets: net.Socket[] = [];
  return runCheck(
    'pop3',
    { ...settings },
    {
      destroy: () => {
        for (const s of sockets) s.destroy();
      },
      run: async (progress) => {
        const wire = await connect(settings, sockets);
        const greeting = await wire.readLine();
        if (!greeting.startsWith('+OK')) throw new VerifyError('protocol_error', 'the server did not greet with +OK', greeting);

        let caps = await capabilities(wire);
        if (settings.security === 'starttls') {
          if (caps && !caps.has('STLS')) throw new VerifyError('starttls_unavailable', 'STLS is not in CAPA');
          const reply = await wire.command('STLS');
          if (!reply.startsWith('+OK')) throw new VerifyError('starttls_unavailable', 'the server refused STLS', stripStatus(reply));
          await wire.upgrade(settings, sockets);
          caps = await capabilities(wire);
        }
        if (settings.security === 'none' && caps && !caps.has('USER') && caps.has('STLS')) {
          throw new VerifyError('tls_failed', 'the server requires TLS before login');
        }

        progress.loggingIn();
        await pop3Login(wire, settings, caps);
        progress.verified();

        await wire.quit(QUIT_MS);
      },
    },
  );
}
