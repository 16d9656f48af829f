import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './process.js';

const BIN = '/usr/lib/postgresql/15/bin';

/** A private, throw-away PostgreSQL server that a test may stop and start at will. */
export interface PrivateCluster {
  readonly url: string;
  stop(): void;
  start(): void;
  destroy(): void;
}

/** Why a private cluster cannot be made here, or undefined if it can. */
export function privateClusterProblem(): string | undefined {
  if (!existsSync(join(BIN, 'initdb'))) return `no PostgreSQL binaries in ${BIN}`;
  if (process.getuid?.() !== 0) return 'not running as root (needed to run PostgreSQL as the postgres user)';
  return undefined;
}

function asPostgres(command: string, args: string[]): void {
  const quoted = [join(BIN, command), ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', quoted], { stdio: 'pipe', timeout: 60_000 });
}

/** initdb + start on a free port on 127.0.0.1, trust auth, socket in the data directory. */
export async function startPrivateCluster(): Promise<PrivateCluster> {
  const root = mkdtempSync(join(tmpdir(), 'attrd-pg-'));
  chmodSync(root, 0o755);
  const data = join(root, 'data');
  const pgUid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  chownSync(root, pgUid, pgUid);
  asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = () =>
    asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(root, 'log'), '-w', 'start']);
  const stop = () => asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    destroy() {
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
