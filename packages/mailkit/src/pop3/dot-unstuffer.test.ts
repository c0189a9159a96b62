import { describe, expect, it } from 'vitest';
import { DotUnstuffer } from './dot-unstuffer.ts';

// What a POP3 server sends for a message: leading dots doubled, then ".\r\n".
function stuff(message: Buffer): Buffer {
  const text = message.toString('latin1');
  const lines = text.split('\r\n');
  return Buffer.from(lines.map((l, i) => (l.startsWith('.') && i < lines.length - 1 ? `.${l}` : l)).join('\r\n') + '.\r\n', 'latin1');
}

// Feeds the wire bytes in the given chunk sizes; returns the body and the bytes left unused after the end.
function decode(wire: Buffer, sizes: number[], maxBytes = 1 << 30): { body: DotUnstuffer; rest: Buffer } {
  const body = new DotUnstuffer(maxBytes);
  let at = 0;
  for (let k = 0; at < wire.length; k++) {
    const chunk = wire.subarray(at, at + (sizes[k % sizes.length] ?? 1));
    const step = body.push(chunk);
    at += step.used;
    if (step.done) return { body, rest: wire.subarray(at) };
    expect(step.used).toBe(chunk.length);
  }
  throw new Error('no terminator');
}

const cases: Array<[string, string]> = [
  ['empty message', ''],
  ['plain lines', 'Subject: x\r\n\r\nhello\r\nworld\r\n'],
  ['leading dots', '.a\r\n..b\r\n.\r\n...\r\n. \r\nx.y\r\n'],
  ['a dot line first', '.\r\nafter\r\n'],
  ['bare CR and LF inside lines', 'a\rb\r\nc\nd\r\n\r.x\r\n'],
  ['8-bit bytes', 'caf\xe9 \xff\xfe\x80\r\n.\xe9\r\n'],
  ['a dot then a bare CR', '.\rx\r\ny\r\n'],
];

describe('DotUnstuffer', () => {
  it.each(cases)('round-trips %s whatever the packet boundaries', (_name, text) => {
    const message = Buffer.from(text, 'latin1');
    const wire = stuff(message);
    for (const sizes of [[wire.length], [1], [2], [3], [1, 2, 5], [7]]) {
      const { body, rest } = decode(Buffer.concat([wire, Buffer.from('+OK next\r\n')]), sizes);
      expect(body.result().equals(message), `${JSON.stringify(text)} in chunks of ${sizes.join(',')}`).toBe(true);
      expect(rest.toString()).toBe('+OK next\r\n');
    }
  });

  it('drops the first dot of any line that is not the terminator, even unstuffed', () => {
    const { body } = decode(Buffer.from('.\rx\r\n.y\r\n.\r\n', 'latin1'), [1]);
    expect(body.result().toString('latin1')).toBe('\rx\r\ny\r\n');
  });

  it('keeps lines of any length', () => {
    const message = Buffer.from(`${'x'.repeat(100_000)}\r\n.${'y'.repeat(50_000)}\r\n`);
    expect(decode(stuff(message), [4096]).body.result().equals(message)).toBe(true);
  });

  it('stops keeping bytes past maxBytes but still finds the end', () => {
    const message = Buffer.from('0123456789\r\n'.repeat(10));
    const { body, rest } = decode(Buffer.concat([stuff(message), Buffer.from('+OK')]), [5], 50);
    expect(body.overflowed).toBe(true);
    expect(body.size).toBe(message.length);
    expect(rest.toString()).toBe('+OK');
    expect(() => body.result()).toThrow();
  });

  it('accepts a message of exactly maxBytes', () => {
    const message = Buffer.from('abc\r\n');
    const { body } = decode(stuff(message), [1], message.length);
    expect(body.result().equals(message)).toBe(true);
  });
});
