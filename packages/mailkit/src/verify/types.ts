/** How a client protects a connection: TLS from the first byte, an upgrade with STARTTLS/STLS, or none at all. */
export type Security = 'tls' | 'starttls' | 'none';

/** What an admin enters for a campaign's IMAP inbox; the check logs in and opens `mailbox`. */
export interface ImapSettings {
  host: string;
  port: number;
  security: Security;
  username: string;
  password: string;
  /**
   * When set, log in with this OAuth2 access token (SASL OAUTHBEARER, or XOAUTH2 when the server offers only that) as
   * `username` instead of the password, which is then ignored. The token is
   * never logged and is struck out of every message, like a password.
   */
  accessToken?: string;
  /** The folder the campaign reads, e.g. "INBOX"; a wrong name is reported as mailbox_not_found. */
  mailbox: string;
  /** Covers TCP, the TLS handshake (and STARTTLS) and the server greeting. */
  connectionTimeoutSec: number;
  /** Covers login and opening the mailbox. */
  authTimeoutSec: number;
  /** Verify the server certificate (default true); false only for test servers with a self-signed certificate. */
  tlsRejectUnauthorized?: boolean;
  /** PEM certificates trusted besides the system's (a private authority's); see tlsTrustOptions. */
  tlsCa?: string;
}

/** What an admin enters for a campaign's POP3 inbox. */
export interface Pop3Settings {
  host: string;
  port: number;
  security: Security;
  username: string;
  password: string;
  /**
   * When set, log in with this OAuth2 access token (SASL OAUTHBEARER, or XOAUTH2 when the server offers only that) as
   * `username` instead of the password, which is then ignored. The token is
   * never logged and is struck out of every message, like a password.
   */
  accessToken?: string;
  /** Covers TCP, the TLS handshake (and STLS) and the server greeting. */
  connectionTimeoutSec: number;
  /** Covers USER/PASS. */
  authTimeoutSec: number;
  /** Verify the server certificate (default true); false only for test servers with a self-signed certificate. */
  tlsRejectUnauthorized?: boolean;
  /** PEM certificates trusted besides the system's (a private authority's); see tlsTrustOptions. */
  tlsCa?: string;
}

/** What an admin enters for a campaign's outgoing SMTP server. */
export interface SmtpSettings {
  host: string;
  port: number;
  security: Security;
  /** Whether to log in at all; a relay that trusts the network needs none. */
  auth: boolean;
  username: string;
  password: string;
  /**
   * When set, log in with this OAuth2 access token (SASL XOAUTH2, the one Gmail, Microsoft 365 and nodemailer share) as
   * `username` instead of the password, which is then ignored. The token is
   * never logged and is struck out of every message, like a password.
   */
  accessToken?: string;
  /** Covers TCP, TLS, greeting, EHLO and STARTTLS; SMTP has no separate setting, so login gets the same time again. */
  connectionTimeoutSec: number;
  /** Verify the server certificate (default true); false only for test servers with a self-signed certificate. */
  tlsRejectUnauthorized?: boolean;
  /** PEM certificates trusted besides the system's (a private authority's); see tlsTrustOptions. */
  tlsCa?: string;
}

/** Stable reasons a check failed, so the admin UI can show a hint per cause without parsing messages. */
export type ConnectionErrorCode =
  | 'auth_failed'
  // the server could not complete the login now (its password or token check, or the mailbox,
  // failed on its side: IMAP [UNAVAILABLE], POP3 [SYS/TEMP], SMTP 454); try again later
  | 'auth_unavailable'
  | 'connection_refused'
  | 'host_not_found'
  | 'timeout'
  | 'tls_failed'
  // a plain or STARTTLS connection to a port that speaks TLS from the first byte (993, 995, 465)
  | 'tls_expected'
  | 'starttls_unavailable'
  | 'mailbox_not_found'
  | 'protocol_error';

/** The mail protocols a campaign can be checked against. */
export type CheckProtocol = 'imap' | 'pop3' | 'smtp';

/** The outcome of one check: never thrown, always returned, so a failure is data the admin sees. */
export interface CheckResult {
  protocol: CheckProtocol;
  ok: boolean;
  code?: ConnectionErrorCode;
  /** Plain words naming the protocol and the cause; never contains the password. */
  message?: string;
  durationMs: number;
}
