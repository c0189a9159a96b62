import { simpleParser, type AddressObject } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { isValidAddress } from './address.ts';
import { ComposeError, type ComposeErrorCode } from './compose-error.ts';
import { composeMessage, messageEnvelope, type ComposeInput } from './compose-message.ts';

const base: ComposeInput = {
  from: { address: 'agent@support.example', name: 'Support' },
  to: [{ address: 'ana@customer.example', name: 'Ana' }],
  subject: 'Your order',
  text: 'Hello Ana',
  messageId: 'pd.42.abcdefgh.mac@support.example',
  date: new Date('2026-01-02T03:04:05Z'),
};

const addresses = (a: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => v.address ?? ''));

async function failure(input: ComposeInput): Promise<ComposeError> {
  try {
    await composeMessage(input);
  } catch (err) {
    if (err instanceof ComposeError) return err;
    throw err;
  }
  throw new Error('composeMessage accepted the input');
}

describe('composeMessage', () => {
  it('writes the headers we set, parseable back', async () => {
    const raw = await composeMessage({
      ...base,
      cc: [{ address: 'bob@customer.example' }],
      replyTo: { address: 'replies@support.example', name: 'Replies' },
      html: '<p>Hello <b>Ana</b></p>',
      inReplyTo: '<c1@customer.example>',
      references: ['root@customer.example', '<c1@customer.example>'],
      headers: { 'X-Postdesk-Interaction': '42', 'X-Campaign': 'SUP' },
    });
    const parsed = await simpleParser(raw);
    expect(parsed.messageId).toBe('<pd.42.abcdefgh.mac@support.example>');
    expect(parsed.inReplyTo).toBe('<c1@customer.example>');
    expect(parsed.references).toEqual(['<root@customer.example>', '<c1@customer.example>']);
    expect(parsed.subject).toBe('Your order');
    expect(parsed.from?.value).toEqual([{ address: 'agent@support.example', name: 'Support' }]);
    expect(addresses(parsed.to)).toEqual(['ana@customer.example']);
    expect(addresses(parsed.cc)).toEqual(['bob@customer.example']);
    expect(addresses(parsed.replyTo)).toEqual(['replies@support.example']);
    expect(parsed.date?.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(parsed.headers.get('x-postdesk-interaction')).toBe('42');
    expect(parsed.headers.get('x-campaign')).toBe('SUP');
    expect(parsed.text?.trim()).toBe('Hello Ana');
    expect(parsed.html).toContain('<b>Ana</b>');
    expect(parsed.headers.has('auto-submitted')).toBe(false);
    expect(parsed.headers.has('precedence')).toBe(false);
    // CRLF line ends throughout
    expect(raw.toString('latin1')).not.toMatch(/[^\r]\n/);
  });

  it('leaves Bcc out of the message, and keeps it in the envelope', async () => {
    const input: ComposeInput = { ...base, bcc: [{ address: 'hidden@audit.example', name: 'Audit' }] };
    const raw = await composeMessage(input);
    const text = raw.toString('latin1');
    expect(text).not.toMatch(/^bcc:/im);
    expect(text).not.toContain('hidden@audit.example');
    expect(text).not.toContain('Audit');
    expect(messageEnvelope(input)).toEqual({ from: 'agent@support.example', to: ['ana@customer.example', 'hidden@audit.example'] });
  });

  it('sends to Bcc alone when there is no To', async () => {
    const raw = await composeMessage({ ...base, to: [], bcc: [{ address: 'hidden@audit.example' }] });
    expect(raw.toString('latin1')).not.toContain('hidden@audit.example');
  });

  it('encodes non-ASCII subjects and names, and they decode back', async () => {
    const raw = await composeMessage({
      ...base,
      from: { address: 'agent@support.example', name: 'Zoë Müller' },
      to: [{ address: 'ana@customer.example', name: 'Ana Núñez 日本' }],
      subject: 'Réclamation ✓ 📦 [#SUP-7]',
    });
    const head = raw.toString('latin1').split('\r\n\r\n')[0]!;
    expect(head).toMatch(/^[\x20-\x7e\r\n\t]*$/); // headers stay 7-bit
    expect(head).toContain('=?UTF-8?');
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe('Réclamation ✓ 📦 [#SUP-7]');
    expect(parsed.from?.value[0]?.name).toBe('Zoë Müller');
    expect((Array.isArray(parsed.to) ? parsed.to[0] : parsed.to)?.value[0]?.name).toBe('Ana Núñez 日本');
  });

  it('keeps a display name that looks like addresses a name, adding no recipient', async () => {
    const raw = await composeMessage({ ...base, to: [{ address: 'ana@customer.example', name: 'x@evil.example, "y" <y@evil.example>' }] });
    const parsed = await simpleParser(raw);
    expect(addresses(parsed.to)).toEqual(['ana@customer.example']);
  });

  it('marks automatic mail per RFC 3834 so responders stay quiet', async () => {
    for (const kind of ['auto-replied', 'auto-generated'] as const) {
      const parsed = await simpleParser(await composeMessage({ ...base, autoSubmitted: kind }));
      expect(parsed.headers.get('auto-submitted')).toBe(kind);
      expect(parsed.headers.get('x-auto-response-suppress')).toBe('All');
      expect(parsed.headers.get('precedence')).toBe('bulk');
    }
  });

  it('attaches files and inline images with their names and types', async () => {
    const raw = await composeMessage({
      ...base,
      html: '<p><img src="cid:logo@pd"></p>',
      attachments: [
        { filename: 'Fäktura 3.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.7 data') },
        { filename: 'logo.png', contentType: 'image/png', content: Buffer.from([0x89, 0x50, 0x4e, 0x47]), cid: 'logo@pd' },
      ],
    });
    const parsed = await simpleParser(raw);
    const pdf = parsed.attachments.find((a) => a.contentType === 'application/pdf');
    const png = parsed.attachments.find((a) => a.contentType === 'image/png');
    expect(pdf?.filename).toBe('Fäktura 3.pdf');
    expect(pdf?.content.toString()).toBe('%PDF-1.7 data');
    expect(pdf?.contentDisposition).toBe('attachment');
    expect(png?.cid).toBe('logo@pd');
    expect(png?.contentDisposition).toBe('inline');
  });

  it('stores CRLF line ends only, and no line longer than RFC 5322 allows', async () => {
    const raw = await composeMessage({ ...base, text: `one\ntwo\rthree\r\n${'y'.repeat(2_000)}`, html: `<p>\n</p>${'z'.repeat(1_500)}` });
    const text = raw.toString('latin1');
    expect(text).not.toMatch(/[^\r]\n|\r[^\n]/);
    expect(Math.max(...text.split('\r\n').map((l) => l.length))).toBeLessThanOrEqual(998);
    const parsed = await simpleParser(raw);
    expect(parsed.text).toContain('one\ntwo\nthree\n');
  });

  it('is deterministic in everything but the MIME boundaries', async () => {
    const strip = (b: Buffer): string => b.toString('latin1').replace(/--_NmP-[0-9a-f]+-Part_\d+/g, 'B');
    const input = { ...base, html: '<p>x</p>' };
    expect(strip(await composeMessage(input))).toBe(strip(await composeMessage(input)));
  });

  const injections: Array<[string, Partial<ComposeInput>, string]> = [
    ['subject CRLF', { subject: 'Hi\r\nBcc: victim@example.com' }, 'subject'],
    ['subject bare LF', { subject: 'Hi\nX: y' }, 'subject'],
    ['subject bare CR', { subject: 'Hi\rX: y' }, 'subject'],
    ['subject NUL', { subject: 'Hi\u0000' }, 'subject'],
    ['from name', { from: { address: 'agent@support.example', name: 'A\r\nBcc: x@y.example' } }, 'from.name'],
    ['from address', { from: { address: 'agent@support.example\r\nBcc: x@y.example' } }, 'from.address'],
    ['to name', { to: [{ address: 'a@b.example' }, { address: 'c@d.example', name: 'C\nD' }] }, 'to[1].name'],
    ['cc address', { cc: [{ address: 'c@d.example\n' }] }, 'cc[0].address'],
    ['bcc address', { bcc: [{ address: 'c@d.example\r' }] }, 'bcc[0].address'],
    ['reply-to name', { replyTo: { address: 'r@s.example', name: 'R\u0000' } }, 'replyTo.name'],
    ['extra header value', { headers: { 'X-Campaign': 'SUP\r\nBcc: x@y.example' } }, 'headers.X-Campaign'],
    ['extra header name', { headers: { 'X-A\r\nBcc': 'x' } }, 'headers.X-A\r\nBcc'],
    ['attachment filename', { attachments: [{ filename: 'a.pdf\r\nContent-Type: text/html', contentType: 'application/pdf', content: Buffer.from('') }] }, 'attachments[0].filename'],
    ['attachment content type', { attachments: [{ filename: 'a.pdf', contentType: 'application/pdf\r\nX: y', content: Buffer.from('') }] }, 'attachments[0].contentType'],
    ['attachment cid', { attachments: [{ filename: 'a.png', contentType: 'image/png', content: Buffer.from(''), cid: 'x\ny' }] }, 'attachments[0].cid'],
    ['message id', { messageId: 'a@b.example\r\nBcc: x@y.example' }, 'messageId'],
    ['in-reply-to', { inReplyTo: '<a@b.example>\r\nBcc: x@y.example' }, 'inReplyTo'],
    ['references', { references: ['a@b.example', 'c@d.example\nX: y'] }, 'references[1]'],
  ];
  it.each(injections)('refuses header injection in %s', async (_name, patch, field) => {
    const err = await failure({ ...base, ...patch });
    expect(err.code).toBe('header_injection');
    expect(err.field).toBe(field);
  });

  const invalid: Array<[string, Partial<ComposeInput>, ComposeErrorCode, string]> = [
    ['a from address without @', { from: { address: 'agent' } }, 'invalid_address', 'from.address'],
    ['a to address with a space', { to: [{ address: 'ana maria@customer.example' }] }, 'invalid_address', 'to[0].address'],
    ['two addresses in one', { to: [{ address: 'a@b.example, c@d.example' }] }, 'invalid_address', 'to[0].address'],
    ['an address with angle brackets', { to: [{ address: '<a@b.example>' }] }, 'invalid_address', 'to[0].address'],
    ['a host without a dot', { cc: [{ address: 'a@localhost' }] }, 'invalid_address', 'cc[0].address'],
    ['no recipients at all', { to: [] }, 'missing_recipient', 'to'],
    ['no body', { text: undefined }, 'missing_body', 'text'],
    ['a message id without @', { messageId: 'abc' }, 'invalid_message_id', 'messageId'],
    ['a reference with a space', { references: ['a b@c.example'] }, 'invalid_message_id', 'references[0]'],
    ['a header name with a colon', { headers: { 'X-A:B': 'x' } }, 'invalid_header', 'headers.X-A:B'],
    ['a header name with a space', { headers: { 'X A': 'x' } }, 'invalid_header', 'headers.X A'],
    ['a Bcc header smuggled as an extra', { headers: { bcc: 'x@y.example' } }, 'reserved_header', 'headers.bcc'],
    ['a Subject header smuggled as an extra', { headers: { Subject: 'other' } }, 'reserved_header', 'headers.Subject'],
    ['Precedence as an extra', { headers: { Precedence: 'list' } }, 'reserved_header', 'headers.Precedence'],
    ['a content type with parameters', { attachments: [{ filename: 'a', contentType: 'text/html; charset=x', content: Buffer.from('') }] }, 'invalid_content_type', 'attachments[0].contentType'],
    ['an empty filename', { attachments: [{ filename: ' ', contentType: 'text/plain', content: Buffer.from('') }] }, 'invalid_header', 'attachments[0].filename'],
    ['an invalid date', { date: new Date('nope') }, 'invalid_header', 'date'],
  ];
  it.each(invalid)('refuses %s', async (_name, patch, code, field) => {
    const err = await failure({ ...base, ...patch });
    expect({ code: err.code, field: err.field }).toEqual({ code, field });
  });
});

describe('isValidAddress', () => {
  const cases: Array<[string, boolean]> = [
    ['ana@customer.example', true],
    ['first.last+tag@sub.customer.example', true],
    ["o'brien@example.ie", true],
    ['josé@correo.example', true],
    ['ana@bücher.example', true],
    ['a@b.co', true],
    ['', false],
    ['ana', false],
    ['@customer.example', false],
    ['ana@', false],
    ['ana@@customer.example', false],
    ['ana@localhost', false],
    ['ana@1.2.3.4', false],
    ['ana@[192.0.2.1]', false],
    ['"ana maria"@customer.example', false],
    ['.ana@customer.example', false],
    ['ana.@customer.example', false],
    ['an..a@customer.example', false],
    ['ana@-customer.example', false],
    ['ana@customer-.example', false],
    ['ana@customer..example', false],
    ['ana@customer.example.', false],
    [`${'a'.repeat(65)}@customer.example`, false],
    [`a@${'b'.repeat(64)}.example`, false],
    [`a@${'b.'.repeat(130)}example`, false],
  ];
  it.each(cases)('%j → %s', (address, expected) => {
    expect(isValidAddress(address)).toBe(expected);
  });
});
