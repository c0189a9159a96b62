import { ConfigError, loadConfig } from './config.ts';
import { blobsDir } from './platform/blobs/create-blob-store.ts';
import { moveFilesToDatabase } from './platform/blobs/move-files-to-database.ts';
import { createDb } from './platform/db/db.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from './platform/db/embedded.ts';
import { migrate } from './platform/db/migrate.ts';
import path from 'node:path';

// Entry point of `npm run blobs:migrate`: moves an install's raw messages and
// files from its data directory into the database (see docs/OPERATIONS.md).
// Same environment as `npm start`. With the embedded database Postdesk must
// be stopped first (one process owns that server); with DATABASE_URL it may
// keep running.
async function main(): Promise<void> {
  const config = loadConfig();
  let embedded: EmbeddedServer | null = null;
  let url = config.databaseUrl;
  if (!url) {
    try {
      embedded = await startEmbeddedPostgres(path.join(config.dataDir, 'postgres'), { port: config.embeddedPgPort });
    } catch (err) {
      throw new Error(`could not start the embedded database under ${config.dataDir} (stop Postdesk first): ${err instanceof Error ? err.message : String(err)}`);
    }
    url = embedded.url;
  }
  const db = createDb(url, { max: 2, applicationName: 'postdesk-blobs-migrate' });
  try {
    await migrate(db);
    const root = blobsDir(config.dataDir);
    process.stdout.write(`moving blob files from ${root} into the database…\n`);
    let last = 0;
    const report = await moveFilesToDatabase(
      { db, root },
      {
        onProgress: (done, total, bytes) => {
          if (Date.now() - last < 2000 && done !== total) return;
          last = Date.now();
          process.stdout.write(`  ${done} of ${total} blobs (${(bytes / 1048576).toFixed(1)} MiB moved)\n`);
        },
      },
    );
    process.stdout.write(
      `moved ${report.moved} blobs (${(report.movedBytes / 1048576).toFixed(1)} MiB), each verified by its SHA-256 before and after; ` +
        `${report.leftoversRemoved} files already in the database removed; ${report.remaining} still files\n`,
    );
    for (const p of report.problems) process.stdout.write(`  not moved: ${p.sha256}: ${p.problem}\n`);
    if (config.blobStore === 'fs') process.stdout.write('note: POSTDESK_BLOB_STORE=fs is set: new blobs keep going to files until it is unset (or set to pg)\n');
    process.exitCode = report.problems.length ? 2 : 0;
  } finally {
    await db.close();
    await embedded?.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? '' : 'blobs:migrate failed: '}${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
