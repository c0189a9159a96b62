import { normalizeAddress } from '../parse/address.ts';
import type { ParsedMessage, ParsedPart } from '../parse/types.ts';
import { findFailedRecipients, findOriginalMessageIds } from './report-references.ts';
import {
  AUTO_REPLY_HEADERS,
  AUTO_REPLY_SUBJECTS_STRONG,
  AUTO_REPLY_SUBJECTS_WEAK,
  BOUNCE_BODY_HINTS,
  BOUNCE_BODY_MARKERS,
  BOUNCE_SUBJECTS,
  DAEMON_LOCAL_PART,
  DAEMON_NAME,
  FEEDBACK_SUBJECTS,
  LIST_MANAGER_HEADERS,
  LIST_MANAGER_LOCAL_PART,
  POSTMASTER_LOCAL_PART,
  REPLY_PREFIX,
  SUPPRESS_AUTO_REPLY,
} from './signals.ts';
import type { Classification, ClassificationKind, ClassifyContext } from './types.ts';

const EMBEDDED = new Set(['message/rfc822', 'message/global']);
// How much body text the heuristics read: reports put their evidence first.
const BODY_SCAN_CHARS = 256 * 1024;

/** What the rules look at, computed once. */
interface Facts {
  msg: ParsedMessage;
  /** Parts outside any embedded message: a forwarded report inside a customer's mail must not count. */
  outer: ParsedPart[];
  reportType: string;
  header: (name: string) => string | undefined;
  has: (name: string) => boolean;
  fromLocal: string;
  fromName: string;
  nullReturnPath: boolean;
  /** Auto-Submitted present with any value but "no" (RFC 3834 5). */
  autoSubmitted: string | null;
  precedence: string;
  subject: string;
  isReply: boolean;
  body: string;
  hasOuterPart: (...types: string[]) => boolean;
}

function gatherFacts(msg: ParsedMessage): Facts {
  const embedded = msg.parts.filter((p) => EMBEDDED.has(p.contentType));
  const inside = (p: ParsedPart): boolean => embedded.some((e) => e !== p && (e.path === '' || p.path.startsWith(`${e.path}.`)));
  const outer = msg.parts.filter((p) => !inside(p));
  const header = (name: string): string | undefined => msg.headers.find((h) => h.name === name)?.value;
  // A gateway may wrap the report in multipart/mixed, so any outer report counts.
  const report = outer.find((p) => p.contentType === 'multipart/report');
  const from = msg.from;
  const at = from?.address.lastIndexOf('@') ?? -1;
  const autoSubmitted = (header('auto-submitted') ?? '').trim().toLowerCase().split(/[\s;(]/)[0] ?? '';
  // The text a person would read: the message's text (HTML already converted),
  // plain-text parts left out of it (attachments, parts of a multipart/report),
  // and the raw body of a multipart whose boundary never appears.
  const mainText = (msg.text ?? '').slice(0, BODY_SCAN_CHARS);
  const readable = outer.filter((p) => p.contentType !== 'text/html' && (p.contentType.startsWith('text/') || p.contentType.startsWith('multipart/')) && p.text && p.text !== msg.text);
  const text = [mainText, ...readable.map((p) => p.text!)].join('\n');
  const types = new Set(outer.map((p) => p.contentType));
  return {
    msg,
    outer,
    reportType: (report?.params['report-type'] ?? '').toLowerCase(),
    header,
    has: (name) => msg.headers.some((h) => h.name === name),
    fromLocal: from ? (at >= 0 ? from.address.slice(0, at) : from.address) : '',
    fromName: from?.name ?? '',
    nullReturnPath: msg.returnPath === '',
    autoSubmitted: autoSubmitted && autoSubmitted !== 'no' ? autoSubmitted : null,
    precedence: (header('precedence') ?? '').trim().toLowerCase(),
    subject: msg.subject.trim(),
    isReply: REPLY_PREFIX.test(msg.subject),
    body: text.slice(0, BODY_SCAN_CHARS),
    hasOuterPart: (...wanted) => wanted.some((t) => types.has(t)),
  };
}

const matchesAny = (patterns: readonly RegExp[], text: string): boolean => patterns.some((p) => p.test(text));

/** A verdict from one rule; null when the rule does not apply. */
type Rule = (f: Facts, ctx: ClassifyContext) => { kind: Exclude<ClassificationKind, 'customer'>; reason: string } | null;

const bounceSubject = (f: Facts): boolean => !f.isReply && matchesAny(BOUNCE_SUBJECTS, f.subject);
const bounceBody = (f: Facts): boolean => matchesAny(BOUNCE_BODY_MARKERS, f.body);
/** The original message or its header attached, as bounces and complaints do. */
const carriesOriginal = (f: Facts): boolean => f.hasOuterPart('message/rfc822', 'message/global', 'text/rfc822-headers', 'message/global-headers');
/** For mail already known to be automatic: a failure report, or some other automatic mail. */
const bounceOrAutoReply = (f: Facts): 'bounce' | 'auto_reply' =>
  bounceSubject(f) || bounceBody(f) || matchesAny(BOUNCE_BODY_HINTS, f.body) ? 'bounce' : 'auto_reply';

const daemonSender = (f: Facts): boolean =>
  DAEMON_LOCAL_PART.test(f.fromLocal) || DAEMON_NAME.test(f.fromName) || (f.header('from') ?? '').trim() === '<>';

// Amazon SES event notifications delivered by SNS e-mail subscriptions.
const SES_TYPE = /"notificationType"\s*:\s*"(\w+)"/;

/**
 * The rules in order; the first that applies decides. Structural evidence
 * (a report MIME type) comes first because it is unambiguous; heuristics
 * that could match a person's mail come last and need two pieces of evidence.
 */
const RULES: readonly Rule[] = [
  // Our own mail coming back (a Bcc to the campaign mailbox, a list echo, a
  // loop). Both must match: agents' replies use our address but customers
  // quoting it do not reuse our Message-ID. Forgeable, like any header: it
  // guards against loops, it does not authenticate.
  (f, ctx) => {
    const from = f.msg.from ? normalizeAddress(f.msg.from.address) : '';
    const idDomain = (f.msg.messageId ?? '').split('@').pop()?.toLowerCase() ?? '';
    const own = from !== '' && ctx.ownAddresses.some((a) => normalizeAddress(a) === from);
    const ownId = idDomain !== '' && ctx.ownMessageIdDomains.some((d) => d.toLowerCase() === idDomain);
    return own && ownId ? { kind: 'own', reason: 'sent by Postdesk: our From address and our Message-ID domain' } : null;
  },
  // RFC 5965 Abuse Reporting Format.
  (f) =>
    f.reportType === 'feedback-report' || f.hasOuterPart('message/feedback-report')
      ? { kind: 'feedback', reason: 'ARF feedback report (multipart/report; report-type=feedback-report)' }
      : null,
  // Microsoft's JMRP complaints carry the original with this header and no ARF part.
  (f) =>
    f.outer.some((p) => EMBEDDED.has(p.contentType) && /^x-hmxmroriginalrecipient\s*:/im.test(p.text ?? '')) || (matchesAny(FEEDBACK_SUBJECTS, f.subject) && carriesOriginal(f))
      ? { kind: 'feedback', reason: 'Microsoft JMRP complaint (original attached with X-HmXmrOriginalRecipient)' }
      : null,
  // Apple Mail's one-tap unsubscribe answers a List-Unsubscribe mailto: it is an opt-out.
  (f) => (/^true/i.test(f.header('x-apple-unsubscribe') ?? '') ? { kind: 'feedback', reason: 'unsubscribe request sent by Apple Mail (X-Apple-Unsubscribe)' } : null),
  // RFC 3464 delivery status notification, also when a gateway wraps it in multipart/mixed.
  (f) =>
    f.reportType === 'delivery-status' || f.hasOuterPart('message/delivery-status', 'message/global-delivery-status')
      ? { kind: 'bounce', reason: 'delivery status notification (message/delivery-status part)' }
      : null,
  // Amazon SES notifications through SNS: Bounce, Complaint, Delivery.
  (f) => {
    if (!f.has('x-amz-sns-message-id')) return null;
    const type = SES_TYPE.exec(f.body)?.[1]?.toLowerCase();
    if (type === 'bounce') return { kind: 'bounce', reason: 'Amazon SES bounce notification' };
    if (type === 'complaint') return { kind: 'feedback', reason: 'Amazon SES complaint notification' };
    return { kind: 'auto_reply', reason: 'Amazon SNS notification' };
  },
  // RFC 8098 read receipts: automatic answers, not failures.
  (f) =>
    f.reportType === 'disposition-notification' || f.hasOuterPart('message/disposition-notification', 'message/global-disposition-notification')
      ? { kind: 'auto_reply', reason: 'read receipt (message/disposition-notification)' }
      : null,
  // Exim and others add X-Failed-Recipients to bounces only.
  (f) => (f.has('x-failed-recipients') ? { kind: 'bounce', reason: 'X-Failed-Recipients header' } : null),
  // MAILER-DAEMON and friends: no person sends from these.
  (f) => (daemonSender(f) ? { kind: 'bounce', reason: `sent by a mail daemon (${f.msg.from?.address || f.fromName || '<>'})` } : null),
  // A list manager's notice about a message sent to the list (rejection, loop alert).
  (f) =>
    LIST_MANAGER_LOCAL_PART.test(f.fromLocal) && LIST_MANAGER_HEADERS.some((h) => f.has(h)) && (f.msg.references.length > 0 || f.msg.inReplyTo.length > 0 || bounceBody(f))
      ? { kind: 'bounce', reason: 'a mailing-list manager\'s notice about a message sent to the list' }
      : null,
  // postmaster@ with any other sign of a report.
  (f) =>
    POSTMASTER_LOCAL_PART.test(f.fromLocal) &&
    (f.nullReturnPath || f.autoSubmitted !== null || bounceSubject(f) || bounceBody(f) || matchesAny(BOUNCE_BODY_HINTS, f.body) || carriesOriginal(f))
      ? { kind: 'bounce', reason: `report from ${f.msg.from?.address ?? 'postmaster'}` }
      : null,
  // A bounce subject, and something only mail software adds.
  (f) =>
    bounceSubject(f) && (f.nullReturnPath || f.autoSubmitted !== null || bounceBody(f) || carriesOriginal(f) || f.precedence === 'junk')
      ? { kind: 'bounce', reason: `bounce subject "${f.subject.slice(0, 60)}" with report evidence` }
      : null,
  // RFC 3834: Auto-Submitted with any value but "no".
  (f) => (f.autoSubmitted !== null ? { kind: bounceOrAutoReply(f), reason: `Auto-Submitted: ${f.autoSubmitted}` } : null),
  // Precedence values only machines set (bulk and list: see mayAutoReply).
  (f) =>
    f.precedence === 'junk' || f.precedence === 'auto_reply' || f.precedence === 'auto-reply'
      ? { kind: bounceOrAutoReply(f), reason: `Precedence: ${f.precedence}` }
      : null,
  (f) => {
    const hit = AUTO_REPLY_HEADERS.find((h) => {
      const v = f.header(h.name);
      return v !== undefined && h.when.test(v.trim());
    });
    return hit ? { kind: 'auto_reply', reason: hit.why } : null;
  },
  (f) => (!f.isReply && matchesAny(AUTO_REPLY_SUBJECTS_STRONG, f.subject) ? { kind: 'auto_reply', reason: `autoresponder subject "${f.subject.slice(0, 60)}"` } : null),
  (f) =>
    !f.isReply &&
    matchesAny(AUTO_REPLY_SUBJECTS_WEAK, f.subject) &&
    (SUPPRESS_AUTO_REPLY.test(f.header('x-auto-response-suppress') ?? '') || f.precedence === 'bulk' || f.msg.inReplyTo.length > 0)
      ? { kind: 'auto_reply', reason: `autoresponder subject "${f.subject.slice(0, 60)}" answering a message` }
      : null,
  // RFC 5321 4.5.5: only reports and auto-replies use the null reverse-path.
  (f) => (f.nullReturnPath ? { kind: bounceOrAutoReply(f), reason: 'null return path (Return-Path: <>)' } : null),
];

/** Customer mail that must still not be answered automatically, and why. */
function autoReplySuppressed(f: Facts): boolean {
  return (
    ['list-id', 'list-unsubscribe', 'list-post'].some((h) => f.has(h)) ||
    f.precedence === 'list' ||
    f.precedence === 'bulk' ||
    SUPPRESS_AUTO_REPLY.test(f.header('x-auto-response-suppress') ?? '')
  );
}

/**
 * Decides whether a parsed message is a customer's mail or automatic mail
 * (bounce, feedback report, auto-reply, our own), so that automatic mail
 * never starts an interaction or gets an auto-reply and reports are linked to
 * the message they are about. Pure: everything comes from the message and ctx.
 */
export function classifyMessage(msg: ParsedMessage, ctx: ClassifyContext): Classification {
  const f = gatherFacts(msg);
  for (const rule of RULES) {
    const verdict = rule(f, ctx);
    if (!verdict) continue;
    const linked = verdict.kind !== 'own';
    const originalMessageIds = linked ? findOriginalMessageIds(msg, f.outer, f.body) : [];
    const knownIds = [...originalMessageIds, ...(msg.messageId ? [msg.messageId] : [])];
    return {
      kind: verdict.kind,
      automatic: true,
      mayAutoReply: false,
      reason: verdict.reason,
      originalMessageIds,
      failedRecipients: verdict.kind === 'bounce' ? findFailedRecipients(msg, f.outer, f.body, ctx.ownAddresses, knownIds) : [],
    };
  }
  const suppressed = autoReplySuppressed(f);
  return {
    kind: 'customer',
    automatic: false,
    mayAutoReply: !suppressed,
    reason: suppressed ? 'a person\'s mail, from a mailing list or bulk sender: no auto-reply' : 'no sign of automatic mail',
    originalMessageIds: [],
    failedRecipients: [],
  };
}
