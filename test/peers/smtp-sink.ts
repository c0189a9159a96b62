import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freeLoopbackPorts, waitForPort } from './silent-server.ts';

const BIN = '/usr/sbin/smtp-sink';

/** How a throwaway smtp-sink answers: which commands it refuses, and with which reply. */
export interface SmtpSinkOptions {
  /** Commands answered with `hardReply` (smtp-sink -f), e.g. ['RCPT'] or ['.'] for the end of DATA. */
  hardReject?: string[];
  /** The 5xx reply for hardReject (-B); smtp-sink's default is "500 5.3.0 Error: command failed". */
  hardReply?: string;
  /** Commands answered with `softReply` (-r). */
  softReject?: string[];
  /** The 4xx reply for softReject (-b); smtp-sink's default is "450 4.3.0 Error: command failed". */
  softReply?: string;
  /** Commands after which it replies 421 and hangs up (-Q). */
  disconnect?: string[];
  /** Do not announce AUTH (-a). By default it offers AUTH PLAIN LOGIN and accepts any credentials. */
  noAuth?: boolean;
  /** Discard what it receives instead of dumping each transaction to a file (benchmarks); messages() is then empty. */
  discard?: boolean;
  /** How many connections it serves at once (its backlog argument); 64 by default. */
  backlog?: number;
}

/** One mail transaction as smtp-sink dumped it. */
export interface SinkMessage {
  /** The MAIL FROM argument, e.g. "<a@example.com>". */
  mailFrom: string;
  /** Each RCPT TO argument, in order. */
  rcptTo: string[];
  /** The message as received after dot-unstuffing, with LF line ends (smtp-sink drops the CRs). */
  content: string;
}

/** A running smtp-sink owned by this process. */
export interface SmtpSink {
  port: number;
  /** The transactions dumped so far. */
  messages(): Promise<SinkMessage[]>;
  /** Waits until at least `count` transactions are dumped, or throws after timeoutMs. */
  waitForMessages(count: number, timeoutMs?: number): Promise<SinkMessage[]>;
  stop(): Promise<void>;
}

/**
 * Starts Postfix's smtp-sink on a free loopback port, dumping every mail
 * transaction to a file of its own (-d) in a private directory: the real
 * SMTP peer for send tests. As root it drops to nobody (-u), which smtp-sink
 * requires, so the dump directory is made writable for it. Stopped by PID.
 */
export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'postdesk-smtp-sink-'));
  await chmod(dir, 0o777);
  const args: string[] = [];
  if (process.getuid?.() === 0) args.push('-u', 'nobody');
  if (!opts.discard) args.push('-d', path.join(dir, 'msg.'));
  if (opts.noAuth) args.push('-a');
  if (opts.hardReject?.length) args.push('-f', opts.hardReject.join(','));
  if (opts.hardReply) args.push('-B', opts.hardReply);
  if (opts.softReject?.length) args.push('-r', opts.softReject.join(','));
  if (opts.softReply) args.push('-b', opts.softReply);
  if (opts.disconnect?.length) args.push('-Q', opts.disconnect.join(','));

  let lastError = '';
  // the free port is released before smtp-sink binds it; another process may take it in between
  for (let attempt = 0; attempt < 3; attempt++) {
    const [port] = await freeLoopbackPorts(1);
    const started = await launch([...args, `127.0.0.1:${port!}`, String(opts.backlog ?? 64)], port!, dir);
    if ('child' in started) return handle(started.child, port!, dir);
    lastError = started.error;
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`smtp-sink did not start: ${lastError}`);
}

async function launch(args: string[], port: number, dir: string): Promise<{ child: ChildProcess } | { error: string }> {
  const child = spawn(BIN, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ error: string }>((resolve) => {
    child.once('exit', (code, sig) => resolve({ error: `exited (${code ?? sig}): ${stderr.trim()}` }));
    child.once('error', (err) => resolve({ error: err.message }));
  });
  const ready = waitForPort(port, 5_000).then(
    () => ({ child }),
    (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }),
  );
  const result = await Promise.race([ready, exited]);
  if ('error' in result) await stopChild(child);
  return result;
}

function handle(child: ChildProcess, port: number, dir: string): SmtpSink {
  const messages = async (): Promise<SinkMessage[]> => {
    const files = (await readdir(dir)).filter((f) => f.startsWith('msg.')).sort();
    const out: SinkMessage[] = [];
    for (const f of files) {
      const text = await readDumpFile(path.join(dir, f));
      const parsed = text === null ? null : parseDump(text);
      if (parsed) out.push(parsed);
    }
    return out;
  };
  let stopped = false;
  return {
    port,
    messages,
    async waitForMessages(count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = await messages();
        if (found.length >= count) return found;
        if (Date.now() > deadline) throw new Error(`smtp-sink dumped ${found.length} of ${count} messages within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// smtp-sink opens a transaction's dump file at MAIL FROM and unlinks it when
// the transaction is aborted (a refused RCPT, RSET, a hang-up): a file listed
// a moment ago may be gone when it is read, and was never a message.
async function readDumpFile(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, 2_000);
  await exited;
  clearTimeout(timer);
}

// The dump: smtp-sink's own X-* records, a three-line Received header, the
// message as received, then one empty line. A file still being written (no
// trailing empty line yet) is not returned.
function parseDump(text: string): SinkMessage | null {
  if (!text.endsWith('\n\n')) return null;
  const lines = text.split('\n');
  const received = lines.findIndex((l) => l.startsWith('Received: '));
  if (received < 0) return null;
  let start = received + 1;
  while (start < lines.length && /^[ \t]/.test(lines[start]!)) start++;
  const records = lines.slice(0, received);
  const value = (name: string): string[] => records.filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2));
  return {
    mailFrom: value('X-Mail-Args')[0] ?? '',
    rcptTo: value('X-Rcpt-Args'),
    content: lines.slice(start).join('\n').slice(0, -1),
  };
}
