import { describe, expect, it } from 'vitest';
import { parseMessage } from '../parse/parse-message.ts';
import { customerAddress, isUsableAddress } from './customer-address.ts';

const from = async (...headers: string[]) => customerAddress(await parseMessage(Buffer.from([...headers, 'Subject: help', '', 'Hello'].join('\r\n'))));

describe('customerAddress', () => {
  it.each([
    ['Reply-To first', ['From: Ann <ann@customer.test>', 'Reply-To: Desk <desk@customer.test>'], { address: 'desk@customer.test', name: 'Desk' }],
    ['an empty Reply-To does not hide a valid From', ['From: Ann <ann@customer.test>', 'Reply-To: "Name" <>'], { address: 'ann@customer.test', name: 'Ann' }],
    ['the first usable of several Reply-To fields', ['From: Ann <ann@customer.test>', 'Reply-To: "Nobody" <>', 'Reply-To: Bob <bob@customer.test>'], { address: 'bob@customer.test', name: 'Bob' }],
    ['From without a Reply-To', ['From: Ann <ann@customer.test>'], { address: 'ann@customer.test', name: 'Ann' }],
    ['Sender when From is empty', ['From: "Ann" <>', 'Sender: Relay <relay@customer.test>'], { address: 'relay@customer.test', name: 'Relay' }],
    ['the envelope when no header has an address, with the name of From', ['Return-Path: <ann@customer.test>', 'From: Ann'], { address: 'ann@customer.test', name: 'Ann' }],
    ['a bare local part is not an address', ['Return-Path: <bounce@relay.test>', 'From: MAILER-DAEMON'], { address: 'bounce@relay.test', name: 'MAILER-DAEMON' }],
    ['none at all', ['From: "Ann" <>', 'Reply-To: "Name" <>'], null],
    ['the null envelope <> is none', ['Return-Path: <>', 'From: "Ann" <>'], null],
    ['no From, no anything', [], null],
  ] as const)('%s', async (_name, headers, expected) => {
    expect(await from(...headers)).toEqual(expected);
  });
});

describe('isUsableAddress', () => {
  it.each([
    ['ann@customer.test', true],
    ['a.b+c@sub.customer.test', true],
    ['', false],
    ['MAILER-DAEMON', false],
    ['@customer.test', false],
    ['ann@', false],
    ['ann @customer.test', false],
    ['ann@customer.test\r\nBcc: x@y.test', false],
    ['<ann@customer.test>', false],
    ['a@b@c', false],
  ])('%j → %s', (address, expected) => expect(isUsableAddress(address)).toBe(expected));
});
