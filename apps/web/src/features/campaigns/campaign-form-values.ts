import {
  QUEUE_DEFAULTS,
  THRESHOLD_DEFAULTS,
  type Campaign,
  type CampaignInput,
  type ClosedReplyAction,
  type FetchedMailAction,
  type InboundProtocol,
  type Preset,
  type Protocol,
  type Security,
  type Service,
  type Strategy,
} from '@postdesk/contracts';

// The campaign form's own value shape and the pure conversions between it and
// the API: what the form shows for a stored campaign, and what it sends back.
// Kept free of React so the rules (write-only passwords, default ports, preset
// filling, dropping fields the server would reject) are testable as tables.

/** Mantine's NumberInput holds a number, or a string while the field is empty or being typed. */
export type NumberField = number | string;

/** One row of the weekly schedule table; `key` only keeps React rows stable and is never sent. */
export interface ScheduleRow {
  key: string;
  day: string;
  start: string;
  end: string;
}

/** Everything the campaign form edits. */
export interface CampaignFormValues {
  name: string;
  key: string;
  description: string;
  enabled: boolean;
  receiveEmails: boolean;
  fromAddress: string;
  fromName: string;
  timezone: string;
  service: Service;
  defaultListName: string;
  /** PEM certificates of a private authority the mail servers use; '' for none. */
  mailCaPem: string;
  inbound: {
    protocol: InboundProtocol;
    host: string;
    port: NumberField;
    security: Security;
    username: string;
    password: string;
    mailbox: string;
    connectionTimeoutSec: NumberField;
    authTimeoutSec: NumberField;
  };
  smtp: {
    host: string;
    port: NumberField;
    security: Security;
    auth: boolean;
    username: string;
    password: string;
  };
  /** Signs in with OAuth2 instead of passwords: the account of a completed sign-in. */
  oauthAccountId: string | null;
  queue: {
    strategy: Strategy;
    serviceLevelSec: NumberField;
    maxInteractionsPerAgent: NumberField;
    offerTimeoutSec: NumberField;
    autoAssign: boolean;
    waitAssignedAgentSec: NumberField;
    waitAssignedQueueSec: NumberField;
    transferToAgent: boolean;
    transferToAgentTimeoutSec: NumberField;
    transferToQueue: boolean;
    transferToQueueTimeoutSec: NumberField;
    mandatoryDisposition: boolean;
    pauseWhileDisposing: boolean;
    markAsUnread: boolean;
    fetchedMailAction: FetchedMailAction;
    moveToFolder: string;
    closedReplyAction: ClosedReplyAction;
    /** Empty: replies are not copied. */
    sentFolder: string;
    missedOffersPause: NumberField;
    offerRounds: NumberField;
  };
  schedule: ScheduleRow[];
  thresholds: {
    serviceLevelSec: NumberField;
    dropoutSec: NumberField;
    chatTimeSec: NumberField;
    acdSec: NumberField;
  };
  signatureTemplateId: string | null;
  confirmation: { enabled: boolean; templateId: string | null };
  outOfHours: { enabled: boolean; templateId: string | null };
  qualification: { enabled: boolean; motivationTitle: string; thanksMessage: string };
}

/** Limits from the reference product: sticky-agent waits are 1–2147483 s, default 10. */
export const WAIT_LIMITS = { min: 1, max: 2_147_483, default: 10 } as const;
/** The campaign key is shown on agents' tabs, so it is short. */
export const KEY_MAX_LENGTH = 5;

/** Well-known ports per protocol and security, used to follow the user's security choice. */
export const DEFAULT_PORTS: Record<Protocol, Record<Security, number>> = {
  imap: { tls: 993, starttls: 143, none: 143 },
  pop3: { tls: 995, starttls: 110, none: 110 },
  smtp: { tls: 465, starttls: 587, none: 25 },
};

let rowCounter = 0;
/** A fresh key for a schedule row. */
export function newRowKey(): string {
  rowCounter += 1;
  return `row-${rowCounter}`;
}

/** The browser's time zone, the natural default for a new campaign. */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** What a new campaign starts with. */
export function emptyCampaignValues(timezone: string = browserTimeZone()): CampaignFormValues {
  return {
    name: '',
    key: '',
    description: '',
    enabled: true,
    receiveEmails: true,
    fromAddress: '',
    fromName: '',
    timezone,
    service: 'custom',
    defaultListName: '',
    mailCaPem: '',
    inbound: {
      protocol: 'imap',
      host: '',
      port: DEFAULT_PORTS.imap.tls,
      security: 'tls',
      username: '',
      password: '',
      mailbox: 'INBOX',
      connectionTimeoutSec: 10,
      authTimeoutSec: 5,
    },
    smtp: { host: '', port: DEFAULT_PORTS.smtp.starttls, security: 'starttls', auth: true, username: '', password: '' },
    oauthAccountId: null,
    // the API's defaults (one set, in the contracts); the form edits folders as text
    queue: { ...QUEUE_DEFAULTS, moveToFolder: '', sentFolder: '' },
    schedule: [],
    thresholds: { ...THRESHOLD_DEFAULTS },
    signatureTemplateId: null,
    confirmation: { enabled: false, templateId: null },
    outOfHours: { enabled: false, templateId: null },
    qualification: { enabled: false, motivationTitle: '', thanksMessage: '' },
  };
}

/** The form for a stored campaign; passwords start empty (write-only, "unchanged"). */
export function campaignToValues(campaign: Campaign): CampaignFormValues {
  const blank = emptyCampaignValues(campaign.timezone);
  // Only admins receive mail settings; without them the form keeps its defaults.
  const inbound = campaign.inbound ?? { ...blank.inbound, hasPassword: false };
  const smtp = campaign.smtp ?? { ...blank.smtp, hasPassword: false };
  return {
    name: campaign.name,
    key: campaign.key,
    description: campaign.description,
    enabled: campaign.enabled,
    receiveEmails: campaign.receiveEmails,
    fromAddress: campaign.fromAddress,
    fromName: campaign.fromName,
    timezone: campaign.timezone,
    service: campaign.service,
    defaultListName: campaign.defaultListName ?? '',
    mailCaPem: campaign.mailCaPem ?? '',
    inbound: {
      protocol: inbound.protocol,
      host: inbound.host,
      port: inbound.port,
      security: inbound.security,
      username: inbound.username,
      password: '',
      mailbox: inbound.mailbox,
      connectionTimeoutSec: inbound.connectionTimeoutSec,
      authTimeoutSec: inbound.authTimeoutSec,
    },
    smtp: {
      host: smtp.host,
      port: smtp.port,
      security: smtp.security,
      auth: smtp.auth,
      username: smtp.username,
      password: '',
    },
    oauthAccountId: campaign.oauth?.id ?? null,
    queue: { ...campaign.queue, moveToFolder: campaign.queue.moveToFolder ?? '', sentFolder: campaign.queue.sentFolder ?? '' },
    schedule: campaign.schedule.map((frame) => ({
      key: newRowKey(),
      day: String(frame.day),
      start: frame.start,
      end: frame.end,
    })),
    thresholds: { ...campaign.thresholds },
    signatureTemplateId: campaign.signatureTemplateId,
    confirmation: { ...campaign.confirmation },
    outOfHours: { ...campaign.outOfHours },
    qualification: { ...campaign.qualification },
  };
}

/** An integer from a number field; an empty field becomes NaN (sent as null, so the server names the field). */
export function toInteger(value: NumberField): number {
  if (typeof value === 'number') return value;
  const trimmed = value.trim();
  return trimmed === '' ? Number.NaN : Number(trimmed);
}

/**
 * The exact body POST/PUT /api/campaigns accepts: nothing the server does not
 * know (it rejects unknown fields), passwords only when typed (empty = keep).
 */
export function valuesToInput(values: CampaignFormValues): CampaignInput {
  const inboundPassword = values.inbound.password;
  const smtpPassword = values.smtp.password;
  return {
    name: values.name.trim(),
    key: values.key.trim(),
    description: values.description.trim(),
    enabled: values.enabled,
    receiveEmails: values.receiveEmails,
    fromAddress: values.fromAddress.trim(),
    fromName: values.fromName.trim(),
    timezone: values.timezone,
    service: values.service,
    defaultListName: values.defaultListName.trim() || null,
    mailCaPem: values.mailCaPem.trim() || null,
    inbound: {
      protocol: values.inbound.protocol,
      host: values.inbound.host.trim(),
      port: toInteger(values.inbound.port),
      security: values.inbound.security,
      username: values.inbound.username.trim(),
      ...(inboundPassword ? { password: inboundPassword } : {}),
      mailbox: values.inbound.mailbox.trim() || 'INBOX',
      connectionTimeoutSec: toInteger(values.inbound.connectionTimeoutSec),
      authTimeoutSec: toInteger(values.inbound.authTimeoutSec),
    },
    smtp: {
      host: values.smtp.host.trim(),
      port: toInteger(values.smtp.port),
      security: values.smtp.security,
      auth: values.smtp.auth,
      username: values.smtp.username.trim(),
      ...(smtpPassword ? { password: smtpPassword } : {}),
    },
    oauthAccountId: values.oauthAccountId,
    queue: {
      strategy: values.queue.strategy,
      serviceLevelSec: toInteger(values.queue.serviceLevelSec),
      maxInteractionsPerAgent: toInteger(values.queue.maxInteractionsPerAgent),
      offerTimeoutSec: toInteger(values.queue.offerTimeoutSec),
      missedOffersPause: toInteger(values.queue.missedOffersPause),
      offerRounds: toInteger(values.queue.offerRounds),
      autoAssign: values.queue.autoAssign,
      waitAssignedAgentSec: toInteger(values.queue.waitAssignedAgentSec),
      waitAssignedQueueSec: toInteger(values.queue.waitAssignedQueueSec),
      transferToAgent: values.queue.transferToAgent,
      transferToAgentTimeoutSec: toInteger(values.queue.transferToAgentTimeoutSec),
      transferToQueue: values.queue.transferToQueue,
      transferToQueueTimeoutSec: toInteger(values.queue.transferToQueueTimeoutSec),
      mandatoryDisposition: values.queue.mandatoryDisposition,
      pauseWhileDisposing: values.queue.pauseWhileDisposing,
      markAsUnread: values.queue.markAsUnread,
      fetchedMailAction: values.queue.fetchedMailAction,
      moveToFolder: values.queue.fetchedMailAction === 'move' ? values.queue.moveToFolder.trim() : null,
      closedReplyAction: values.queue.closedReplyAction,
      sentFolder: values.receiveEmails && values.inbound.protocol === 'imap' && values.queue.sentFolder.trim() ? values.queue.sentFolder.trim() : null,
    },
    schedule: values.schedule.map((row) => ({ day: Number(row.day), start: row.start, end: row.end })),
    thresholds: {
      serviceLevelSec: toInteger(values.thresholds.serviceLevelSec),
      dropoutSec: toInteger(values.thresholds.dropoutSec),
      chatTimeSec: toInteger(values.thresholds.chatTimeSec),
      acdSec: toInteger(values.thresholds.acdSec),
    },
    signatureTemplateId: values.signatureTemplateId,
    confirmation: {
      enabled: values.confirmation.enabled,
      templateId: values.confirmation.templateId,
    },
    outOfHours: {
      enabled: values.outOfHours.enabled,
      templateId: values.outOfHours.templateId,
    },
    qualification: {
      enabled: values.qualification.enabled,
      motivationTitle: values.qualification.motivationTitle.trim(),
      thanksMessage: values.qualification.thanksMessage.trim(),
    },
  };
}

/**
 * The port to show after protocol or security changed: follow the well-known
 * port only while the user has not typed a port of their own.
 */
export function followPort(
  current: NumberField,
  from: { protocol: Protocol; security: Security },
  to: { protocol: Protocol; security: Security },
): NumberField {
  const untouched = current === '' || toInteger(current) === DEFAULT_PORTS[from.protocol][from.security];
  return untouched ? DEFAULT_PORTS[to.protocol][to.security] : current;
}

/** Hosts, ports and security of a provider preset, for the inbound protocol in use. */
export function presetEndpoints(
  preset: Preset,
  protocol: InboundProtocol,
): { inbound: Pick<CampaignFormValues['inbound'], 'host' | 'port' | 'security'>; smtp: Pick<CampaignFormValues['smtp'], 'host' | 'port' | 'security'> } {
  const inbound = protocol === 'imap' ? preset.imap : preset.pop3;
  return {
    inbound: { host: inbound.host, port: inbound.port, security: inbound.security },
    smtp: { host: preset.smtp.host, port: preset.smtp.port, security: preset.smtp.security },
  };
}

/** Which tab of the form shows a field, so errors can say where to look. */
export type CampaignTab = 'general' | 'mail' | 'queue' | 'schedule' | 'thresholds' | 'messages';

/** The tab that holds the field at a dotted path. */
export function tabOfPath(path: string): CampaignTab {
  const head = path.split('.')[0] ?? '';
  switch (head) {
    case 'service':
    case 'inbound':
    case 'smtp':
      return 'mail';
    case 'queue':
      return 'queue';
    case 'schedule':
      return 'schedule';
    case 'thresholds':
      return 'thresholds';
    case 'signatureTemplateId':
    case 'confirmation':
    case 'outOfHours':
    case 'qualification':
      return 'messages';
    default:
      return 'general';
  }
}

/** Whether the form has an input at `path` (a leaf), so a server error can be shown under it. */
export function hasFormField(values: CampaignFormValues, path: string): boolean {
  let node: unknown = values;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return false;
    node = (node as Record<string, unknown>)[part];
    if (node === undefined) return false;
  }
  return node === null || typeof node !== 'object';
}

/** `HH:MM` on a 24-hour clock. */
export function isClockTime(value: string): boolean {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(value);
}
