import { describe, expect, it } from 'vitest';
import { sanitizeFilename } from './filename.ts';

const pdf = { index: 3, contentType: 'application/pdf' };

describe('sanitizeFilename', () => {
  const cases: Array<[string, string | null | undefined, { index: number; contentType: string }, string]> = [
    ['plain name kept', 'report.pdf', pdf, 'report.pdf'],
    ['unix traversal keeps the last segment', '../../etc/passwd', pdf, 'passwd'],
    ['windows path keeps the last segment', 'C:\\Users\\eve\\invoice.pdf', pdf, 'invoice.pdf'],
    ['trailing separator', 'dir/', pdf, 'dir'],
    ['NUL removed', 'a\u0000b.txt', pdf, 'ab.txt'],
    ['C0 and C1 controls removed', 'a\u0007\u001b\u0085b.txt', pdf, 'ab.txt'],
    ['newline removed, no header injection', 'a\r\nContent-Type: x.txt', pdf, 'aContent-Type_ x.txt'],
    ['leading dot removed (hidden file)', '.htaccess', pdf, 'htaccess'],
    ['only dots falls back', '...', pdf, 'attachment-3.pdf'],
    ['RTL override removed', 'invoice\u202Efdp.exe', pdf, 'invoicefdp.exe'],
    ['bidi isolates and zero-width removed', '\u2067a\u200Bb\u2069.txt', pdf, 'ab.txt'],
    ['empty falls back with extension from type', '', pdf, 'attachment-3.pdf'],
    ['null falls back', null, { index: 1, contentType: 'image/png' }, 'attachment-1.png'],
    ['undefined falls back, unknown type', undefined, { index: 2, contentType: 'application/x-whatever' }, 'attachment-2.bin'],
    ['whitespace-only falls back, message gets .eml', '   ', { index: 4, contentType: 'message/rfc822' }, 'attachment-4.eml'],
    ['other text types get .txt', '', { index: 5, contentType: 'text/x-log' }, 'attachment-5.txt'],
    ['Windows-reserved characters replaced', 'a<b>c:d"e|f?g*h.txt', pdf, 'a_b_c_d_e_f_g_h.txt'],
    ['Windows device name prefixed', 'CON.txt', pdf, '_CON.txt'],
    ['trailing dots and spaces removed', 'name.txt. . ', pdf, 'name.txt'],
    ['NFD normalised to NFC', 'Cafe\u0301.txt', pdf, 'Caf\u00e9.txt'],
  ];
  it.each(cases)('%s', (_label, name, fallback, expected) => {
    expect(sanitizeFilename(name, fallback)).toBe(expected);
  });

  it('cuts a 300-byte name to 255 bytes and keeps the extension', () => {
    const out = sanitizeFilename(`${'a'.repeat(296)}.pdf`, pdf);
    expect(Buffer.byteLength(out)).toBe(255);
    expect(out.endsWith('.pdf')).toBe(true);
  });

  it('never splits a multibyte character when cutting', () => {
    const out = sanitizeFilename(`${'日'.repeat(120)}.txt`, pdf); // 364 bytes
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(255);
    expect(out).toMatch(/^日+\.txt$/);
    expect(out).not.toContain('\ufffd');
  });

  it('cuts a long name without extension', () => {
    const out = sanitizeFilename('€'.repeat(100), pdf); // 300 bytes
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(255);
    expect(out).toBe('€'.repeat(85));
  });
});
