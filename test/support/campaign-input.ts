/** A complete, valid campaign body for tests; override what a test is about. */
export function campaignBody(over: {
  name?: string;
  key?: string;
  receiveEmails?: boolean;
  inbound?: Record<string, unknown>;
  smtp?: Record<string, unknown>;
  [k: string]: unknown;
} = {}): Record<string, unknown> {
  const { inbound, smtp, ...rest } = over;
  return {
    name: 'Support',
    key: 'SUP',
    description: 'Customer support mailbox',
    enabled: true,
    receiveEmails: true,
    fromAddress: 'support@example.test',
    fromName: 'Example Support',
    timezone: 'Europe/Madrid',
    service: 'custom',
    defaultListName: 'Customers',
    inbound: {
      protocol: 'imap',
      host: '127.0.0.1',
      port: 143,
      security: 'none',
      username: 'alice',
      password: 'secret',
      mailbox: 'INBOX',
      connectionTimeoutSec: 3,
      authTimeoutSec: 3,
      ...inbound,
    },
    smtp: { host: '127.0.0.1', port: 25, security: 'none', auth: true, username: 'alice', password: 'secret', ...smtp },
    queue: {
      strategy: 'round_robin',
      serviceLevelSec: 120,
      maxInteractionsPerAgent: 3,
      waitAssignedAgentSec: 10,
      waitAssignedQueueSec: 10,
      transferToAgent: true,
      transferToAgentTimeoutSec: 60,
      transferToQueue: false,
      transferToQueueTimeoutSec: 30,
      mandatoryDisposition: true,
      markAsUnread: false,
      fetchedMailAction: 'leave',
      moveToFolder: null,
      closedReplyAction: 'reopen',
    },
    schedule: [
      { day: 1, start: '08:00', end: '13:00' },
      { day: 1, start: '14:00', end: '18:59' },
    ],
    thresholds: { serviceLevelSec: 60, dropoutSec: 300, chatTimeSec: 1800, acdSec: 20 },
    signatureTemplateId: null,
    confirmation: { enabled: false, templateId: null },
    qualification: { enabled: true, motivationTitle: 'Rate our service', thanksMessage: 'Thank you!' },
    ...rest,
  };
}
