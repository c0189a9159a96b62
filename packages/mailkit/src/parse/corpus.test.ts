import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_PARSE_LIMITS } from './limits.ts';
import { scanMime } from './mime-scan.ts';
import { ParseRejectedError } from './parse-error.ts';
import { parseMessage } from './parse-message.ts';
import { createParserPool } from './parser-pool.ts';
import type { ParsedMessage } from './types.ts';

// The shared test corpus (see ../shared/corpus/README.md); absent on a fresh clone.
const CORPUS = path.resolve(process.cwd(), '../shared/corpus');
const MIMEKIT = path.join(CORPUS, 'mimekit-messages');
const MIME4J = path.join(CORPUS, 'mime4j');
const present = existsSync(MIMEKIT) && existsSync(MIME4J);
if (!present) console.log(`corpus tests skipped: ${CORPUS} is absent`);

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...filesUnder(full, keep));
    else if (keep(name)) out.push(full);
  }
  return out;
}

type Outcome = { file: string; message: ParsedMessage } | { file: string; rejected: ParseRejectedError } | { file: string; unexpected: unknown };

async function parseAll(files: string[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const file of files) {
    try {
      outcomes.push({ file, message: await parseMessage(readFileSync(file)) });
    } catch (err) {
      outcomes.push(err instanceof ParseRejectedError ? { file, rejected: err } : { file, unexpected: err });
    }
  }
  return outcomes;
}

const name = (file: string): string => path.relative(CORPUS, file);

describe.skipIf(!present)('corpus: every message parses or is rejected with a ParseRejectedError', () => {
  // Every file in mimekit-messages is a message or a fragment of one; in
  // mime4j only .msg files are inputs (.xml/.out/.txt are expected outputs).
  const mimekit = present ? filesUnder(MIMEKIT, () => true) : [];
  const mime4j = present ? filesUnder(MIME4J, (n) => n.endsWith('.msg')) : [];
  const results = new Map<string, Outcome>();

  it.each([
    ['mimekit-messages', mimekit],
    ['mime4j', mime4j],
  ] as const)('%s', async (_label, files) => {
    expect(files.length).toBeGreaterThan(20);
    const outcomes = await parseAll(files);
    for (const o of outcomes) results.set(name(o.file), o);
    const unexpected = outcomes.filter((o) => 'unexpected' in o).map((o) => `${name(o.file)}: ${String((o as { unexpected: unknown }).unexpected)}`);
    expect(unexpected).toEqual([]);
    // Invariant: mailparser's attachment part numbers are the scanner's part paths.
    const orphans = outcomes.flatMap((o) =>
      'message' in o ? o.message.attachments.filter((a) => !o.message.parts.some((p) => p.path === a.partPath)).map((a) => `${name(o.file)}#${a.partPath}`) : [],
    );
    expect(orphans).toEqual([]);
  });

  const get = (file: string): ParsedMessage => {
    const o = results.get(file);
    if (!o || !('message' in o)) throw new Error(`${file} did not parse`);
    return o.message;
  };
  const part = (m: ParsedMessage, type: string) => m.parts.find((p) => p.contentType === type);

  it('only the 135 KB To header is rejected, as header_too_long', () => {
    const rejected = [...results.values()].filter((o) => 'rejected' in o).map((o) => [name(o.file), (o as { rejected: ParseRejectedError }).rejected.code]);
    expect(rejected).toEqual([['mimekit-messages/stack-overflow.txt', 'header_too_long']]);
  });

  it('delivery-status.txt: report parts with text, the original Message-ID in the embedded header', () => {
    const m = get('mimekit-messages/delivery-status.txt');
    expect(m.parts[0]).toMatchObject({ path: '', contentType: 'multipart/report', params: { 'report-type': 'delivery-status' } });
    expect(part(m, 'message/delivery-status')).toMatchObject({ path: '1' });
    expect(part(m, 'message/delivery-status')?.text).toContain('Final-Recipient: RFC822; newsletter-request@imusic.com');
    expect(part(m, 'message/rfc822')?.text).toContain('Message-ID: <31FC7EB4.41C6@netscape.com>');
    expect(m.from).toEqual({ address: 'postmaster@mm1.sprynet.com', name: 'The Post Office' });
    expect(m.messageId).toBe('96Jul29.022158-0700pdt.148226-12799+708@mm1.sprynet.com');
  });

  it('feedback-report.txt: BOM dropped, feedback part with text', () => {
    const m = get('mimekit-messages/feedback-report.txt');
    expect(m.from?.address).toBe('abusedesk@example.com');
    expect(part(m, 'message/feedback-report')?.text).toContain('Feedback-Type: abuse');
    expect(part(m, 'message/rfc822')?.text).toContain('Message-ID: 8787KJKJ3K4J3K4J3K4J3.mail@example.net');
  });

  it('disposition-notification.txt: the MDN part has text', () => {
    const m = get('mimekit-messages/disposition-notification.txt');
    expect(part(m, 'message/disposition-notification')?.text).toContain('Original-Message-ID: <199509192301.23456@example.org>');
  });

  it('japanese.txt: ISO-2022-JP subject and body decoded', () => {
    const m = get('mimekit-messages/japanese.txt');
    expect(m.subject).toBe('日本語メールテスト (testing Japanese emails)');
    expect(m.text).toContain('日本語が');
  });

  it('multipart-digest.txt: digest items are embedded messages', () => {
    const m = get('mimekit-messages/multipart-digest.txt');
    // The top entity is itself message/rfc822; the digest inside it is an unnumbered embedded root.
    expect(m.parts.map((p) => `${p.path}:${p.contentType}`)).toEqual([':message/rfc822', '1:message/rfc822', '1.1:text/plain', '2:message/rfc822', '2.1:text/plain']);
    expect(m.parts.filter((p) => p.contentType === 'message/rfc822').map((p) => p.text?.split('\n')[0])).toEqual(['From: sub@domain.org', 'From: m1@example.com', 'From: m2@example.com']);
  });

  it('mime4j base64encoded-rfc822message.msg: the encoded embedded message is read', () => {
    const m = get('mime4j/testmsgs/base64encoded-rfc822message.msg');
    expect(m.parts.map((p) => [p.path, p.contentType])).toEqual([
      ['', 'message/rfc822'],
      ['1', 'text/plain'],
    ]);
    expect(m.parts[1]?.text).toContain('Text body');
  });

  // mime4j's expected trees (.xml) against our scanner: one <header> per entity.
  // Where the two disagree we follow mailsplit (mailparser's splitter), so our
  // part numbers match mailparser's: boundaries are trimmed of trailing blanks,
  // text after a delimiter makes it no delimiter, and parts with nothing in
  // them or an unterminated header are dropped.
  const FOLLOWS_MAILSPLIT = new Set([
    'ending-boundaries.msg',
    'multipartemptypart.msg',
    'very-long-boundary.msg',
    'very-very-long-boundary.msg',
    'weird-boundary.msg',
    '2002_06_12_doublebound.msg',
    'double-bound.msg',
  ]);
  it('mime4j: entity counts agree with the expected trees', () => {
    const compared: string[] = [];
    const differ: string[] = [];
    for (const file of mime4j) {
      const xml = file.replace(/\.msg$/, '.xml');
      if (!existsSync(xml) || FOLLOWS_MAILSPLIT.has(path.basename(file))) continue;
      const expected = (readFileSync(xml, 'latin1').match(/<header>/g) ?? []).length;
      const got = scanMime(readFileSync(file), DEFAULT_PARSE_LIMITS).length;
      compared.push(name(file));
      if (got !== expected) differ.push(`${name(file)}: expected ${expected}, got ${got}`);
    }
    expect(compared.length).toBeGreaterThan(60);
    expect(differ).toEqual([]);
  });
});

describe.skipIf(!present)('corpus through the parser pool', () => {
  const pool = createParserPool({ maxThreads: 2, timeoutMs: 20_000 });
  afterAll(() => pool.close());

  it('gives the same result as direct parsing for a subset', async () => {
    const files = [
      ...filesUnder(MIMEKIT, (n) => !n.startsWith('stack-overflow')),
      ...filesUnder(MIME4J, (n) => n.endsWith('.msg')).filter((_f, i) => i % 10 === 0),
    ];
    const viaPool = await Promise.all(files.map((f) => pool.parse(readFileSync(f))));
    const direct = await Promise.all(files.map((f) => parseMessage(readFileSync(f))));
    expect(viaPool).toEqual(direct);
    await expect(pool.parse(readFileSync(path.join(MIMEKIT, 'stack-overflow.txt')))).rejects.toMatchObject({ code: 'header_too_long' });
  }, 60_000);
});
