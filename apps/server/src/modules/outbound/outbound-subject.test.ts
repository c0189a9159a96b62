import { describe, expect, it } from 'vitest';
import { outboundSubject, ticketOf } from './outbound-subject.ts';

describe('the subject of an automatic answer', () => {
  it('is one "Re:" before the customer\'s subject, with the campaign\'s token', () => {
    expect(outboundSubject('RE: Aw: Invoice', 'sup', 42)).toEqual({ text: 'Re: Invoice [#SUP-42]', token: '[#SUP-42]' });
    expect(outboundSubject('', 'SUP', 1).text).toBe('Re: (no subject) [#SUP-1]');
  });

  it('gives no token to a key the format cannot carry, rather than a broken one', () => {
    expect(outboundSubject('Hello', 'too-long-key', 3)).toEqual({ text: 'Re: Hello', token: '' });
    expect(ticketOf('too-long-key', 3)).toBe('');
    expect(ticketOf('sup', 3)).toBe('[#SUP-3]');
  });
});
