import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseMessage } from './parse-message.ts';

const crlf = (...lines: string[]): Buffer => Buffer.from(lines.join('\r\n'));

describe('parseMessage headers', () => {
  const raw = crlf(
    'Return-Path: <>',
    'Received: from x by y; Mon, 1 Jan 2024 10:00:00 +0000',
    'From: "Ann" <Ann@Example.COM>',
    'Sender: list-bounces@Lists.Example.org',
    'Reply-To: help@example.com, =?utf-8?Q?Bj=C3=B6rn?= <bjorn@example.se>',
    'To: a@x.org,',
    '  b@y.org',
    'To: c@z.org',
    'Cc: undisclosed-recipients:;',
    'Subject: =?utf-8?Q?=3Cscript=3Ealert(1)=3C/script=3E?=',
    'Message-ID: <abc.123@Example.COM>',
    'In-Reply-To: <parent@example.com> (Ann\'s message of Monday)',
    'References: <root@example.com>',
    '  <parent@example.com>',
    'Date: Mon, 01 Jan 2024 12:00:00 +0200',
    'X-Custom: =?iso-8859-1?Q?caf=E9?=',
    '',
    'Hello',
  );

  it('fills every field, decoded and normalised', async () => {
    const m = await parseMessage(raw);
    expect(m.returnPath).toBe('');
    expect(m.from).toEqual({ address: 'Ann@example.com', name: 'Ann' });
    expect(m.sender).toEqual({ address: 'list-bounces@lists.example.org', name: '' });
    expect(m.replyTo).toEqual([
      { address: 'help@example.com', name: '' },
      { address: 'bjorn@example.se', name: 'Björn' },
    ]);
    expect(m.to.map((a) => a.address)).toEqual(['a@x.org', 'b@y.org', 'c@z.org']);
    expect(m.cc).toEqual([]);
    expect(m.subject).toBe('<script>alert(1)</script>');
    expect(m.messageId).toBe('abc.123@Example.COM');
    expect(m.inReplyTo).toEqual(['parent@example.com']);
    expect(m.references).toEqual(['root@example.com', 'parent@example.com']);
    expect(m.date).toBe('2024-01-01T10:00:00.000Z');
    expect(m.text).toBe('Hello');
    expect(m.html).toBeNull();
    expect(m.parts).toEqual([{ path: '', contentType: 'text/plain', params: {}, disposition: null, filename: null, size: 5, text: 'Hello' }]);
    expect(m.attachments).toEqual([]);
  });

  it('lists header fields in order, lowercased, unfolded and decoded', async () => {
    const m = await parseMessage(raw);
    expect(m.headers.map((h) => h.name)).toEqual([
      'return-path', 'received', 'from', 'sender', 'reply-to', 'to', 'to', 'cc', 'subject', 'message-id', 'in-reply-to', 'references', 'date', 'x-custom',
    ]);
    expect(m.headers.find((h) => h.name === 'x-custom')?.value).toBe('café');
    expect(m.headers.find((h) => h.name === 'references')?.value).toBe('<root@example.com>  <parent@example.com>');
  });

  const absent: Array<[string, Buffer, Partial<Record<'messageId' | 'date' | 'returnPath' | 'from', unknown>>]> = [
    ['no headers at all', crlf('', 'body'), { messageId: null, date: null, returnPath: null, from: null }],
    ['unparseable date', crlf('Date: not a date', '', 'b'), { date: null }],
    ['Message-ID without brackets', crlf('Message-ID: bare@example.com', '', 'b'), { messageId: 'bare@example.com' }],
    ['Return-Path with address', crlf('Return-Path: <Bounce+x@Example.com>', '', 'b'), { returnPath: 'Bounce+x@example.com' }],
    ['mbox From_ line and BOM dropped', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), crlf('From someone Mon Jan 1 00:00:00 2024', 'From: a@b.example', '', 'b')]), { from: { address: 'a@b.example', name: '' } }],
  ];
  it.each(absent)('%s', async (_label, input, expected) => {
    expect(await parseMessage(input)).toMatchObject(expected);
  });
});

describe('parseMessage structure', () => {
  const pdf = Buffer.from('%PDF-1.4 not really');
  const raw = crlf(
    'From: a@example.com',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    'preamble',
    '--outer',
    'Content-Type: multipart/alternative; boundary=inner',
    '',
    '--inner',
    'Content-Type: text/plain; charset=iso-8859-1',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Caf=E9',
    '--inner',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>Café</p>',
    '--inner--',
    '--outer',
    'Content-Type: application/pdf; name="../../etc/passwd"',
    'Content-Disposition: attachment; filename="..\\\\..\\\\report\u202Efdp.exe"',
    'Content-Transfer-Encoding: base64',
    '',
    pdf.toString('base64'),
    '--outer',
    'Content-Type: message/rfc822',
    '',
    'From: inner@example.com',
    'Message-ID: <inner-id@example.com>',
    'Content-Type: multipart/mixed; boundary=emb',
    '',
    '--emb',
    'Content-Type: text/plain',
    '',
    'inner text',
    '--emb',
    'Content-Type: image/png',
    'Content-ID: <img1@example.com>',
    'Content-Disposition: inline',
    'Content-Transfer-Encoding: base64',
    '',
    'iVBORw0KGgo=',
    '--emb--',
    '--outer--',
    'epilogue',
  );

  it('flattens parts in document order with IMAP paths and texts', async () => {
    const m = await parseMessage(raw);
    expect(m.parts.map((p) => [p.path, p.contentType])).toEqual([
      ['', 'multipart/mixed'],
      ['1', 'multipart/alternative'],
      ['1.1', 'text/plain'],
      ['1.2', 'text/html'],
      ['2', 'application/pdf'],
      ['3', 'message/rfc822'],
      // the embedded message's multipart root is not numbered (IMAP), its children are
      ['3.1', 'text/plain'],
      ['3.2', 'image/png'],
    ]);
    const byPath = new Map(m.parts.map((p) => [p.path, p]));
    expect(byPath.get('1.1')?.text).toBe('Café');
    expect(byPath.get('1.1')?.params).toEqual({ charset: 'iso-8859-1' });
    expect(byPath.get('1.2')?.text).toBe('<p>Café</p>');
    expect(byPath.get('2')).toMatchObject({ disposition: 'attachment', filename: 'reportfdp.exe', size: pdf.length });
    expect(byPath.get('2')?.text).toBeUndefined();
    expect(byPath.get('3')?.text).toContain('Message-ID: <inner-id@example.com>');
    expect(byPath.get('3')?.text).not.toContain('inner text');
    expect(byPath.get('3.1')?.text).toBe('inner text');
    expect(m.text).toBe('Café');
    expect(m.html).toBe('<p>Café</p>');
  });

  it('stores attachments content-addressed with sanitised names; embedded messages stay attachments', async () => {
    const m = await parseMessage(raw);
    expect(m.attachments.map((a) => [a.partPath, a.contentType, a.filename])).toEqual([
      ['2', 'application/pdf', 'reportfdp.exe'],
      ['3', 'message/rfc822', 'attachment-2.eml'],
    ]);
    const [file] = m.attachments;
    expect(Buffer.isBuffer(file!.content)).toBe(true);
    expect(file!.content.equals(pdf)).toBe(true);
    expect(file!.sha256).toBe(createHash('sha256').update(pdf).digest('hex'));
    expect(file!.size).toBe(pdf.length);
    expect(file!.inline).toBe(false);
    expect(m.text).not.toContain('inner text');
  });

  it('keeps inline images with their Content-ID', async () => {
    const m = await parseMessage(
      crlf(
        'Content-Type: multipart/related; boundary=r',
        '',
        '--r',
        'Content-Type: text/html',
        '',
        '<img src="cid:logo@x">',
        '--r',
        'Content-Type: image/png',
        'Content-ID: <logo@x>',
        'Content-Transfer-Encoding: base64',
        '',
        'iVBORw0KGgo=',
        '--r--',
      ),
    );
    expect(m.attachments).toHaveLength(1);
    expect(m.attachments[0]).toMatchObject({ partPath: '2', contentId: 'logo@x', inline: true, filename: 'attachment-1.png' });
    expect(m.html).toBe('<img src="cid:logo@x">');
  });

  const reports: Array<[string, string, string]> = [
    ['message/delivery-status', 'Final-Recipient: rfc822; x@y.example', 'Final-Recipient: rfc822; x@y.example'],
    ['message/feedback-report', 'Feedback-Type: abuse', 'Feedback-Type: abuse'],
    ['message/disposition-notification', 'Disposition: manual-action/MDN-sent-manually; displayed', 'Disposition: manual-action/MDN-sent-manually; displayed'],
    ['text/rfc822-headers', 'Message-ID: <orig@example.com>', 'Message-ID: <orig@example.com>'],
    ['message/global-delivery-status', 'Final-Recipient: rfc822; ü@y.example', 'Final-Recipient: rfc822; ü@y.example'],
  ];
  it.each(reports)('gives %s parts their text', async (type, body, text) => {
    const m = await parseMessage(crlf('Content-Type: multipart/report; report-type=x; boundary=z', '', '--z', `Content-Type: ${type}`, '', body, '--z--'));
    expect(m.parts[1]).toMatchObject({ path: '1', contentType: type, text });
    expect(m.parts[0]?.params['report-type']).toBe('x');
  });

  it('reads digest parts as messages and base64-encoded embedded messages', async () => {
    const embedded = Buffer.from('Subject: encoded inner\r\nMessage-ID: <enc@example.com>\r\n\r\nhello\r\n').toString('base64');
    const m = await parseMessage(
      crlf(
        'Content-Type: multipart/mixed; boundary=o',
        '',
        '--o',
        'Content-Type: multipart/digest; boundary=d',
        '',
        '--d',
        '',
        'Subject: digest item',
        '',
        'item body',
        '--d--',
        '--o',
        'Content-Type: message/rfc822',
        'Content-Transfer-Encoding: base64',
        '',
        embedded,
        '--o--',
      ),
    );
    expect(m.parts.map((p) => [p.path, p.contentType, p.text])).toEqual([
      ['', 'multipart/mixed', undefined],
      ['1', 'multipart/digest', undefined],
      ['1.1', 'message/rfc822', 'Subject: digest item\n'],
      ['1.1.1', 'text/plain', 'item body'],
      ['2', 'message/rfc822', 'Subject: encoded inner\nMessage-ID: <enc@example.com>\n'],
      ['2.1', 'text/plain', 'hello\n'],
    ]);
  });

  it('a single-part attachment message has path ""', async () => {
    const m = await parseMessage(crlf('Content-Type: application/octet-stream', 'Content-Disposition: attachment; filename=".."', '', 'xyz'));
    expect(m.parts).toEqual([{ path: '', contentType: 'application/octet-stream', params: {}, disposition: 'attachment', filename: 'attachment-1.bin', size: 3 }]);
    expect(m.attachments.map((a) => [a.partPath, a.filename])).toEqual([['', 'attachment-1.bin']]);
  });

  it('takes an invalid content type as a file, never as text', async () => {
    const m = await parseMessage(crlf('Content-Type: application-x-gzip; name="document.xml.gz"', '', 'blah'));
    expect(m.parts[0]).toMatchObject({ contentType: 'application/octet-stream', filename: 'document.xml.gz' });
    expect(m.parts[0]?.text).toBeUndefined();
  });

  it('never decodes UTF-7 bodies into markup', async () => {
    const m = await parseMessage(crlf('Content-Type: text/html; charset=utf-7', '', '+ADw-script+AD4-alert(1)+ADw-/script+AD4-'));
    expect(m.parts[0]?.text).not.toContain('<script>');
    expect(m.html ?? '').not.toContain('<script>');
  });
});

describe('parseMessage body', () => {
  it('keeps the text of a multipart/alternative and its HTML, without converting the HTML', async () => {
    const latin1 = (...lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'latin1');
    const m = await parseMessage(
      latin1(
        'Content-Type: multipart/alternative; boundary=a',
        '',
        '--a',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Gr=C3=BC=C3=9Fe',
        '--a',
        'Content-Type: text/html; charset=iso-8859-1',
        '',
        '<p>Gr\u00fc\u00dfe</p>',
        '--a--',
      ),
    );
    expect(m.text).toBe('Grüße');
    expect(m.html).toBe('<p>Grüße</p>');
    expect(m.attachments).toEqual([]);
  });

  it('converts an HTML-only message to text, and an HTML part beside text outside an alternative', async () => {
    const only = await parseMessage(crlf('Content-Type: text/html', '', '<p>Hello <b>there</b></p>'));
    expect(only.text).toBe('Hello there');
    const mixed = await parseMessage(
      crlf('Content-Type: multipart/mixed; boundary=m', '', '--m', '', 'intro', '--m', 'Content-Type: text/html', '', '<p>second</p>', '--m--'),
    );
    expect(mixed.text).toBe('intro\nsecond');
    expect(mixed.html).toBe('<p>second</p>');
    // HTML alone inside a related part is shown as HTML; there is no text to add it to
    const related = await parseMessage(crlf('Content-Type: multipart/related; boundary=r', '', '--r', 'Content-Type: text/html', '', '<p>x</p>', '--r--'));
    expect(related.text).toBeNull();
    expect(related.html).toBe('<p>x</p>');
  });

  it('unfolds format=flowed text (RFC 3676), with and without DelSp', async () => {
    const flowed = await parseMessage(crlf('Content-Type: text/plain; format=flowed', '', 'one long ', 'line', '> quoted', '-- ', 'sig'));
    expect(flowed.text).toBe('one long line\n> quoted\n-- \nsig');
    const delsp = await parseMessage(crlf('Content-Type: text/plain; format=flowed; delsp=yes', '', 'Unter ', 'brochen'));
    expect(delsp.text).toBe('Unterbrochen');
  });

  it('takes a text part with an attachment disposition, and any non-text part, as files', async () => {
    const m = await parseMessage(
      crlf(
        'Content-Type: multipart/mixed; boundary=m',
        '',
        '--m',
        '',
        'body',
        '--m',
        'Content-Type: text/plain; name=notes.txt',
        'Content-Disposition: attachment',
        '',
        'file text',
        '--m',
        'Content-Type: application/octet-stream',
        'Content-Disposition: attachment; filename*=utf-8\'\'r%C3%A9sum%C3%A9.pdf',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('%PDF-1.4').toString('base64'),
        '--m--',
      ),
    );
    expect(m.text).toBe('body');
    expect(m.attachments.map((a) => [a.partPath, a.filename, a.contentType, a.content.toString()])).toEqual([
      ['2', 'notes.txt', 'text/plain', 'file text'],
      // a file sent as octet-stream is typed by its name
      ['3', 'résumé.pdf', 'application/pdf', '%PDF-1.4'],
    ]);
  });

  it('never takes the text of an embedded message for the sender\'s own words', async () => {
    const m = await parseMessage(
      crlf('Content-Type: multipart/mixed; boundary=m', '', '--m', '', 'see below', '--m', 'Content-Type: message/rfc822', '', 'Subject: old', '', 'forwarded words', '--m--'),
    );
    expect(m.text).toBe('see below');
    expect(m.attachments).toHaveLength(1);
    expect(m.attachments[0]!.content.toString()).toContain('forwarded words');
  });

  it('gives a file that is not transfer-encoded its own memory, not a view of the whole message', async () => {
    // large enough for a memory block of its own (small Buffers share Node's pool)
    const raw = crlf(`X-Padding: ${'x'.repeat(10_000)}`, 'Content-Type: multipart/mixed; boundary=m', '', '--m', 'Content-Type: image/png', '', 'PNGDATA', '--m--');
    const m = await parseMessage(raw);
    const content = m.attachments[0]!.content;
    expect(content.toString()).toBe('PNGDATA');
    expect(content.buffer).not.toBe(raw.buffer);
  });
});

describe('parseMessage line ends', () => {
  const lines = [
    'From "old mac" Mon Jan  1 00:00:00 1996',
    'From: Old Mac <mac@example.com>',
    'Subject: written on System 7',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain',
    '',
    'Line one',
    'Line two',
    '--b',
    'Content-Type: application/octet-stream; name="notes.txt"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('file body').toString('base64'),
    '--b--',
    '',
  ];
  const ends: Array<[string, (i: number) => string]> = [
    ['CRLF', () => '\r\n'],
    ['CR alone', () => '\r'],
    ['LF alone', () => '\n'],
    ['CRLF, LF and CR mixed', (i) => ['\r\n', '\n', '\r'][i % 3]!],
  ];

  it.each(ends)('reads a message whose lines end in %s', async (_name, end) => {
    const raw = Buffer.from(lines.map((l, i) => l + end(i)).join(''), 'latin1');
    const m = await parseMessage(raw);
    expect(m.from).toEqual({ address: 'mac@example.com', name: 'Old Mac' });
    expect(m.subject).toBe('written on System 7');
    expect(m.text?.replace(/\r?\n/g, '\n')).toBe('Line one\nLine two');
    expect(m.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([['notes.txt', 'file body']]);
  });

  it('leaves the bytes it was given as they were', async () => {
    const raw = Buffer.from(lines.join('\r'), 'latin1');
    const copy = Buffer.from(raw);
    await parseMessage(raw);
    expect(raw.equals(copy)).toBe(true);
  });
});
