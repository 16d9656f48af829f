import { Command, CommanderError, Option } from 'commander';
import { AdminClient } from '../client/admin.js';
import { DeviceClient } from '../client/device.js';
import { AdminError, ConnectionError, TpnsError } from '../client/errors.js';
import { record, table } from './output.js';

/** Exit codes, as docs/cli.md lists them. */
export const Exit = { ok: 0, apiError: 1, usage: 2, connection: 3 } as const;

export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  out(text: string): void;
  err(text: string): void;
}

class UsageError extends Error {}

interface GlobalOptions {
  url: string;
  adminToken: string | undefined;
  accessId: string | undefined;
  secretKey: string | undefined;
  basic?: boolean;
  json?: boolean;
  timeout: string;
  retries: string;
}

/**
 * Runs the `attrd` CLI on `argv` (without node and script); resolves with the exit code.
 * Client commands talk to a running server over HTTP; `serve`, `backup` and `restore`
 * work on this machine's store and are loaded only when used.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = new Command('attrd');
  let result: Promise<void> | undefined;
  const act =
    // biome-ignore lint/suspicious/noExplicitAny: commander passes each command's own arguments
      (fn: (...args: any[]) => Promise<void>) =>
      // biome-ignore lint/suspicious/noExplicitAny: as above
      (...args: any[]) => {
        result = fn(...args);
      };

  program
    .description('attrd: custom attributes per push token, TPNS-compatible')
    .option('--url <url>', 'server base URL (env ATTRD_URL; default http://127.0.0.1:8080)')
    .option('--admin-token <token>', 'admin token for app and attr commands (env ATTRD_ADMIN_TOKEN)')
    .option('--access-id <id>', 'app AccessID for token commands (env ATTRD_ACCESS_ID)')
    .option('--secret-key <key>', 'app SecretKey for token commands (env ATTRD_SECRET_KEY)')
    .option('--basic', 'token commands: use HTTP Basic auth instead of the signature')
    .option('--json', 'print JSON instead of tables')
    .addOption(new Option('--timeout <ms>', 'per-attempt timeout in milliseconds').default('10000'))
    .addOption(new Option('--retries <n>', 'retries on network errors and 5xx').default('2'))
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run attrd --help for usage)');

  /** Flags win over the environment. */
  const globals = (): GlobalOptions => {
    const o = program.opts<GlobalOptions>();
    return {
      ...o,
      url: o.url ?? io.env.ATTRD_URL ?? 'http://127.0.0.1:8080',
      adminToken: o.adminToken ?? io.env.ATTRD_ADMIN_TOKEN,
      accessId: o.accessId ?? io.env.ATTRD_ACCESS_ID,
      secretKey: o.secretKey ?? io.env.ATTRD_SECRET_KEY,
    };
  };
  const transport = () => {
    const g = globals();
    const timeoutMs = positive(g.timeout, '--timeout');
    const attempts = positive(g.retries, '--retries', true) + 1;
    return { baseUrl: g.url, timeoutMs, attempts };
  };
  const admin = () => {
    const token = globals().adminToken;
    if (!token) throw new UsageError('an admin token is required: --admin-token or ATTRD_ADMIN_TOKEN');
    return new AdminClient({ ...transport(), adminToken: token });
  };
  const device = () => {
    const g = globals();
    if (!g.accessId || !g.secretKey) {
      throw new UsageError(
        'app credentials are required: --access-id and --secret-key (or ATTRD_ACCESS_ID and ATTRD_SECRET_KEY)',
      );
    }
    return new DeviceClient({
      ...transport(),
      accessId: accessIdOf(g.accessId),
      secretKey: g.secretKey,
      auth: g.basic ? 'basic' : 'signature',
    });
  };
  const print = (value: unknown, human: () => string) =>
    io.out(globals().json ? `${JSON.stringify(value, null, 2)}\n` : human());

  program
    .command('serve')
    .description('run the attrd server (configured by ATTRD_* variables; see the README)')
    .action(
      act(async () => {
        const { serve } = await import('../serve.js');
        await serve();
      }),
    );

  const app = program.command('app').description('manage apps (admin token)');
  app
    .command('create <name>')
    .option('--region <region>', 'service access point of the app')
    .option('--rate-limit <n>', 'device API requests per second per node')
    .action(
      act(async (name: string, o: { region?: string; rateLimit?: string }) => {
        const created = await admin().createApp({
          name,
          ...(o.region ? { region: o.region } : {}),
          ...(o.rateLimit ? { rateLimitPerSecond: positive(o.rateLimit, '--rate-limit', true) } : {}),
        });
        print(
          created,
          () => `${record(created)}Keep the secretKey: it is shown here and by "app show" only.\n`,
        );
      }),
    );
  app.command('list').action(
    act(async () => {
      const apps = await admin().listApps();
      print(apps, () => table(apps, ['accessId', 'name', 'region', 'createdAt', 'rateLimitPerSecond']));
    }),
  );
  app.command('show <accessId>').action(
    act(async (id: string) => {
      const shown = await admin().getApp(accessIdOf(id));
      print(shown, () => record(shown));
    }),
  );
  app.command('rotate-secret <accessId>').action(
    act(async (id: string) => {
      const secretKey = await admin().rotateSecret(accessIdOf(id));
      print({ secretKey }, () => `secretKey: ${secretKey}\nThe old secretKey stopped working.\n`);
    }),
  );
  app.command('delete <accessId>').action(
    act(async (id: string) => {
      await admin().deleteApp(accessIdOf(id));
      print(
        { deleted: Number(id) },
        () => `deleted app ${id} with its attributes and every token's values\n`,
      );
    }),
  );

  const attr = program.command('attr').description('manage attribute definitions (admin token)');
  attr
    .command('define <accessId> <name>')
    .option('--description <text>', 'what the attribute means')
    .action(
      act(async (id: string, name: string, o: { description?: string }) => {
        const defined = await admin().defineAttribute(accessIdOf(id), name, o.description);
        print(defined, () => record(defined));
      }),
    );
  attr.command('list <accessId>').action(
    act(async (id: string) => {
      const list = await admin().listAttributes(accessIdOf(id));
      print(list, () => table(list, ['name', 'deviceCount', 'description', 'createdAt']));
    }),
  );
  attr.command('describe <accessId> <name> <description>').action(
    act(async (id: string, name: string, description: string) => {
      const changed = await admin().describeAttribute(accessIdOf(id), name, description);
      print(changed, () => record(changed));
    }),
  );
  attr.command('delete <accessId> <name>').action(
    act(async (id: string, name: string) => {
      await admin().deleteAttribute(accessIdOf(id), name);
      print({ deleted: name }, () => `deleted attribute ${name} and its value from every token\n`);
    }),
  );

  const token = program
    .command('token')
    .description("read and change a token's attributes (app credentials)");
  const writeResult = (r: { invalidAttribute: readonly string[] }) =>
    r.invalidAttribute.length > 0
      ? `ok; skipped undefined names: ${r.invalidAttribute.join(', ')}\n`
      : 'ok\n';
  token.command('get <token>').action(
    act(async (t: string) => {
      const attributes = await device().getAttributes(t);
      print(attributes, () =>
        table(
          Object.entries(attributes).map(([name, value]) => ({ name, value })),
          ['name', 'value'],
        ),
      );
    }),
  );
  token
    .command('set <token> <name=value...>')
    .description('set attributes (cmd 1)')
    .action(
      act(async (t: string, pairs: string[]) => {
        const attributes: Record<string, string> = {};
        for (const pair of pairs) {
          const at = pair.indexOf('=');
          if (at <= 0) throw new UsageError(`expected name=value, got ${JSON.stringify(pair)}`);
          attributes[pair.slice(0, at)] = pair.slice(at + 1);
        }
        const r = await device().setAttributes(t, attributes);
        print(r, () => writeResult(r));
      }),
    );
  token
    .command('delete <token> <name...>')
    .description('delete attributes by name (cmd 3)')
    .action(
      act(async (t: string, names: string[]) => {
        const r = await device().deleteAttributes(t, names);
        print(r, () => writeResult(r));
      }),
    );
  token
    .command('clear <token>')
    .description('delete every attribute of the token (cmd 4)')
    .action(
      act(async (t: string) => {
        const r = await device().clearAttributes(t);
        print(r, () => writeResult(r));
      }),
    );

  const databaseOption = () =>
    new Option('--database <url>', 'the SQLite store (env ATTRD_DATABASE; default sqlite:./data/attrd.db)');
  const databaseOf = (o: { database?: string }) =>
    o.database ?? io.env.ATTRD_DATABASE ?? 'sqlite:./data/attrd.db';
  program
    .command('backup <file>')
    .description('copy the SQLite store to a new file, online: consistent while the server keeps serving')
    .addOption(databaseOption())
    .action(
      act(async (file: string, o: { database?: string }) => {
        const { backupSqlite } = await import('../store/sqlite-backup.js');
        const done = await backupSqlite(sqlitePath(databaseOf(o)), file);
        print(
          done,
          () =>
            `backed up to ${done.path} (${done.bytes} bytes, schema version ${done.schemaVersion}), verified\n`,
        );
      }),
    );
  program
    .command('restore <file>')
    .description('replace the SQLite store with a verified backup (stop the server first)')
    .addOption(databaseOption())
    .option('--yes', 'replace an existing store')
    .action(
      act(async (file: string, o: { database?: string; yes?: boolean }) => {
        const { existsSync } = await import('node:fs');
        const target = sqlitePath(databaseOf(o));
        if (existsSync(target) && !o.yes) {
          throw new UsageError(`${target} exists: stop the server, then run again with --yes to replace it`);
        }
        const { restoreSqlite } = await import('../store/sqlite-backup.js');
        const done = await restoreSqlite(file, target);
        print(
          done,
          () => `restored ${file} into ${done.path} (schema version ${done.schemaVersion}), verified\n`,
        );
      }),
    );

  try {
    await program.parseAsync([...argv], { from: 'user' });
    await result;
    return Exit.ok;
  } catch (error) {
    return report(error, io);
  }
}

function report(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // Help and version are successes; commander has already printed the message.
    return error.exitCode === 0 ? Exit.ok : Exit.usage;
  }
  if (error instanceof UsageError) {
    io.err(`attrd: ${error.message}\n`);
    return Exit.usage;
  }
  if (error instanceof ConnectionError) {
    io.err(`attrd: ${error.message}\n`);
    return Exit.connection;
  }
  if (error instanceof TpnsError) {
    const skipped = error.invalidAttribute.length
      ? ` (undefined names: ${error.invalidAttribute.join(', ')})`
      : '';
    io.err(`attrd: refused: retCode ${error.retCode}: ${error.errMsg}${skipped}\n`);
    return Exit.apiError;
  }
  if (error instanceof AdminError) {
    io.err(`attrd: refused: ${error.code} (HTTP ${error.status}): ${error.message.replace(/^.*?: /, '')}\n`);
    return Exit.apiError;
  }
  io.err(`attrd: ${(error as Error).message ?? String(error)}\n`);
  return Exit.apiError;
}

function positive(raw: string, flag: string, zeroOk = false): number {
  if (!/^[0-9]+$/.test(raw) || (!zeroOk && Number(raw) === 0)) {
    throw new UsageError(
      `${flag} must be a ${zeroOk ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(raw)}`,
    );
  }
  return Number(raw);
}

function accessIdOf(raw: string): number {
  if (!/^[0-9]{1,15}$/.test(raw))
    throw new UsageError(`an AccessID is a positive integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

function sqlitePath(database: string): string {
  if (!database.startsWith('sqlite:') || database.length === 'sqlite:'.length) {
    throw new UsageError(
      `backup and restore work on a SQLite store (--database sqlite:PATH); for PostgreSQL use pg_dump (docs/operations.md), got ${JSON.stringify(database.replace(/:[^:@/]*@/, ':***@'))}`,
    );
  }
  return database.slice('sqlite:'.length);
}
