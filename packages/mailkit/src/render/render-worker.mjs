// The render pool's threads start here: loaded through tsx's scoped loader,
// as parse-worker.mjs explains. Only the sanitisers load, not the MIME parser.
import { tsImport } from 'tsx/esm/api';

const task = await tsImport('./render-task.ts', import.meta.url);

export default task.default;
