import { describe, expect, it } from 'vitest';
import { DEFAULT_PARSE_LIMITS, resolveLimits, type ParseLimits } from './limits.ts';
import { ParseRejectedError, type ParseRejectCode } from './parse-error.ts';
import { parseMessage } from './parse-message.ts';

const crlf = (...lines: string[]): Buffer => Buffer.from(lines.join('\r\n'));

/** A multipart/mixed with `n` small text parts. */
function manyParts(n: number): Buffer {
  const parts = Array.from({ length: n }, (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join('');
  return Buffer.from(`From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n${parts}--b--\r\n`);
}

/** Multiparts nested `levels` deep (the top entity is level 0). */
function nested(levels: number): Buffer {
  let body = 'leaf\r\n';
  for (let i = levels; i >= 1; i--) body = `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n${body}\r\n--b${i}--\r\n`;
  return Buffer.from(`From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n--b0\r\n${body}\r\n--b0--\r\n`);
}

/** Embedded message/rfc822 parts nested `levels` deep: depth counts through messages too. */
function nestedMessages(levels: number): Buffer {
  let msg = 'Subject: innermost\r\n\r\nbody\r\n';
  for (let i = 0; i < levels; i++) msg = `Subject: level\r\nContent-Type: message/rfc822\r\n\r\n${msg}`;
  return Buffer.from(msg);
}

describe('resolveLimits', () => {
  it('fills unset limits from the defaults', () => {
    expect(resolveLimits({ maxParts: 3 })).toEqual({ ...DEFAULT_PARSE_LIMITS, maxParts: 3 });
    expect(resolveLimits()).toEqual(DEFAULT_PARSE_LIMITS);
  });
  it('has the documented defaults', () => {
    expect(DEFAULT_PARSE_LIMITS).toEqual({
      maxMessageBytes: 50 * 1024 * 1024,
      maxParts: 500,
      maxDepth: 20,
      maxHeaderBytes: 256 * 1024,
      maxHeaderLineBytes: 64 * 1024,
    });
  });
  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses %s', (v) => {
    expect(() => resolveLimits({ maxDepth: v })).toThrow(RangeError);
  });
});

describe('parseMessage limits', () => {
  const ok = crlf('From: a@example.com', 'Subject: hi', '', 'body');
  // [label, raw, limits, expected code or 'ok']
  const cases: Array<[string, Buffer, Partial<ParseLimits>, ParseRejectCode | 'ok']> = [
    ['within every limit', ok, {}, 'ok'],
    ['size exactly at the limit', ok, { maxMessageBytes: ok.length }, 'ok'],
    ['one byte over the size limit', ok, { maxMessageBytes: ok.length - 1 }, 'too_large'],
    ['empty input', Buffer.alloc(0), {}, 'unparseable'],
    ['10 parts + container under maxParts 11', manyParts(10), { maxParts: 11 }, 'ok'],
    ['10 parts + container over maxParts 10', manyParts(10), { maxParts: 10 }, 'too_many_parts'],
    ['600 parts over the default', manyParts(600), {}, 'too_many_parts'],
    ['depth 5 under maxDepth 5', nested(4), { maxDepth: 5 }, 'ok'],
    ['depth 6 over maxDepth 5', nested(5), { maxDepth: 5 }, 'too_deep'],
    ['25 nested multiparts over the default', nested(25), {}, 'too_deep'],
    ['nested message/rfc822 count as depth', nestedMessages(6), { maxDepth: 5 }, 'too_deep'],
    ['nested message/rfc822 within depth', nestedMessages(5), { maxDepth: 5 }, 'ok'],
    ['header block over maxHeaderBytes', crlf(...Array.from({ length: 200 }, (_, i) => `X-H${i}: ${'v'.repeat(50)}`), '', 'b'), { maxHeaderBytes: 4096 }, 'header_too_long'],
    ['header block that never ends', Buffer.from(`X-A: ${'v'.repeat(5000)}`), { maxHeaderBytes: 4096, maxHeaderLineBytes: 100_000 }, 'header_too_long'],
    ['one folded field over maxHeaderLineBytes', crlf('From: a@example.com', `Subject: ${'word '.repeat(100)}`, ` ${'word '.repeat(100)}`, '', 'b'), { maxHeaderLineBytes: 600 }, 'header_too_long'],
    ['a long field in a nested part', manyPartsWithHeader(`X-Big: ${'x'.repeat(2000)}`), { maxHeaderLineBytes: 1000 }, 'header_too_long'],
    ['default line limit: a 70 KiB To field', crlf('From: a@example.com', `To: ${'a@example.com, '.repeat(5000)}`, '', 'b'), {}, 'header_too_long'],
  ];
  it.each(cases)('%s', async (_label, raw, limits, expected) => {
    const result = await parseMessage(raw, limits).then(
      () => 'ok' as const,
      (err: unknown) => {
        expect(err).toBeInstanceOf(ParseRejectedError);
        const e = err as ParseRejectedError;
        expect(e.reason.length).toBeGreaterThan(5);
        return e.code;
      },
    );
    expect(result).toBe(expected);
  });

  // Its speed is measured by the parse benchmark, not asserted here: a shared machine makes any bound flaky.
  it('rejects deep nesting as too deep, before any decoding (a 100k-level bomb)', async () => {
    const bomb = Buffer.from(Array.from({ length: 100_000 }, (_, i) => `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n`).join(''));
    await expect(parseMessage(bomb)).rejects.toMatchObject({ code: 'too_deep' });
  });
});

function manyPartsWithHeader(header: string): Buffer {
  return Buffer.from(`From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n${header}\r\n\r\nx\r\n--b--\r\n`);
}
