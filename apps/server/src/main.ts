import { ConfigError, loadConfig } from './config.ts';
import { startServer } from './server.ts';

// Entry point of `npm start`: one program, all roles by default.
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const server = await startServer(config);
  const roles = [...config.roles].join(', ');
  const lines = [``, server.url ? `  Postdesk is running at ${server.url}` : `  Postdesk is running (roles: ${roles}; no HTTP without the api role)`];
  if (server.firstAdmin?.generated) {
    lines.push(
      `  First start: log in as "${server.firstAdmin.username}" with the password`,
      `      ${server.firstAdmin.password}`,
      `  It is shown only this once; change it under your user menu.`,
    );
  } else if (server.firstAdmin) {
    lines.push(`  First start: log in as "${server.firstAdmin.username}" with POSTDESK_ADMIN_PASSWORD.`);
  }
  process.stdout.write(lines.join('\n') + '\n\n');

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    process.stdout.write(`\n  ${signal}: shutting down…\n`);
    server.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  // a thrown non-Error (some libraries reject with nothing) still says something
  const why = err instanceof Error ? err.message : err === undefined ? 'no reason given (run with LOG_LEVEL=debug for details)' : String(err);
  process.stderr.write(`Postdesk failed to start: ${why}\n`);
  process.exit(1);
});
