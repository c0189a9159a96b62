import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../parse/index.ts';
import { BulkComposeError, compileBulkMessage, prepareAttachment, type BulkMessageSpec, type BulkRecipient } from './bulk-message.ts';
import { recipientKeys } from './recipient-keys.ts';
import { textAlternative } from './text-alternative.ts';

const key = Buffer.alloc(32, 9);
const spec: BulkMessageSpec = {
  from: { address: 'news@acme.test', name: 'Acme News' },
  subject: 'Your order ${order}, ${name}',
  html: '<html><body><p>Dear ${name},</p><p>Order <b>${order}</b>.</p><p><a href="${unsubscribeUrl}">Unsubscribe</a></p></body></html>',
  text: textAlternative('<html><body><p>Dear ${name},</p><p>Order <b>${order}</b>.</p></body></html>'),
  unsubscribeUrlPrefix: 'https://desk.example.com/api/public/dialer/u/',
  pixelUrlPrefix: 'https://desk.example.com/api/public/dialer/o/',
};
const recipient = (patch: Partial<BulkRecipient> = {}): BulkRecipient => ({
  to: 'ana@example.test',
  values: { name: 'Ana López', order: 'A-1' },
  keys: recipientKeys(key, 42, 'acme.test'),
  date: new Date('2026-12-01T08:00:00Z'),
  ...patch,
});
const invite = { start: new Date('2026-12-03T10:00:00Z'), end: new Date('2026-12-03T11:00:00Z'), uid: 'pdd-42@acme.test' };

describe('compileBulkMessage', () => {
  it('writes a message two independent parsers read back, with the bulk headers', async () => {
    const raw = compileBulkMessage(spec).compose(recipient());
    const m = await simpleParser(raw);
    const token = recipientKeys(key, 42, 'acme.test').token;
    expect(m.subject).toBe('Your order A-1, Ana López');
    expect(m.messageId).toBe(`<${recipientKeys(key, 42, 'acme.test').messageId}>`);
    expect(m.headers.get('auto-submitted')).toBe('auto-generated');
    expect(m.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(m.headerLines.find((h) => h.key === 'list-unsubscribe')?.line).toBe(`List-Unsubscribe: <https://desk.example.com/api/public/dialer/u/${token}>`);
    expect(m.date?.toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect(m.html).toContain('<p>Dear Ana López,</p>');
    expect(m.html).toContain(`<a href="https://desk.example.com/api/public/dialer/u/${token}">`);
    expect(m.html).toContain(`<img src="https://desk.example.com/api/public/dialer/o/${token}" width="1" height="1"`);
    expect(m.html).toMatch(/height:1px"><\/body><\/html>$/);
    expect(m.text).toContain('Dear Ana López,');
    const ours = await parseMessage(Buffer.from(raw));
    expect(ours.html).toBe(m.html);
    expect(ours.subject).toBe(m.subject);
  });

  it('keeps values as data: escaped in HTML, literal everywhere', async () => {
    const raw = compileBulkMessage(spec).compose(recipient({ values: { name: '<img src=x onerror=alert(1)> ${order}', order: '{{7*7}}' } }));
    const m = await simpleParser(raw);
    expect(m.html).toContain('Dear &lt;img src=x onerror=alert(1)&gt; ${order},');
    expect(m.html).toContain('<b>{{7*7}}</b>');
    expect(m.subject).toBe('Your order {{7*7}}, <img src=x onerror=alert(1)> ${order}');
  });

  it('is ASCII with CRLF lines of at most 998 characters, none starting with "."', () => {
    const raw = compileBulkMessage({ ...spec, html: `<p>${'.x '.repeat(2000)}</p>\n.${'é'.repeat(500)}`, invite: { summary: 'Démo ${name}', organizer: { email: 'sales@acme.test' } } }).compose(
      recipient({ invite }),
    );
    expect(/^[\x00-\x7f]*$/.test(raw)).toBe(true);
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const l of raw.split('\r\n')) {
      expect(l.length).toBeLessThanOrEqual(998);
      expect(l.startsWith('.')).toBe(false);
    }
  });

  it('refuses a line break that a value would put into the subject', () => {
    const m = compileBulkMessage(spec);
    expect(() => m.compose(recipient({ values: { name: 'x\r\nBcc: victim@example.test', order: '1' } }))).toThrow(BulkComposeError);
    expect(() => m.compose(recipient({ to: 'a@b.test\r\nBcc: c@d.test' }))).toThrow(/to: not a valid address/);
  });

  it('adds the invitation as text/calendar REQUEST, one UID per recipient', async () => {
    const message = compileBulkMessage({ ...spec, invite: { summary: 'Demo for ${name}', organizer: { email: 'sales@acme.test', name: 'Acme' } } });
    const calendarOf = async (raw: string): Promise<{ text: string; method: string | undefined }> => {
      const part = (await parseMessage(Buffer.from(raw))).parts.find((p) => p.contentType === 'text/calendar');
      const viaMailparser = (await simpleParser(raw)).attachments.find((a) => a.contentType === 'text/calendar')?.content.toString('utf8');
      // our parser gives text with LF line ends
      expect(viaMailparser?.replace(/\r\n/g, '\n')).toBe(part?.text);
      return { text: viaMailparser ?? '', method: part?.params.method };
    };
    const a = await calendarOf(message.compose(recipient({ invite })));
    const b = await calendarOf(message.compose(recipient({ to: 'bo@example.test', values: { name: 'Bo', order: '2' }, keys: recipientKeys(key, 43, 'acme.test'), invite: { ...invite, uid: 'pdd-43@acme.test' } })));
    expect(a.method).toBe('REQUEST');
    expect(a.text).toContain('\r\nUID:pdd-42@acme.test\r\n');
    expect(a.text).toContain('\r\nSUMMARY:Demo for Ana López\r\n');
    expect(a.text).toContain('\r\nATTENDEE;RSVP=TRUE:mailto:ana@example.test\r\n');
    expect(b.text).toContain('\r\nUID:pdd-43@acme.test\r\n');
    expect(b.text).toContain('\r\nSUMMARY:Demo for Bo\r\n');
    expect(() => message.compose(recipient())).toThrow(/invite/);
    expect(() => message.compose(recipient({ invite: { ...invite, end: invite.start } }))).toThrow(/end: must be after the start/);
  });

  it('attaches registry files as base64 parts inside multipart/mixed', async () => {
    const file = prepareAttachment({ filename: 'Precios año.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.4 test') });
    const m = await simpleParser(compileBulkMessage(spec).compose(recipient({ attachments: [file] })));
    expect(m.attachments).toHaveLength(1);
    expect(m.attachments[0]).toMatchObject({ filename: 'Precios año.pdf', contentType: 'application/pdf' });
    expect(m.attachments[0]!.content.toString()).toBe('%PDF-1.4 test');
    expect(m.html).toContain('Dear Ana López');
  });

  it('lists the fields a list row must give, built-ins excluded', () => {
    expect(compileBulkMessage({ ...spec, invite: { summary: '${event}', organizer: { email: 'a@acme.test', name: '${rep}' } } }).fields).toEqual(['order', 'name', 'event', 'rep']);
  });

  const badSpecs: Array<[string, Partial<BulkMessageSpec>, string]> = [
    ['a bad From', { from: { address: 'not an address' } }, 'from.address'],
    ['a line break in the From name', { from: { address: 'a@acme.test', name: 'A\r\nBcc: x@y' } }, 'from.name'],
    ['a relative unsubscribe URL', { unsubscribeUrlPrefix: '/u/' }, 'unsubscribeUrlPrefix'],
    ['a javascript pixel URL', { pixelUrlPrefix: 'javascript:alert(1)//' }, 'pixelUrlPrefix'],
  ];
  it.each(badSpecs)('refuses %s', (_n, patch, field) => {
    try {
      compileBulkMessage({ ...spec, ...patch });
      throw new Error('compiled');
    } catch (err) {
      expect(err).toBeInstanceOf(BulkComposeError);
      expect((err as BulkComposeError).field).toBe(field);
    }
  });
});
