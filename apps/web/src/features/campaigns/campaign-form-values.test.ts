import { describe, expect, it } from 'vitest';
import type { Campaign } from '@postdesk/contracts';
import {
  campaignToValues,
  emptyCampaignValues,
  followPort,
  hasFormField,
  isClockTime,
  tabOfPath,
  toInteger,
  valuesToInput,
} from './campaign-form-values.ts';

const stored: Campaign = {
  id: '7',
  name: 'Support',
  key: 'SUP',
  description: '',
  enabled: true,
  receiveEmails: true,
  fromAddress: 'support@example.com',
  fromName: 'Support',
  timezone: 'Europe/Rome',
  service: 'custom',
  defaultListName: null,
  inbound: {
    protocol: 'imap',
    host: 'imap.example.com',
    port: 993,
    security: 'tls',
    username: 'support',
    hasPassword: true,
    mailbox: 'INBOX',
    connectionTimeoutSec: 10,
    authTimeoutSec: 5,
  },
  smtp: { host: 'smtp.example.com', port: 587, security: 'starttls', auth: true, username: 'support', hasPassword: true },
  queue: {
    strategy: 'ring_all',
    serviceLevelSec: 60,
    maxInteractionsPerAgent: 3,
    offerTimeoutSec: 30,
    autoAssign: false,
    waitAssignedAgentSec: 10,
    waitAssignedQueueSec: 10,
    transferToAgent: false,
    transferToAgentTimeoutSec: 30,
    transferToQueue: false,
    transferToQueueTimeoutSec: 30,
    mandatoryDisposition: false,
    pauseWhileDisposing: false,
    markAsUnread: false,
    fetchedMailAction: 'leave',
    moveToFolder: null,
    closedReplyAction: 'reopen',
    sentFolder: null,
    missedOffersPause: 2,
    offerRounds: 3,
  },
  schedule: [{ day: 1, start: '08:00', end: '18:59' }],
  thresholds: { serviceLevelSec: 60, dropoutSec: 600, chatTimeSec: 900, acdSec: 30 },
  signatureTemplateId: null,
  confirmation: { enabled: false, templateId: null },
  outOfHours: { enabled: false, templateId: null },
  qualification: { enabled: false, motivationTitle: '', thanksMessage: '' },
  connections: [],
  createdAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:00Z',
};

describe('valuesToInput', () => {
  it('round-trips a stored campaign without passwords (omitted = unchanged) or server-owned fields', () => {
    const input = valuesToInput(campaignToValues(stored));
    expect(input.inbound).not.toHaveProperty('password');
    expect(input.smtp).not.toHaveProperty('password');
    expect(input).not.toHaveProperty('id');
    expect(input).not.toHaveProperty('connections');
    expect(input.inbound).not.toHaveProperty('hasPassword');
    expect(input.schedule).toEqual([{ day: 1, start: '08:00', end: '18:59' }]);
    expect(input.schedule[0]).not.toHaveProperty('key');
  });

  it('sends a typed password', () => {
    const values = campaignToValues(stored);
    values.inbound.password = 's3cret';
    expect(valuesToInput(values).inbound.password).toBe('s3cret');
  });

  it('sends the folder only when the action is move, and null list names for blanks', () => {
    const values = emptyCampaignValues('UTC');
    values.queue.moveToFolder = 'Done';
    expect(valuesToInput(values).queue.moveToFolder).toBeNull();
    values.queue.fetchedMailAction = 'move';
    expect(valuesToInput(values).queue.moveToFolder).toBe('Done');
    expect(valuesToInput(values).defaultListName).toBeNull();
  });
});

describe('followPort', () => {
  it.each([
    [993, { protocol: 'imap', security: 'tls' }, { protocol: 'pop3', security: 'tls' }, 995],
    [587, { protocol: 'smtp', security: 'starttls' }, { protocol: 'smtp', security: 'tls' }, 465],
    ['', { protocol: 'smtp', security: 'tls' }, { protocol: 'smtp', security: 'none' }, 25],
    [2525, { protocol: 'smtp', security: 'starttls' }, { protocol: 'smtp', security: 'tls' }, 2525],
  ] as const)('%s from %o to %o gives %s', (current, from, to, expected) => {
    expect(followPort(current, from, to)).toBe(expected);
  });
});

describe('small rules', () => {
  it.each([
    ['inbound.port', 'mail'],
    ['smtp.host', 'mail'],
    ['service', 'mail'],
    ['queue.moveToFolder', 'queue'],
    ['schedule.2.end', 'schedule'],
    ['thresholds.acdSec', 'thresholds'],
    ['confirmation.templateId', 'messages'],
    ['key', 'general'],
  ] as const)('%s lives on the %s tab', (path, tab) => {
    expect(tabOfPath(path)).toBe(tab);
  });

  it('knows which server paths have a field', () => {
    const values = campaignToValues(stored);
    expect(hasFormField(values, 'inbound.port')).toBe(true);
    expect(hasFormField(values, 'schedule.0.start')).toBe(true);
    expect(hasFormField(values, 'signatureTemplateId')).toBe(true);
    expect(hasFormField(values, 'inbound')).toBe(false);
    expect(hasFormField(values, 'schedule.3.start')).toBe(false);
    expect(hasFormField(values, 'nonsense')).toBe(false);
  });

  it('parses numbers and clock times strictly', () => {
    expect(toInteger('42')).toBe(42);
    expect(Number.isNaN(toInteger(''))).toBe(true);
    expect(isClockTime('08:00')).toBe(true);
    expect(isClockTime('24:00')).toBe(false);
    expect(isClockTime('8:00')).toBe(false);
  });
});
