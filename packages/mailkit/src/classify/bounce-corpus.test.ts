import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { peersRequired } from '../../../../test/support/peers.ts';
import { ParseRejectedError } from '../parse/parse-error.ts';
import { parseMessage } from '../parse/parse-message.ts';
import { classifyMessage } from './classify-message.ts';
import type { Classification, ClassificationKind } from './types.ts';

// Ground truth (../shared/corpus/README.md): every file in bounces/ is
// machine-generated and must be recognised as automatic mail.
const CORPUS = path.resolve(process.cwd(), '../shared/corpus');
const BOUNCES = path.join(CORPUS, 'bounces');
const MIMEKIT = path.join(CORPUS, 'mimekit-messages');
const MIME4J = path.join(CORPUS, 'mime4j');
const present = existsSync(BOUNCES);
if (!present) console.log(`bounce corpus tests skipped: ${BOUNCES} is absent`);
// CI has the corpus beside the checkout: there, a missing corpus is a failure, not a skip
if (!present && peersRequired()) throw new Error(`the bounce corpus is missing in CI: ${BOUNCES}`);

const ctx = { ownAddresses: [], ownMessageIdDomains: [] };

/**
 * The kind each file must get. arf-* are feedback reports and rfc3834-* are
 * auto-replies by name; of the Amazon SES notifications delivered by SNS,
 * "Complaint" is feedback and "Delivery" (a success notice) is an auto-reply.
 * Everything else reports a failed or delayed delivery.
 */
function expectedKind(file: string): ClassificationKind {
  if (file.startsWith('arf-') || file === 'lhost-amazonses-11.eml') return 'feedback';
  if (file.startsWith('rfc3834-') || ['lhost-amazonses-10.eml', 'lhost-amazonses-12.eml', 'lhost-amazonses-13.eml'].includes(file)) return 'auto_reply';
  return 'bounce';
}

describe.skipIf(!present)('bounce corpus ground truth', () => {
  it('classifies every file as the automatic kind it is', async () => {
    const files = readdirSync(BOUNCES).filter((f) => f.endsWith('.eml')).sort();
    expect(files).toHaveLength(629);
    const results = new Map<string, Classification>();
    const rejected: string[] = [];
    for (const file of files) {
      try {
        results.set(file, classifyMessage(await parseMessage(readFileSync(path.join(BOUNCES, file))), ctx));
      } catch (err) {
        if (!(err instanceof ParseRejectedError)) throw err;
        rejected.push(`${file}: ${err.code}`);
      }
    }
    expect(rejected).toEqual([]);

    const wrong = files
      .filter((f) => results.get(f)?.kind !== expectedKind(f))
      .map((f) => `${f}: got ${results.get(f)?.kind} (${results.get(f)?.reason}), want ${expectedKind(f)}`);
    expect(wrong).toEqual([]);
    const all = [...results.values()];
    expect(all.every((c) => c.automatic && !c.mayAutoReply)).toBe(true);

    const counts = Object.fromEntries((['bounce', 'feedback', 'auto_reply', 'customer', 'own'] as const).map((k) => [k, all.filter((c) => c.kind === k).length]));
    expect(counts).toEqual({ bounce: 602, feedback: 18, auto_reply: 9, customer: 0, own: 0 });

    // Linking figures: not every report carries the original (and the corpus
    // is anonymised: some originals share the report's own Message-ID), so
    // these are floors that catch regressions.
    const withIds = all.filter((c) => c.originalMessageIds.length > 0).length;
    const bounces = all.filter((c) => c.kind === 'bounce');
    const withRecipients = bounces.filter((c) => c.failedRecipients.length > 0).length;
    console.log(`bounce corpus: ${JSON.stringify(counts)}; originalMessageIds found in ${withIds}/${all.length}; failedRecipients in ${withRecipients}/${bounces.length} bounces`);
    expect(withIds).toBeGreaterThanOrEqual(520);
    expect(withRecipients).toBeGreaterThanOrEqual(570);
  }, 60_000);
});

describe.skipIf(!existsSync(MIMEKIT))('mimekit messages', () => {
  const cases: Array<[string, ClassificationKind]> = [
    ['delivery-status.txt', 'bounce'],
    ['delivery-status2.txt', 'bounce'],
    ['bounce.txt', 'bounce'],
    ['feedback-report.txt', 'feedback'],
    ['disposition-notification.txt', 'auto_reply'],
    ['simple-multipart.eml', 'customer'],
    ['simple-embedded-message.eml', 'customer'],
    ['japanese.txt', 'customer'],
    ['multipart-related-mhtml.txt', 'customer'],
  ];
  it.each(cases)('%s is %s', async (file, kind) => {
    const c = classifyMessage(await parseMessage(readFileSync(path.join(MIMEKIT, file))), ctx);
    expect(c.kind).toBe(kind);
  });

  it('links the delivery-status.txt bounce to the original and its failed recipient', async () => {
    const c = classifyMessage(await parseMessage(readFileSync(path.join(MIMEKIT, 'delivery-status.txt'))), ctx);
    expect(c.originalMessageIds[0]).toBe('31FC7EB4.41C6@netscape.com');
    expect(c.failedRecipients).toEqual(['newsletter-request@imusic.com']);
  });
});

describe.skipIf(!existsSync(MIME4J))('mime4j messages (mostly people\'s mail and list posts)', () => {
  it('are customer mail, except the one real bounce', async () => {
    const files = ['testmsgs', 'mimetools-testmsgs'].flatMap((d) =>
      readdirSync(path.join(MIME4J, d))
        .filter((f) => f.endsWith('.msg'))
        .map((f) => path.join(d, f)),
    );
    expect(files.length).toBeGreaterThan(60);
    const automatic: string[] = [];
    for (const file of files) {
      const c = classifyMessage(await parseMessage(readFileSync(path.join(MIME4J, file))), ctx);
      if (c.automatic) automatic.push(`${file}: ${c.kind} (${c.reason})`);
    }
    // badbound.msg is a real "Mail System Error - Returned Mail" from a postmaster.
    expect(automatic).toEqual(['mimetools-testmsgs/badbound.msg: bounce (report from Postmaster@challenge.uscom.com)']);
  });
});

// Old Mac mail ends its lines in CR alone, and broken software mixes the
// three endings; both once parsed as empty (no From, no Subject, no body).
// The corpus file (LF endings), the same with CR only, and with CRLF, LF and
// CR taking turns line by line must classify alike, down to the reason and
// the linked Message-IDs.
describe.skipIf(!present)('bounce corpus with other line endings', () => {
  const lines = (raw: Buffer): string[] => raw.toString('latin1').split(/\r?\n/);
  const crOnly = (raw: Buffer): Buffer => Buffer.from(lines(raw).join('\r'), 'latin1');
  const ENDS = ['\r\n', '\n', '\r'];
  const mixed = (raw: Buffer): Buffer => Buffer.from(lines(raw).map((l, i) => l + ENDS[i % 3]).join(''), 'latin1');
  const classify = async (raw: Buffer): Promise<Classification | string> => {
    try {
      return classifyMessage(await parseMessage(raw), ctx);
    } catch (err) {
      if (err instanceof ParseRejectedError) return `rejected: ${err.code}`;
      throw err;
    }
  };

  it.each([
    ['CR only', crOnly],
    ['mixed CRLF, LF and CR', mixed],
  ] as const)('%s: every file classifies exactly as its original', async (_name, convert) => {
    const files = readdirSync(BOUNCES).filter((f) => f.endsWith('.eml')).sort();
    expect(files).toHaveLength(629);
    const differ: string[] = [];
    for (const file of files) {
      const raw = readFileSync(path.join(BOUNCES, file));
      const converted = convert(raw);
      expect(converted.equals(raw), file).toBe(false);
      const [want, got] = [await classify(raw), await classify(converted)];
      if (JSON.stringify(got) !== JSON.stringify(want)) differ.push(`${file}: ${JSON.stringify(got).slice(0, 200)} instead of ${JSON.stringify(want).slice(0, 200)}`);
    }
    expect(differ).toEqual([]);
  }, 120_000);
});
