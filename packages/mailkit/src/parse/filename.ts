// Attachment names are hostile: path traversal, control characters, bidi
// overrides that make `invoice\u202Efdp.exe` display as `invoiceexe.pdf`,
// hidden dot-files, names too long for a file system.

// C0/C1 controls, DEL, bidi embeddings/overrides/isolates and marks,
// zero-width characters, line/paragraph separators, the BOM.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
// Characters Windows refuses in file names; replaced so a download never fails or surprises.
const RESERVED_CHARS = /[<>:"|?*]/g;
// Device names Windows treats specially whatever the extension.
const RESERVED_NAMES = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;
const MAX_BYTES = 255;

// A file extension for the fallback name, so the file still opens with the right program.
const EXTENSIONS: Record<string, string> = {
  'application/pdf': '.pdf',
  'application/zip': '.zip',
  'application/json': '.json',
  'application/msword': '.doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': '.docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': '.xlsx',
  'application/vnd.ms-excel': '.xls',
  'application/pgp-signature': '.asc',
  'application/pkcs7-signature': '.p7s',
  'application/x-pkcs7-signature': '.p7s',
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/gif': '.gif',
  'image/webp': '.webp',
  'image/svg+xml': '.svg',
  'text/plain': '.txt',
  'text/html': '.html',
  'text/csv': '.csv',
  'text/calendar': '.ics',
  'text/rfc822-headers': '.txt',
  'message/rfc822': '.eml',
  'message/global': '.eml',
  'message/delivery-status': '.txt',
  'message/global-delivery-status': '.txt',
  'message/feedback-report': '.txt',
  'message/disposition-notification': '.txt',
};

function extensionFor(contentType: string): string {
  const type = contentType.toLowerCase();
  return EXTENSIONS[type] ?? (type.startsWith('text/') ? '.txt' : '.bin');
}

/** Cuts a string to at most `max` UTF-8 bytes without splitting a code point. */
function cutToBytes(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > max) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/**
 * A file name safe to show and to offer as a download: last path segment
 * only, NFC, no invisible or control characters, no leading dots, at most
 * 255 UTF-8 bytes with the extension kept. Falls back to
 * `attachment-<n><ext>` (extension from the content type) when nothing is left.
 */
export function sanitizeFilename(name: string | null | undefined, fallback: { index: number; contentType: string }): string {
  let s = (name ?? '').normalize('NFC').replace(INVISIBLE, '');
  s = s.split(/[/\\]/).filter((seg) => seg.trim() !== '').pop() ?? '';
  s = s.replace(RESERVED_CHARS, '_').replace(/\s+/g, ' ');
  s = s.replace(/^[\s.]+/, '').replace(/[\s.]+$/, '');
  if (RESERVED_NAMES.test(s)) s = `_${s}`;
  if (Buffer.byteLength(s) > MAX_BYTES) {
    const dot = s.lastIndexOf('.');
    const ext = dot > 0 && s.length - dot <= 16 ? s.slice(dot) : '';
    s = cutToBytes(s.slice(0, s.length - ext.length), MAX_BYTES - Buffer.byteLength(ext)).replace(/[\s.]+$/, '') + ext;
  }
  if (s === '' || s.startsWith('.')) return `attachment-${fallback.index}${extensionFor(fallback.contentType)}`;
  return s;
}
