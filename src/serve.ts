import { ConfigError, loadConfig } from './config.js';
import { startServer } from './server.js';

/** `npm start` / `attrd serve`: the only place the server reads the environment. */
export async function serve(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`attrd: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(config, (token) => {
      process.stdout.write(
        `\nattrd: generated an admin token (only its hash is stored; it is not shown again):\n\n  ${token}\n\n` +
          'Use it as "Authorization: Bearer <token>" for /admin/v1 and to sign in to /console.\n\n',
      );
    });
  } catch (error) {
    process.stderr.write(`attrd: could not start: ${(error as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write(
    `attrd: serving on ${server.url} (store: ${server.store.kind}, region: ${config.region})\n`,
  );

  const shutdown = (signal: string) => {
    process.stdout.write(`attrd: ${signal} received, finishing requests in flight\n`);
    server.stop().then(
      () => process.exit(0),
      (error) => {
        process.stderr.write(`attrd: shutdown failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
