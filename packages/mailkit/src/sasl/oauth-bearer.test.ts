import { describe, expect, it } from 'vitest';
import { describeOAuthChallenge, oauthInitialResponse, parseOAuthChallenge, SaslValueError, tokenForms, toOAuthChallenge, type OAuthLogin } from './oauth-bearer.ts';

const login: OAuthLogin = { user: 'support@example.test', accessToken: 'ya29.a0-token_value', host: 'imap.example.test', port: 993 };
const decode = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');

describe('oauthInitialResponse', () => {
  it('frames XOAUTH2 as Google documents it', () => {
    expect(decode(oauthInitialResponse('XOAUTH2', login))).toBe('user=support@example.test\x01auth=Bearer ya29.a0-token_value\x01\x01');
  });
  it('frames OAUTHBEARER per RFC 7628 with the host and port it is sent to', () => {
    expect(decode(oauthInitialResponse('OAUTHBEARER', login))).toBe(
      'n,a=support@example.test,\x01host=imap.example.test\x01port=993\x01auth=Bearer ya29.a0-token_value\x01\x01',
    );
  });
  it('escapes "," and "=" in the OAUTHBEARER authzid (RFC 5801)', () => {
    expect(decode(oauthInitialResponse('OAUTHBEARER', { ...login, user: 'a=b,c@x.test' }))).toMatch(/^n,a=a=3Db=2Cc@x\.test,\x01/);
  });
  it.each([
    ['a control character in the user', { user: 'x@y.test\x01auth=Bearer evil' }],
    ['a line break in the user', { user: 'x@y.test\r\nQUIT' }],
    ['a control character in the token', { accessToken: 'tok\x01user=other@y.test' }],
    ['an empty token', { accessToken: '' }],
  ])('refuses %s before anything is sent', (_name, over) => {
    for (const mechanism of ['XOAUTH2', 'OAUTHBEARER'] as const) {
      expect(() => oauthInitialResponse(mechanism, { ...login, ...over })).toThrow(SaslValueError);
    }
  });
});

describe('parseOAuthChallenge', () => {
  const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
  it.each([
    ['Dovecot OAUTHBEARER', b64('{"status":"invalid_token"}'), { status: 'invalid_token' }],
    ['Dovecot / Google XOAUTH2', b64('{"status":"401","schemes":"bearer","scope":"mail"}'), { status: '401', schemes: 'bearer', scope: 'mail' }],
    ['a numeric status', b64('{"status":400,"scope":"https://mail.google.com/"}'), { status: '400', scope: 'https://mail.google.com/' }],
    ['control characters in a value are dropped', b64('{"status":"bad\\u001b[31m\\r\\ntoken"}'), { status: 'bad[31mtoken' }],
    ['other keys are ignored', b64('{"status":"invalid_token","debug":{"x":1}}'), { status: 'invalid_token' }],
  ])('reads %s', (_name, input, out) => {
    expect(parseOAuthChallenge(input)).toEqual(out);
  });
  it.each([
    ['empty', ''],
    ['not base64', 'not base64!'],
    ['not JSON', b64('Authentication failed')],
    ['a JSON array', b64('["invalid_token"]')],
    ['JSON without status or scope', b64('{"schemes":"bearer"}')],
    ['too long', b64(`{"status":"${'x'.repeat(5000)}"}`)],
  ])('gives undefined for %s', (_name, input) => {
    expect(parseOAuthChallenge(input)).toBeUndefined();
  });
  it('cuts a value to 200 characters', () => {
    expect(toOAuthChallenge({ status: 'y'.repeat(500) })?.status).toHaveLength(200);
  });
});

describe('describeOAuthChallenge', () => {
  it.each([
    [{ status: 'invalid_token' }, 'OAuth status invalid_token'],
    [{ status: '401', scope: 'mail', schemes: 'bearer' }, 'OAuth status 401, scope mail'],
    [{ scope: 'mail' }, 'OAuth, scope mail'],
  ])('says %j as %j', (c, text) => {
    expect(describeOAuthChallenge(c)).toBe(text);
  });
});

describe('tokenForms', () => {
  it('lists the token and both initial responses that carry it', () => {
    expect(tokenForms(login)).toEqual([login.accessToken, oauthInitialResponse('OAUTHBEARER', login), oauthInitialResponse('XOAUTH2', login)]);
  });
  it('lists only the token when it cannot be framed', () => {
    expect(tokenForms({ ...login, user: 'bad\x01user' })).toEqual([login.accessToken]);
  });
});
