// The API's shapes, one source for the server (request validation, response
// serialisation, OpenAPI) and the console (types, parsing what arrives).
// Plain zod schemas only — no transforms — so the server can encode with them
// cheaply and the browser can parse with them under a CSP without eval.
export * from './common.ts';
export * from './users.ts';
export * from './campaigns.ts';
export * from './oauth.ts';
export * from './members.ts';
export * from './content.ts';
export * from './mailboxes.ts';
export * from './routing.ts';
export * from './realtime.ts';
export * from './workspace.ts';
export * from './dialer.ts';
export * from './campaign-defaults.ts';
export * from './records.ts';
export * from './reports.ts';
