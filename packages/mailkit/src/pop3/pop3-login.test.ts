import { describe, expect, it } from 'vitest';
import { pickOAuthMechanism } from './pop3-login.ts';

describe('pickOAuthMechanism', () => {
  it.each([
    ['both offered (Dovecot)', ['USER', 'SASL', 'SASL=PLAIN', 'SASL=XOAUTH2', 'SASL=OAUTHBEARER'], 'OAUTHBEARER'],
    ['XOAUTH2 only (Outlook)', ['USER', 'SASL', 'SASL=PLAIN', 'SASL=XOAUTH2'], 'XOAUTH2'],
    ['no SASL line: try XOAUTH2', ['USER', 'UIDL'], 'XOAUTH2'],
    ['no CAPA at all: try XOAUTH2', undefined, 'XOAUTH2'],
    ['SASL without an OAuth mechanism', ['USER', 'SASL', 'SASL=PLAIN', 'SASL=LOGIN'], undefined],
  ])('%s', (_name, caps, mechanism) => {
    expect(pickOAuthMechanism(caps ? new Set(caps) : undefined)).toBe(mechanism);
  });
});
