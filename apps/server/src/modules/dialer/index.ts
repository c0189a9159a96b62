// The email dialer: dialers bound to a campaign's SMTP account, validated
// lists imported whole, the send ledger and its runner, the dashboard.
// Only this module writes the dialer_* tables.
export { dialerRoutes } from './dialer.routes.ts';
export { dialerLinksRoutes } from './dialer-links.routes.ts';
export { startDialerRunner, type DialerRunner, type DialerRunnerDeps, type DialerRunnerOptions } from './dialer-runner.ts';
export { recordDialerReport, recordDialerReply, type DialerReportOutcome } from './dialer-inbound.ts';
export { dialerReplyOf, type DialerReplyRow } from './dialers.repo.ts';
