import { describe, expect, it } from 'vitest';
import { decodeCharset, decodeUnlabelled } from './charset.ts';

describe('decodeCharset', () => {
  it('decodes a declared charset', () => {
    expect(decodeCharset(Buffer.from([0x47, 0x72, 0xfc, 0xdf, 0x65]), 'iso-8859-1')).toBe('Grüße');
    expect(decodeCharset(Buffer.from('\x1b$B$3$s\x1b(B', 'latin1'), 'ISO-2022-JP')).toBe('こん');
  });

  it('reads windows-1252 where the label says latin1', () => {
    expect(decodeCharset(Buffer.from([0x80, 0x93, 0x94]), 'latin1')).toBe('€“”');
  });

  it('takes 8-bit bytes under a 7-bit ISO-2022 label for the text they are', () => {
    expect(decodeCharset(Buffer.from('送信できませんでした', 'utf8'), '"ISO-2022-JP"')).toBe('送信できませんでした');
    const eucJp = Buffer.from([0xa4, 0xb3, 0xa4, 0xf3, 0xa4, 0xcb, 0xa4, 0xc1, 0xa4, 0xcf]);
    expect(decodeCharset(eucJp, 'iso-2022-jp')).toBe('こんにちは');
  });

  it('never decodes UTF-7 into markup, and never throws on an unknown label', () => {
    expect(decodeCharset(Buffer.from('+ADw-script+AD4-'), 'utf-7')).toBe('+ADw-script+AD4-');
    expect(decodeCharset(Buffer.from('plain'), 'x-no-such-charset')).toBe('plain');
  });

  it('reads unlabelled bytes as UTF-8, else windows-1252', () => {
    expect(decodeUnlabelled(Buffer.from('café', 'utf8'))).toBe('café');
    expect(decodeUnlabelled(Buffer.from([0x63, 0x61, 0x66, 0xe9]))).toBe('café');
  });
});
