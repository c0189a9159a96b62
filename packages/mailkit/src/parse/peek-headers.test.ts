import { describe, expect, it } from 'vitest';
import { peekHeaders } from './peek-headers.ts';

describe('peekHeaders', () => {
  it.each([
    ['CRLF', '\r\n'],
    ['CR alone', '\r'],
    ['LF alone', '\n'],
  ])('reads Subject, From and Message-ID of a message whose lines end in %s', (_name, end) => {
    const raw = Buffer.from(['From: =?utf-8?Q?Bj=C3=B6rn?= <b@example.se>', 'Subject: a\tb', 'Message-ID: <id-1@example.se>', '', 'Subject: not a header'].join(end));
    expect(peekHeaders(raw)).toEqual({ subject: 'a b', from: 'Björn <b@example.se>', messageId: 'id-1@example.se' });
  });

  it('gives nulls for what is absent, and reads no further than the first 64 KiB', () => {
    const raw = Buffer.concat([Buffer.from(`X-Long: ${'a'.repeat(70 * 1024)}\r\n`), Buffer.from('Subject: too late\r\n\r\n')]);
    expect(peekHeaders(raw)).toEqual({ subject: null, from: null, messageId: null });
  });

  it('shortens a hostile subject to 300 characters and blanks control characters', () => {
    const raw = Buffer.from(`Subject: ${'\u0007x'.repeat(400)}\r\n\r\n`);
    const { subject } = peekHeaders(raw);
    expect(subject).toHaveLength(300);
    expect(subject).not.toMatch(/[\u0000-\u001f]/);
  });
});
