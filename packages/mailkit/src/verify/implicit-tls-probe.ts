import { connect } from 'node:tls';

/**
 * Whether host:port completes a TLS handshake from the first byte (an
 * implicit-TLS port such as 993, 995 or 465). Asked only after a plain or
 * STARTTLS connection got no greeting there: such a server silently waits
 * for our ClientHello, so the admin would otherwise only see "no answer
 * within 10 s". The certificate is not judged here — only "it speaks TLS".
 */
export function speaksImplicitTls(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (yes: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(yes);
    };
    const socket = connect({ host, port, rejectUnauthorized: false, servername: isIpLiteral(host) ? undefined : host });
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

// SNI must not carry an IP address (RFC 6066 §3).
const isIpLiteral = (host: string): boolean => /^[\d.]+$/.test(host) || host.includes(':');
