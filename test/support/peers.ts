import { existsSync } from 'node:fs';

/**
 * Where a real peer (Dovecot, Postfix tools, Chromium) is missing, a suite is
 * skipped with a message naming the Debian package; in CI (or with
 * POSTDESK_REQUIRE_PEERS=1) a missing peer fails instead, so CI can never pass
 * by skipping.
 */
export interface PeerCheck {
  available: boolean;
  reason: string;
}

const peers = {
  dovecot: { bin: ['/usr/sbin/dovecot'], pkg: 'dovecot-imapd dovecot-pop3d' },
  'smtp-sink': { bin: ['/usr/sbin/smtp-sink'], pkg: 'postfix' },
  chromium: { bin: ['/usr/bin/chromium'], pkg: 'chromium' },
  postgresql: { bin: ['/usr/lib/postgresql'], pkg: 'postgresql' },
} as const;

export type PeerName = keyof typeof peers;

export const peersRequired = (): boolean =>
  process.env.CI === 'true' || process.env.POSTDESK_REQUIRE_PEERS === '1';

/** Reports whether a peer's binary is installed, and throws in CI when it is not. */
export function checkPeer(name: PeerName): PeerCheck {
  const peer = peers[name];
  const available = peer.bin.every((b) => existsSync(b));
  const reason = available
    ? ''
    : `${name} is not installed: run scripts/install-test-peers.sh (Debian packages: ${peer.pkg})`;
  if (!available && peersRequired()) {
    throw new Error(`required test peer missing in CI: ${reason}`);
  }
  if (!available) console.warn(`[skip] ${reason}`);
  return { available, reason };
}
