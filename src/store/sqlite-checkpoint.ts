import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The WAL's size limit, in pages (64 MiB with 4 KiB pages): the checkpointer starts the
 * WAL over past it, and the serving connection's journal_size_limit cuts the file back to
 * it. Each start-over makes writers wait for a moment, so not too often: at 4,096 pages,
 * random writes over a million tokens ran 20% slower (docs/performance.md).
 */
export const WAL_LIMIT_PAGES = 16_384;

export interface CheckpointOptions {
  /** The database file (WAL mode). */
  readonly path: string;
  /** How often to copy the WAL into the database file. */
  readonly intervalMs?: number;
  /**
   * WAL size, in pages, past which the WAL is started over from its beginning (default
   * WAL_LIMIT_PAGES). Under steady writes a passive checkpoint never catches up with the
   * writer, so without this the file would grow without end.
   */
  readonly restartPages?: number;
  /** Called once if the checkpointer stops on its own (it should not). */
  readonly onFailure: (error: Error) => void;
}

// CommonJS, run by `eval` so that it works the same from src (tsx) and from dist.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { fileMustExist: true });
// No busy handler: SQLite's sleeps up to 100 ms between tries, while a RESTART holds the
// write lock; restart() tries again after a short nap instead.
db.pragma('busy_timeout = 0');
const nap = new Int32Array(new SharedArrayBuffer(4));
let timer;
let stopping = false;
// A RESTART checkpoint makes writers wait until every frame is copied and no reader is
// in the WAL; then the next write starts the WAL over (cutting the file back to the
// serving connection's journal_size_limit). Passive passes first copy all but the last
// few frames, so writers wait for those only. Unlike TRUNCATE, RESTART leaves the WAL
// header to the writer, so the serving connection keeps its page cache.
const restart = (copied) => {
  for (let pass = 0; pass < 20; pass++) {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    const fresh = result.log - copied;
    copied = result.checkpointed;
    if (fresh < 64) break;
  }
  // About 20 ms of quick tries, then one a millisecond, up to about half a second: a long
  // read elsewhere (a backup, a shell) holds the WAL, and the next run tries again.
  for (let attempt = 0; attempt < 500; attempt++) {
    const [result] = db.pragma('wal_checkpoint(RESTART)');
    if (!result.busy) return;
    Atomics.wait(nap, 0, 0, attempt < 100 ? 0.2 : 1);
  }
};
const run = () => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    if (result.log >= workerData.restartPages) restart(result.checkpointed);
  } catch (error) {
    // A full disk, say: nothing is lost, the WAL keeps the data; try again.
    parentPort.postMessage({ warning: String(error && error.message) });
  }
  if (!stopping) timer = setTimeout(run, workerData.intervalMs);
};
timer = setTimeout(run, workerData.intervalMs);
parentPort.on('message', () => {
  stopping = true;
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Copies SQLite's write-ahead log into the database file on a worker thread, with its
 * own connection, so that the serving connection can turn automatic checkpoints off:
 * an automatic checkpoint runs inside a commit, on the event loop, and is what made the
 * p99 of writes (see docs/performance.md). Checkpointing moves data that is already
 * durable in the WAL; if the worker dies, the caller turns automatic checkpoints back on.
 */
export class Checkpointer {
  private readonly worker: Worker;
  private stopped = false;

  constructor(options: CheckpointOptions) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        module: createRequire(import.meta.url).resolve('better-sqlite3'),
        path: options.path,
        intervalMs: options.intervalMs ?? 100,
        restartPages: options.restartPages ?? WAL_LIMIT_PAGES,
      },
    });
    this.worker.unref();
    let failed = false;
    const fail = (error: Error) => {
      if (this.stopped || failed) return;
      failed = true;
      options.onFailure(error);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the checkpoint worker exited with code ${code}`)));
  }

  /** Stops the worker after any checkpoint in progress; its connection is closed. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('stop');
    const timeout = setTimeout(() => void this.worker.terminate(), 10_000);
    await exited;
    clearTimeout(timeout);
  }
}
