import { X509Certificate } from 'node:crypto';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

// A private authority's bundle is a few certificates; anything larger is not one.
const MAX_PEM_CHARS = 64 * 1024;
const BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----/g;

/** Who a mail connection trusts: the system's authorities plus, when given, a private one's certificates (PEM). */
export interface TlsTrust {
  /** Verify the server certificate (default true); false only for test servers with a self-signed certificate. */
  tlsRejectUnauthorized?: boolean;
  /** PEM certificates trusted besides the system's: the private authority that signed the mail server's certificate. */
  tlsCa?: string;
}

/**
 * The TLS options of a mail connection. A private authority is added to
 * Node's own list, never instead of it: one campaign may read mail from a
 * server of its own and send through a public provider.
 */
export function tlsTrustOptions(t: TlsTrust): { rejectUnauthorized: boolean; secureContext?: SecureContext } {
  const pem = t.tlsCa?.trim();
  return { rejectUnauthorized: t.tlsRejectUnauthorized ?? true, ...(pem ? { secureContext: trustContext(pem) } : {}) };
}

// Reading the system's ~150 authorities costs tens of milliseconds: done once
// per distinct private authority, not on every connection.
const contexts = new Map<string, SecureContext>();
const MAX_CONTEXTS = 64;

function trustContext(pem: string): SecureContext {
  let ctx = contexts.get(pem);
  if (!ctx) {
    ctx = createSecureContext({ ca: [...rootCertificates, pem] });
    if (contexts.size >= MAX_CONTEXTS) contexts.delete(contexts.keys().next().value!);
    contexts.set(pem, ctx);
  }
  return ctx;
}

/**
 * Checks text meant as trusted certificates: one or more PEM CERTIFICATE
 * blocks, each a certificate Node can read, and nothing else (a private key
 * pasted by mistake is refused, not stored). The normalised PEM, or why not.
 */
export function parseCaPem(text: string): { ok: true; pem: string; count: number } | { ok: false; reason: string } {
  if (text.length > MAX_PEM_CHARS) return { ok: false, reason: `longer than ${MAX_PEM_CHARS} characters` };
  const blocks = text.match(BLOCK) ?? [];
  if (blocks.length === 0) return { ok: false, reason: 'no PEM certificate (-----BEGIN CERTIFICATE-----) found' };
  if (text.replace(BLOCK, '').trim() !== '') return { ok: false, reason: 'only PEM certificates may be given (found other text, such as a key)' };
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return { ok: false, reason: `certificate ${i + 1} cannot be read` };
    }
  }
  return { ok: true, pem: blocks.map((b) => b.replace(/\r\n/g, '\n')).join('\n') + '\n', count: blocks.length };
}
