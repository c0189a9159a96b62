const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const CR_ONLY = Buffer.from([CR]);

/** What one push of bytes did: how many it used (all, unless the body ended) and whether the terminator was seen. */
export interface UnstuffStep {
  used: number;
  done: boolean;
}

/**
 * Undoes RFC 1939 byte-stuffing on a multi-line body while it streams in, in
 * bytes: a line that starts with "." loses that dot, the line "." ends the
 * body and is dropped, CRLFs and 8-bit bytes are kept as they are. A small
 * state machine rather than a line splitter, so a line may be any length,
 * any byte may fall on any packet boundary, and kept data is referenced
 * slices of the received chunks (one copy at the end). Past maxBytes it keeps
 * counting to find the end but stops keeping bytes, so memory stays bounded.
 */
export class DotUnstuffer {
  // lineStart: at the start of a line; dot: a line began with "."; dotCr: with ".\r"; mid: inside a line
  private state: 'lineStart' | 'dot' | 'dotCr' | 'mid' = 'lineStart';
  // in state mid: the last byte was CR, so an LF at the start of the next chunk ends the line
  private cr = false;
  private parts: Buffer[] = [];
  private finished = false;
  /** Decoded bytes so far, including any not kept past maxBytes. */
  size = 0;

  constructor(private readonly maxBytes: number) {}

  /** True once the decoded body has gone over maxBytes: result() is then unavailable. */
  get overflowed(): boolean {
    return this.size > this.maxBytes;
  }

  /** Feeds received bytes; stops right after the terminating ".\r\n" so what follows belongs to the next reply. */
  push(view: Buffer): UnstuffStep {
    if (this.finished) return { used: 0, done: true };
    let i = 0;
    while (i < view.length) {
      if (this.state === 'dotCr') {
        if (view[i] === LF) {
          this.finished = true;
          return { used: i + 1, done: true };
        }
        // ".\r" then something else: a stuffed line whose content starts with a bare CR
        this.emit(CR_ONLY);
        this.state = 'mid';
        this.cr = true;
        continue;
      }
      if (this.state === 'dot') {
        if (view[i] === CR) {
          this.state = 'dotCr';
          i++;
        } else {
          this.state = 'mid'; // the dot was stuffing: dropped
          this.cr = false;
        }
        continue;
      }
      if (this.state === 'lineStart') {
        if (view[i] === DOT) {
          this.state = 'dot';
          i++;
          continue;
        }
        this.state = 'mid';
        this.cr = false;
      }
      const lf = view.indexOf(LF, i);
      if (lf < 0) {
        this.emit(view.subarray(i));
        this.cr = view[view.length - 1] === CR;
        return { used: view.length, done: false };
      }
      const endsLine = lf > i ? view[lf - 1] === CR : this.cr;
      this.emit(view.subarray(i, lf + 1));
      i = lf + 1;
      this.cr = false;
      if (endsLine) this.state = 'lineStart';
    }
    return { used: view.length, done: false };
  }

  /** The decoded body, once push() reported done and it stayed within maxBytes. */
  result(): Buffer {
    if (!this.finished || this.overflowed) throw new Error('DotUnstuffer.result(): body not complete or over the limit');
    // always a copy: the parts are views of received chunks that also hold other replies
    return Buffer.concat(this.parts, this.size);
  }

  private emit(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.size += bytes.length;
    if (this.size <= this.maxBytes) this.parts.push(bytes);
    else if (this.parts.length > 0) this.parts = [];
  }
}
