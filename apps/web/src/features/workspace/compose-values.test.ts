import { describe, expect, it } from 'vitest';
import type { Thread, ThreadMessage } from '@postdesk/contracts';
import { formatAddress, parseAddress, recipientsFor } from './compose-values.ts';

// A name from received mail can hold a line break (an encoded word such as
// =?utf-8?Q?Ann=0D=0ABcc=3A_x=40y.test?=); the server refuses line breaks in
// names, so an answer pre-filled with it could not be sent.
const BROKEN = 'Ann\r\nBcc: evil@x.test';

const message = (over: Partial<ThreadMessage>): ThreadMessage => ({
  id: 1,
  direction: 'inbound',
  kind: 'customer',
  subject: 'Hello',
  fromAddress: 'ann@customer.test',
  fromName: BROKEN,
  to: [{ address: 'support@example.test', name: 'Support' }],
  cc: [{ address: 'bob@customer.test', name: 'Bob\n\tSmith' }],
  date: '2026-01-01T00:00:00.000Z',
  snippet: '',
  hasHtml: false,
  sentBy: null,
  outbox: null,
  rating: null,
  attachments: [],
  ...over,
});

const thread = (messages: ThreadMessage[]): Thread =>
  ({
    interaction: { customerAddress: 'ann@customer.test', customerName: BROKEN, fromAddress: 'support@example.test' },
    messages,
  }) as unknown as Thread;

describe('recipientsFor', () => {
  it('puts received names on one line, for reply, reply all and a thread with no message', () => {
    const parent = message({});
    expect(recipientsFor('reply', parent, thread([parent]))).toEqual({ to: [{ address: 'ann@customer.test', name: 'Ann Bcc: evil@x.test' }], cc: [] });
    expect(recipientsFor('reply_all', parent, thread([parent]))).toEqual({
      to: [{ address: 'ann@customer.test', name: 'Ann Bcc: evil@x.test' }],
      cc: [{ address: 'bob@customer.test', name: 'Bob Smith' }],
    });
    expect(recipientsFor('reply', undefined, thread([]))).toEqual({ to: [{ address: 'ann@customer.test', name: 'Ann Bcc: evil@x.test' }], cc: [] });
    expect(recipientsFor('forward', parent, thread([parent]))).toEqual({ to: [], cc: [] });
  });

  it('answers our own message to its recipients, names cleaned, and leaves no empty name', () => {
    const ours = message({ direction: 'outbound', fromAddress: 'support@example.test', fromName: '', to: [{ address: 'ann@customer.test', name: ' \r\n ' }], cc: [] });
    expect(recipientsFor('reply', ours, thread([ours]))).toEqual({ to: [{ address: 'ann@customer.test' }], cc: [] });
  });
});

describe('formatAddress', () => {
  it('shows a name with a line break on one line, and reads back the same address', () => {
    const text = formatAddress({ address: 'ann@customer.test', name: BROKEN });
    expect(text).toBe('Ann Bcc: evil@x.test <ann@customer.test>');
    expect(parseAddress(text)).toEqual({ address: 'ann@customer.test', name: 'Ann Bcc: evil@x.test' });
  });
});
