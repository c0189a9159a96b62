// The sending thread starts with plain Node, which cannot import TypeScript
// unless the host ran with `--import tsx`; tsx's scoped loader makes it work
// the same under vitest, the benchmark and `npm start` (as parse-worker.mjs).
import { tsImport } from 'tsx/esm/api';

await tsImport('./send-worker.ts', import.meta.url);
