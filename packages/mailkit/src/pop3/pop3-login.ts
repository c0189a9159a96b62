import { describeOAuthChallenge, OAUTH_ABORT, oauthInitialResponse, parseOAuthChallenge, SaslValueError, type OAuthChallenge, type OAuthMechanism } from '../sasl/oauth-bearer.ts';
import { redactSecret } from '../verify/failure-message.ts';
import type { Pop3Settings } from '../verify/types.ts';
import { Pop3Error } from './pop3-error.ts';
import { isOk, loginRefused, stripStatus } from './pop3-reply.ts';
import type { Pop3Wire } from './pop3-wire.ts';

/**
 * RFC 5034 §4: an AUTH command with its initial response must fit in 255
 * octets; a longer one (any Microsoft 365 token) is sent after an empty "+".
 */
export const MAX_AUTH_LINE = 255;
// A server that keeps sending "+" continuations is not going anywhere.
const MAX_SASL_ROUNDS = 3;

/**
 * Logs in on a greeted (and, if asked, STLS-upgraded) connection: USER/PASS
 * with a password, or SASL AUTH with an OAuth2 access token — OAUTHBEARER
 * when CAPA lists it, else XOAUTH2. A refused token comes back as
 * auth_failed with the server's reason (its OAuth challenge decoded), a
 * failure on the server's side as auth_unavailable; nothing the server echoes
 * carries the password or token. `caps` is the CAPA set before login.
 */
export async function pop3Login(wire: Pop3Wire, settings: Pop3Settings, caps: ReadonlySet<string> | undefined): Promise<void> {
  if (settings.accessToken !== undefined) return saslOAuth(wire, settings, settings.accessToken, caps);
  if (/[\r\n]/.test(settings.username + settings.password)) throw new Pop3Error('auth_failed', 'the username or password contains a line break');
  // the server's words go into the error: strike the password out, whatever echoed it
  const refused = (line: string): Pop3Error => loginRefused(redactSecret(line, settings.password, settings.username));
  const user = await wire.command(`USER ${settings.username}`);
  if (!isOk(user)) throw refused(user);
  const pass = await wire.command(`PASS ${settings.password}`);
  if (!isOk(pass)) throw refused(pass);
}

/**
 * Which OAuth mechanism to use: the standard one when offered, else
 * XOAUTH2 (what Gmail and Outlook's POP3 speak), which is also tried when
 * the server lists no SASL mechanisms at all. None when it lists some, but
 * neither of the two.
 */
export function pickOAuthMechanism(caps: ReadonlySet<string> | undefined): OAuthMechanism | undefined {
  if (caps?.has('SASL=OAUTHBEARER')) return 'OAUTHBEARER';
  if (caps?.has('SASL=XOAUTH2')) return 'XOAUTH2';
  return caps && [...caps].some((c) => c.startsWith('SASL=')) ? undefined : 'XOAUTH2';
}

async function saslOAuth(wire: Pop3Wire, settings: Pop3Settings, accessToken: string, caps: ReadonlySet<string> | undefined): Promise<void> {
  const mechanism = pickOAuthMechanism(caps);
  if (!mechanism) throw new Pop3Error('auth_failed', 'the server offers no OAuth2 login (SASL OAUTHBEARER or XOAUTH2)');
  let response: string;
  try {
    response = oauthInitialResponse(mechanism, { user: settings.username, accessToken, host: settings.host, port: settings.port });
  } catch (err) {
    if (err instanceof SaslValueError) throw new Pop3Error('auth_failed', err.message);
    throw err;
  }
  const scrub = (line: string): string => redactSecret(line, settings.password, settings.username, [accessToken, response]);

  const inline = `AUTH ${mechanism} ${response}`;
  let sent = inline.length + 2 <= MAX_AUTH_LINE;
  wire.send(sent ? inline : `AUTH ${mechanism}`);
  let challenge: OAuthChallenge | undefined;
  for (let round = 0; round <= MAX_SASL_ROUNDS; round++) {
    const reply = await wire.readLine();
    if (isOk(reply)) return;
    if (reply.startsWith('-ERR')) throw refusal(scrub(reply), challenge);
    if (!reply.startsWith('+')) break;
    if (!sent) {
      // the empty "+" that asks for the response we could not put on the AUTH line
      wire.send(response);
      sent = true;
    } else {
      // a refusal comes first as a challenge; the exchange must be ended before the -ERR arrives
      challenge = parseOAuthChallenge(reply.slice(1).trim()) ?? challenge;
      wire.send(OAUTH_ABORT[mechanism]);
    }
  }
  throw new Pop3Error('protocol_error', `the server did not finish AUTH ${mechanism}`);
}

// A -ERR to AUTH, classified like one to PASS, with the OAuth reason the server gave before it.
function refusal(line: string, challenge: OAuthChallenge | undefined): Pop3Error {
  const err = loginRefused(line);
  if (!challenge) return err;
  return new Pop3Error(err.code, err.message, `${stripStatus(line)} (${describeOAuthChallenge(challenge)})`);
}
