// OAuth2 mailboxes: providers an admin registered, signed-in accounts and
// their tokens. Other modules get a campaign's access token through here;
// only this module writes oauth_providers, oauth_accounts, oauth_sign_ins.
export { accessTokenFor, OAuthTokenError, type TokenDeps } from './access-token.ts';
export { describeAccounts } from './describe-accounts.ts';
export { createOAuthRuntime, type OAuthRuntime } from './oauth-runtime.ts';
export { startTokenRefresher, type TokenRefresher } from './token-refresher.ts';
