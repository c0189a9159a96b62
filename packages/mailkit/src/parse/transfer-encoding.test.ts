import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeQuotedPrintable, decodeTransfer } from './transfer-encoding.ts';

const wrapped = (data: Buffer, eol = '\r\n'): Buffer => Buffer.from(data.toString('base64').replace(/.{76}/g, `$&${eol}`), 'latin1');
const nodeDecode = (body: Buffer): Buffer => Buffer.from(body.toString('latin1'), 'base64');

describe('decodeTransfer base64', () => {
  it('decodes small and large bodies (sliced past 1 MiB) to the original bytes', () => {
    for (const size of [0, 1, 2, 3, 57, 1_000, 786_431, 786_432, 786_433, 3 * 1024 * 1024 + 7]) {
      const data = randomBytes(size);
      expect(decodeTransfer(wrapped(data), 'base64').equals(data)).toBe(true);
      expect(decodeTransfer(wrapped(data, '\n'), 'base64').equals(data)).toBe(true);
    }
  });

  it('reads a large body with odd line lengths, blanks and garbage as Node\'s decoder reads it whole', () => {
    const data = randomBytes(2_500_000);
    const b64 = data.toString('base64');
    // lines of 61 characters (quads split across lines and across slices), tabs, stray bytes
    const messy = Buffer.from(b64.replace(/.{61}/g, '$&\t \r\n').replace(/(.{5000})/g, '$1\x01*'), 'latin1');
    const got = decodeTransfer(messy, 'base64');
    expect(got.equals(nodeDecode(messy))).toBe(true);
    expect(got.equals(data)).toBe(true);
  });

  it('stops a large body at its padding, as Node does', () => {
    const data = randomBytes(1_500_001); // ends in padding
    const body = Buffer.concat([wrapped(data), Buffer.from('\r\nQUJD\r\n')]);
    expect(decodeTransfer(body, 'base64').equals(nodeDecode(body))).toBe(true);
  });

  it('gives the decoded part its own memory block, so it can be moved between threads', () => {
    const data = randomBytes(2_000_000);
    const got = decodeTransfer(wrapped(data), 'base64');
    expect(got.buffer.byteLength).toBeLessThan(2_100_000);
  });
});

describe('decodeTransfer quoted-printable', () => {
  it('drops soft breaks and decodes escapes', () => {
    expect(decodeQuotedPrintable(Buffer.from('caf=C3=A9 =\r\nau lait=\n!')).toString()).toBe('café au lait!');
    expect(decodeTransfer(Buffer.from('a=3Db'), 'quoted-printable').toString()).toBe('a=b');
    expect(decodeTransfer(Buffer.from('as is'), '8bit').toString()).toBe('as is');
  });
});
