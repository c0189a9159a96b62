import { describe, expect, it } from 'vitest';
import { confirmationDecision, type ConfirmationFacts } from './confirmation-policy.ts';

const now = new Date('2026-11-23T12:00:00Z');
const base: ConfirmationFacts = {
  enabled: true,
  hasTemplate: true,
  customerMail: true,
  newInteraction: true,
  alreadySent: false,
  recipient: 'ana@example.com',
  ownAddresses: ['support@acme.test'],
  recentSends: [],
  now,
};
const ago = (min: number) => new Date(now.getTime() - min * 60_000);

describe('confirmationDecision', () => {
  it.each<[string, Partial<ConfirmationFacts>, string | true]>([
    ['a new customer interaction', {}, true],
    ['the campaign does not confirm', { enabled: false }, 'disabled'],
    ['no template is chosen', { hasTemplate: false }, 'no_template'],
    ['a bounce or auto-reply', { customerMail: false }, 'automatic_mail'],
    ['a reply inside a thread', { newInteraction: false }, 'not_new'],
    ['the interaction already got one', { alreadySent: true }, 'already_sent'],
    ['one of our own addresses', { recipient: 'support@acme.test' }, 'own_address'],
    ['an empty sender', { recipient: '' }, 'own_address'],
    ['a no-reply sender', { recipient: 'no-reply@shop.test' }, 'no_reply_address'],
    ['a noreply+tag sender', { recipient: 'noreply+x@shop.test' }, 'no_reply_address'],
    ['a person whose name starts like one', { recipient: 'bouncer.jim@shop.test' }, true],
    ['sent 5 minutes ago', { recentSends: [ago(5)] }, 'rate_limited'],
    ['sent 11 minutes ago', { recentSends: [ago(11)] }, true],
    ['five today', { recentSends: [ago(20), ago(60), ago(120), ago(300), ago(600)] }, 'rate_limited'],
    ['five, one older than a day', { recentSends: [ago(20), ago(60), ago(120), ago(300), ago(1500)] }, true],
  ])('%s', (_name, over, expected) => {
    const d = confirmationDecision({ ...base, ...over });
    if (expected === true) expect(d).toEqual({ send: true });
    else expect(d).toEqual({ send: false, reason: expected });
  });
});
