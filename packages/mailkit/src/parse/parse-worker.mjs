// Piscina starts this file in a fresh worker thread with plain Node, which
// cannot import TypeScript. Under `node --import tsx` the worker inherits the
// flag, but under vitest (or any host without it) it does not, so the
// TypeScript task is loaded through tsx's scoped loader here: it works the
// same in both and registers nothing globally.
import { tsImport } from 'tsx/esm/api';

const task = await tsImport('./parse-worker.ts', import.meta.url);

export default task.default;
