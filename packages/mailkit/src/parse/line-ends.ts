/**
 * The message with every bare CR turned into LF, for the scanner, which
 * splits lines at LF (and drops a CR before it). RFC 5322 allows CR only in
 * CRLF, but old Mac mail ends its lines in CR alone and broken software
 * mixes CRLF, LF and CR; read as written, such a message is one long header
 * line, and parses as empty.
 *
 * A message with no bare CR — nearly all mail — comes back as the same
 * buffer, not copied; there a run of CRs before LF ("CR CR LF", what a
 * CRLF file converted twice holds) stays one line end, as the scanner reads
 * it. A message that ends a line with CR alone anywhere uses CR as a line
 * end: it is copied once (the same length, so offsets and limits stay as
 * they were) with every CR not directly before an LF turned into LF, so
 * "CR CR LF" there is a line end and a blank line. The raw bytes stored are
 * never touched. Only a `binary` part (which needs BINARYMIME to travel,
 * and is next to never seen) could hold a CR that is not a line end; in a
 * message with bare CRs it would read as a line break.
 */
export function normalizeLineEnds(buf: Buffer): Buffer {
  if (!hasBareCr(buf)) return buf;
  const out = Buffer.from(buf);
  for (let cr = out.indexOf(0x0d); cr >= 0; cr = out.indexOf(0x0d, cr + 1)) {
    if (out[cr + 1] !== 0x0a) out[cr] = 0x0a;
  }
  return out;
}

// A CR, or a run of them, with no LF after it.
function hasBareCr(buf: Buffer): boolean {
  let cr = buf.indexOf(0x0d);
  while (cr >= 0) {
    let end = cr + 1;
    while (end < buf.length && buf[end] === 0x0d) end++;
    if (end === buf.length || buf[end] !== 0x0a) return true;
    cr = buf.indexOf(0x0d, end);
  }
  return false;
}
