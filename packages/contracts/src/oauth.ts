import { z } from 'zod';

// OAuth2 mailboxes: the providers an admin registered, the sign-ins that
// connect a campaign's mailbox, and the signed-in accounts' state.

export const oauthProviderKindSchema = z.enum(['google', 'microsoft', 'oidc']);
/** Google (Workspace, Gmail), Microsoft 365 (Entra ID), or any OpenID Connect provider. */
export type OAuthProviderKind = z.infer<typeof oauthProviderKindSchema>;

export const oauthProviderSchema = z.object({
  id: z.string(),
  kind: oauthProviderKindSchema,
  name: z.string(),
  /** Where the provider's discovery document is (for Microsoft, built from the tenant). */
  issuer: z.string(),
  /** Microsoft only: the tenant id or domain, or organizations / common for multi-tenant. */
  tenant: z.string().nullable(),
  clientId: z.string(),
  /** The secret itself never leaves the server. */
  hasClientSecret: z.boolean(),
  scopes: z.string(),
  /** Campaigns signed in through it (a provider in use cannot be deleted). */
  accounts: z.number(),
  updatedAt: z.string(),
});
/** An app registration at a provider, as the settings screen shows it. */
export type OAuthProvider = z.infer<typeof oauthProviderSchema>;
export const oauthProviderListSchema = z.object({
  items: z.array(oauthProviderSchema),
  /**
   * The callback to register at every provider: POSTDESK_PUBLIC_URL +
   * /api/oauth/callback. Null when POSTDESK_PUBLIC_URL is not set: no
   * sign-in can start then (a request's Host is never trusted for it).
   */
  redirectUri: z.string().nullable(),
  /** What each kind asks for unless the admin changes it. */
  defaultScopes: z.record(oauthProviderKindSchema, z.string()),
});

export const oauthAccountStateSchema = z.enum(['ok', 'backoff', 'sign_in_needed']);
/** ok; backoff (the provider did not answer a refresh, tried again later); sign_in_needed (consent revoked or the grant expired). */
export type OAuthAccountState = z.infer<typeof oauthAccountStateSchema>;

export const oauthAccountSchema = z.object({
  id: z.string(),
  providerId: z.string(),
  providerName: z.string(),
  providerKind: oauthProviderKindSchema,
  /** The address that signed in (the mailbox's address may differ: shared mailboxes, delegation). */
  email: z.string(),
  state: oauthAccountStateSchema,
  /** The provider's reason for the last failed refresh. */
  error: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
});
/** A signed-in grant a campaign's mailbox uses. */
export type OAuthAccount = z.infer<typeof oauthAccountSchema>;

export const oauthSignInStartedSchema = z.object({
  id: z.string(),
  /** Open this in a popup: the provider's sign-in and consent pages. */
  url: z.string(),
  expiresAt: z.string(),
});
/** A started sign-in. */
export type OAuthSignInStarted = z.infer<typeof oauthSignInStartedSchema>;

export const oauthSignInSchema = z.object({
  id: z.string(),
  state: z.enum(['pending', 'completed', 'failed', 'expired']),
  account: oauthAccountSchema.nullable(),
  /** Why it was refused: wrong or replayed state, another client's code, another address, the provider's own error. */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
/** What became of a sign-in: the console polls this while the provider's pages are open. */
export type OAuthSignIn = z.infer<typeof oauthSignInSchema>;

// Requests

const Text = (max: number) => z.string().trim().min(1, 'required').max(max, `at most ${max} characters`).regex(/^[^\r\n\0]*$/, 'no line breaks');

/** Saving a provider: the secret is write-only (omitted on update keeps the stored one). */
export const oauthProviderInputSchema = z
  .strictObject({
    kind: oauthProviderKindSchema,
    name: Text(80),
    /** OpenID Connect only: the issuer, whose /.well-known/openid-configuration describes it. */
    issuer: z.string().trim().max(500, 'at most 500 characters').default(''),
    /** Microsoft only: tenant id or domain; organizations (any work account) or common (work and personal) for multi-tenant. */
    tenant: z.string().trim().max(100, 'at most 100 characters').regex(/^[A-Za-z0-9.-]*$/, 'a tenant id, a domain, organizations or common').default(''),
    clientId: Text(500),
    clientSecret: z.string().max(2000, 'at most 2000 characters').optional(),
    scopes: z.string().trim().max(1000, 'at most 1000 characters').regex(/^[\x21-\x7e ]*$/, 'scopes are printable words separated by spaces').default(''),
  })
  .superRefine((p, ctx) => {
    if (p.kind === 'oidc') {
      let ok = false;
      try {
        const u = new URL(p.issuer);
        ok = (u.protocol === 'https:' || u.protocol === 'http:') && !u.search && !u.hash;
      } catch {
        ok = false;
      }
      if (!ok) ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'the issuer URL, e.g. https://id.example.com/realms/mail' });
    }
  });
/** A provider as an admin enters it. */
export type OAuthProviderInput = z.input<typeof oauthProviderInputSchema>;

/** Starting a sign-in: with which provider, for which account (signing in again) and for which address, if pinned. */
export const oauthSignInInputSchema = z.strictObject({
  providerId: z.uuid(),
  /** Signing in again for an account a campaign uses: the new grant replaces its tokens, and its mail resumes. */
  accountId: z.uuid().optional(),
  /** When set, an ID token for any other address is refused (also sent as login_hint). */
  expectedEmail: z.string().trim().max(320).email('not an email address').optional(),
});
export type OAuthSignInInput = z.infer<typeof oauthSignInInputSchema>;

/** The provider's redirect back: code and state, or error. Unknown parameters are ignored. */
export const oauthCallbackQuerySchema = z.object({
  code: z.string().max(4096).optional(),
  state: z.string().max(512).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(1000).optional(),
  iss: z.string().max(500).optional(),
});
