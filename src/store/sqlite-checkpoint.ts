import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface CheckpointOptions {
  /** The database file (WAL mode). */
  readonly path: string;
  /** How often to copy the WAL into the database file. */
  readonly intervalMs?: number;
  /**
   * WAL size, in pages, past which the WAL file is also truncated (default 16384: 64 MiB
   * with 4 KiB pages). Truncating makes writers wait for a moment, so not too often: at
   * 4096 pages, random writes over a million tokens ran 20% slower (docs/performance.md).
   */
  readonly truncatePages?: number;
  /** Called once if the checkpointer stops on its own (it should not). */
  readonly onFailure: (error: Error) => void;
}

// CommonJS, run by `eval` so that it works the same from src (tsx) and from dist.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
let timer;
let stopping = false;
const run = () => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    if (result.log >= workerData.truncatePages) db.pragma('wal_checkpoint(TRUNCATE)');
  } catch (error) {
    // SQLITE_BUSY or a full disk: nothing is lost, the WAL keeps the data; try again.
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
        truncatePages: options.truncatePages ?? 16_384,
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
