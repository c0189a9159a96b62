/**
 * The two SASL mechanisms that carry an OAuth2 bearer token: OAUTHBEARER
 * (RFC 7628, the standard) and XOAUTH2 (Google's older form, the one
 * Microsoft 365 and nodemailer speak). Both frame their fields with \x01.
 */
export type OAuthMechanism = 'OAUTHBEARER' | 'XOAUTH2';

/** Who logs in with which token, and where (OAUTHBEARER names the host and port it was sent to). */
export interface OAuthLogin {
  user: string;
  accessToken: string;
  host: string;
  port: number;
}

/**
 * What a server says when it refuses a token: the JSON it sends as a SASL
 * challenge before the final refusal (RFC 7628 §3.2.2; Google's XOAUTH2
 * sends the same keys), e.g. {"status":"invalid_token"} or
 * {"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}.
 */
export interface OAuthChallenge {
  status?: string;
  scope?: string;
  schemes?: string;
}

/**
 * What the client answers to that challenge to end the exchange: RFC 7628
 * asks for a lone \x01 (base64 "AQ=="), XOAUTH2 for an empty response.
 */
export const OAUTH_ABORT: Readonly<Record<OAuthMechanism, string>> = { OAUTHBEARER: 'AQ==', XOAUTH2: '' };

// A control character would end a \x01-framed field early and let the rest of
// the value become fields of its own (auth= included): RFC 7628 allows none.
const CONTROL = /[\x00-\x1f\x7f]/;

/** Why a login cannot even be framed: a caller's data problem, reported before anything is sent. */
export class SaslValueError extends Error {
  override readonly name = 'SaslValueError';
}

/**
 * The initial client response for the mechanism, base64-encoded as every
 * protocol sends it. Throws SaslValueError when the user or token contains a
 * control character (it could smuggle in fields of its own).
 */
export function oauthInitialResponse(mechanism: OAuthMechanism, login: OAuthLogin): string {
  if (CONTROL.test(login.user)) throw new SaslValueError('the username contains a control character');
  if (CONTROL.test(login.accessToken) || login.accessToken === '') throw new SaslValueError('the access token is empty or contains a control character');
  const fields =
    mechanism === 'OAUTHBEARER'
      ? // GS2 header (RFC 5801): "," and "=" in the authzid are escaped as =2C and =3D
        [`n,a=${login.user.replace(/=/g, '=3D').replace(/,/g, '=2C')},`, `host=${login.host}`, `port=${login.port}`, `auth=Bearer ${login.accessToken}`, '', '']
      : [`user=${login.user}`, `auth=Bearer ${login.accessToken}`, '', ''];
  return Buffer.from(fields.join('\x01'), 'utf8').toString('base64');
}

/** The most of a challenge we read: real ones are well under 200 bytes. */
const MAX_CHALLENGE = 4096;

/** Reads a server's failure challenge (base64 JSON); anything that is not such JSON gives undefined. */
export function parseOAuthChallenge(base64: string): OAuthChallenge | undefined {
  const text = base64.trim();
  if (text === '' || text.length > MAX_CHALLENGE || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  return toOAuthChallenge(json);
}

/**
 * Keeps the string fields of a decoded challenge (ours, or imapflow's
 * `oauthError`), each cut to one short printable line: the text is the
 * server's and ends up in messages an admin reads.
 */
export function toOAuthChallenge(value: unknown): OAuthChallenge | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const out: OAuthChallenge = {};
  for (const key of ['status', 'scope', 'schemes'] as const) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'string' || typeof v === 'number') out[key] = String(v).replace(/[^\x20-\x7e]/g, '').slice(0, 200);
  }
  return out.status !== undefined || out.scope !== undefined ? out : undefined;
}

/** A challenge in plain words for an error message: "OAuth status invalid_token, scope mail". */
export function describeOAuthChallenge(c: OAuthChallenge): string {
  const parts = [c.status !== undefined ? `OAuth status ${c.status}` : 'OAuth', ...(c.scope ? [`scope ${c.scope}`] : [])];
  return parts.join(', ');
}

/**
 * The shapes a bearer token can take in what a server or library echoes: the
 * token itself and the base64 initial responses that carry it, so an error
 * text can be scrubbed of all of them.
 */
export function tokenForms(login: OAuthLogin): string[] {
  const forms = [login.accessToken];
  for (const mechanism of ['OAUTHBEARER', 'XOAUTH2'] as const) {
    try {
      forms.push(oauthInitialResponse(mechanism, login));
    } catch {
      // a value that cannot be framed was never sent in that form
    }
  }
  return forms;
}
