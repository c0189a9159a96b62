import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';

// Workers inherit the parent's Node flags. Keep them (a `--import tsx` host
// stays one), except the ones that describe the parent's own entry point:
// with --input-type (which `node -e` hosts carry) a worker refuses its file;
// and V8's heap sizes, which a worker refuses as flags (resourceLimits sets them).
const ENTRY_FLAGS_WITH_VALUE = new Set(['--input-type', '-e', '--eval', '-p', '--print']);
const HEAP_FLAG = /^--max-(?:old|semi|young)-(?:space|generation)-size(?:=|$)/;
function workerExecArgv(): string[] {
  const out: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const arg = process.execArgv[i]!;
    if (ENTRY_FLAGS_WITH_VALUE.has(arg)) i++;
    else if (HEAP_FLAG.test(arg)) continue;
    else if (![...ENTRY_FLAGS_WITH_VALUE].some((flag) => flag.startsWith('--') && arg.startsWith(`${flag}=`))) out.push(arg);
  }
  return out;
}

// V8's young generation is three semi-spaces; Node's default semi-space is
// 16 MB, so each thread could hold ~48 MB of short-lived garbage between
// scavenges. Parsing and sanitising make mostly short-lived strings and
// buffers: 2 MB semi-spaces keep the process's memory down at no measurable
// cost in speed (the main thread, which also routes, gets 4 MB from `npm start`).
const YOUNG_GENERATION_MB = 6;

/** Where a pool's task lives, how many threads run it, and how much heap one may use. */
export interface BoundedPoolOptions {
  /** URL of the worker module (a .mjs bootstrap that loads the TypeScript task). */
  filename: string;
  maxThreads: number;
  /** Threads kept running while idle (default 1): 0 starts one on first use, which costs seconds (tsx loads). */
  minThreads?: number;
  /** Heap ceiling per thread, so one hostile input cannot take the process down by memory. */
  maxHeapMb: number;
}

/** Worker threads whose tasks are stopped past a time bound; each kind of work gets its own, so one cannot starve another. */
export interface BoundedPool {
  /**
   * Runs the task `build` makes, with a time bound counted from when a
   * thread starts it (it says so on the port it is given): neither waiting
   * for a free thread nor a fresh thread's start-up (tsx and the task's
   * modules loading, seconds on a busy machine) counts. Past the bound the
   * thread is terminated and BoundExceeded is thrown.
   */
  run<R>(build: (started: MessagePort) => object, ms: number, opts?: { transferList?: ArrayBuffer[] }): Promise<R>;
  /** Waits for running tasks, then stops the threads. */
  close(): Promise<void>;
}

/** A task took longer than its bound; its thread was stopped. */
export class BoundExceeded extends Error {
  override readonly name = 'BoundExceeded';
  constructor(cause: unknown) {
    super('the time bound was exceeded', { cause });
  }
}

/** Starts a pool of worker threads for one kind of task (see BoundedPool). */
export function createBoundedPool(options: BoundedPoolOptions): BoundedPool {
  if (!(options.maxThreads >= 1)) throw new RangeError('maxThreads must be >= 1');
  const piscina = new Piscina({
    filename: options.filename,
    execArgv: workerExecArgv(),
    minThreads: Math.min(options.minThreads ?? 1, options.maxThreads),
    maxThreads: options.maxThreads,
    idleTimeout: 60_000,
    resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb, maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
  });

  async function run<R>(build: (started: MessagePort) => object, ms: number, opts: { transferList?: ArrayBuffer[] } = {}): Promise<R> {
    const { port1: started, port2: startedPort } = new MessageChannel();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    let settled = false;
    started.once('message', () => {
      if (settled) return; // the answer beat the "started" note: nothing to time
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort(); // piscina terminates the thread running the task
      }, ms);
    });
    try {
      return (await piscina.run(build(startedPort), {
        signal: controller.signal,
        transferList: [...(opts.transferList ?? []), startedPort] as never,
      })) as R;
    } catch (err) {
      if (timedOut) throw new BoundExceeded(err);
      throw err;
    } finally {
      settled = true;
      clearTimeout(timer);
      started.close();
    }
  }

  return { run, close: () => piscina.close() };
}
