import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ParseRejectedError } from './parse-error.ts';
import { parseMessage } from './parse-message.ts';
import { createParserPool } from './parser-pool.ts';

const sample = Buffer.from(
  [
    'From: Ann <ann@example.com>',
    'Subject: =?utf-8?Q?=3Cscript=3E?=',
    'Content-Type: multipart/mixed; boundary=b',
    '',
    '--b',
    'Content-Type: text/plain',
    '',
    'hello',
    '--b',
    'Content-Type: application/octet-stream; name="../x.bin"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from([0, 1, 2, 250, 251]).toString('base64'),
    '--b--',
  ].join('\r\n'),
);

describe('createParserPool', () => {
  const pool = createParserPool({ maxThreads: 2, timeoutMs: 20_000 });
  afterAll(() => pool.close());

  it('parses in a worker thread with the same result as parseMessage, Buffers included', async () => {
    const viaPool = await pool.parse(sample);
    expect(viaPool).toEqual(await parseMessage(sample));
    expect(viaPool.subject).toBe('<script>');
    expect(viaPool.attachments[0]?.filename).toBe('x.bin');
    expect(Buffer.isBuffer(viaPool.attachments[0]?.content)).toBe(true);
    expect([...viaPool.attachments[0]!.content]).toEqual([0, 1, 2, 250, 251]);
  });

  it('moves large attachments back from the thread intact, alongside small cloned ones', async () => {
    const big = randomBytes(3 * 1024 * 1024 + 17);
    const raw = Buffer.from(
      [
        'From: ann@example.com',
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b',
        'Content-Type: application/pdf; name="big.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        big.toString('base64').replace(/.{76}/g, '$&\r\n'),
        '--b',
        'Content-Type: application/octet-stream; name="small.bin"',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('tiny').toString('base64'),
        '--b--',
      ].join('\r\n'),
    );
    const parsed = await pool.parse(raw);
    const [a, b] = parsed.attachments;
    expect(Buffer.isBuffer(a!.content) && a!.content.equals(big)).toBe(true);
    expect(createHash('sha256').update(a!.content).digest('hex')).toBe(a!.sha256);
    expect(b!.content.toString()).toBe('tiny');
  });

  it('leaves the caller\'s buffer intact (copied, not transferred)', async () => {
    const raw = Buffer.from(sample);
    await pool.parse(raw);
    expect(raw.equals(sample)).toBe(true);
  });

  it('moves the caller\'s buffer when asked to and it owns its memory, and copies a view of a larger block', async () => {
    // large enough for a memory block of its own
    const padding = Array.from({ length: 50 }, (_, i) => `X-Padding-${i}: ${'x'.repeat(2_000)}`).join('\r\n');
    const own = Buffer.from(`${padding}\r\n${sample.toString('latin1')}`, 'latin1');
    const parsed = await pool.parse(own, {}, { transfer: true });
    expect(parsed.subject).toBe('<script>');
    expect(own.length).toBe(0); // detached: moved, not copied
    const block = Buffer.from(`${padding}\r\n${sample.toString('latin1')}`, 'latin1');
    const view = block.subarray(`${padding}\r\n`.length);
    expect((await pool.parse(view, {}, { transfer: true })).subject).toBe('<script>');
    expect(view.equals(sample)).toBe(true);
  });

  const rejections: Array<[string, Buffer, Parameters<typeof pool.parse>[1], ParseRejectedError['code']]> = [
    ['too large (checked before the copy)', sample, { maxMessageBytes: 10 }, 'too_large'],
    ['too many parts (worker side)', sample, { maxParts: 2 }, 'too_many_parts'],
    ['too deep (worker side)', sample, { maxDepth: 0 }, 'too_deep'],
    ['header too long (worker side)', sample, { maxHeaderLineBytes: 20 }, 'header_too_long'],
    ['empty', Buffer.alloc(0), {}, 'unparseable'],
  ];
  it.each(rejections)('keeps the typed rejection across the thread boundary: %s', async (_label, raw, limits, code) => {
    const err = await pool.parse(raw, limits).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParseRejectedError);
    expect(err).toMatchObject({ code });
    expect((err as ParseRejectedError).reason).toMatch(/\w+ \w+/);
  });

  it('refuses nonsense options', () => {
    expect(() => createParserPool({ maxThreads: 0, timeoutMs: 1 })).toThrow(RangeError);
  });
});

describe('parser pool time bound', () => {
  it('does not count a fresh thread\'s start-up against the time bound', async () => {
    // A cold thread takes a second or more to load tsx and the parser; the parse itself takes milliseconds.
    const pool = createParserPool({ maxThreads: 1, timeoutMs: 500 });
    try {
      expect((await pool.parse(sample)).subject).toBe('<script>');
    } finally {
      await pool.close();
    }
  }, 30_000);

  it('stops a parse that exceeds timeoutMs with code timeout, and the thread is really freed', async () => {
    // One thread: if the timed-out parse kept running, the next one would wait behind it.
    const pool = createParserPool({ maxThreads: 1, timeoutMs: 250 });
    try {
      // Within every limit (3.8 MB, three parts), yet well over a second of
      // HTML-to-text conversion here: a stand-in for the hostile input the
      // bound exists for.
      const html = '<table><tr><td><p>word <b>bold</b> <a href="https://x.example/">link</a></p></td></tr></table>'.repeat(20_000);
      const heavy = Buffer.from(['From: a@example.com', 'Content-Type: multipart/mixed; boundary=m', '', '--m', '', 'text', '--m', 'Content-Type: text/html', '', html, '--m', 'Content-Type: text/html', '', html, '--m--'].join('\r\n'));
      const started = performance.now();
      const err = await pool.parse(heavy).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ParseRejectedError);
      expect(err).toMatchObject({ code: 'timeout' });
      expect((err as ParseRejectedError).reason).toContain('250 ms');
      expect(performance.now() - started).toBeGreaterThanOrEqual(250);
      const after = performance.now();
      expect((await pool.parse(sample)).subject).toBe('<script>');
      expect(performance.now() - after).toBeLessThan(12_000);
    } finally {
      await pool.close();
    }
  }, 60_000);
});

describe('parser pool under node --import tsx', () => {
  it('loads its TypeScript worker when the host runs through tsx (not only under vitest)', async () => {
    const poolModule = fileURLToPath(new URL('./parser-pool.ts', import.meta.url));
    const script = `
      import { createParserPool } from ${JSON.stringify(poolModule)};
      const pool = createParserPool({ maxThreads: 1, timeoutMs: 20000 });
      const m = await pool.parse(Buffer.from('Subject: =?utf-8?Q?hi_there?=\\r\\n\\r\\nbody'));
      console.log(JSON.stringify({ subject: m.subject, text: m.text }));
      await pool.close();
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), timeout: 25_000 });
    expect(JSON.parse(stdout.trim())).toEqual({ subject: 'hi there', text: 'body' });
  }, 30_000);
});
