import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { sqliteMigrations } from './sqlite-schema.js';

export interface BackupResult {
  readonly path: string;
  readonly bytes: number;
  readonly schemaVersion: number;
}

/** Checks that a file is an intact attrd SQLite store this version can open. */
export function verifySqliteFile(path: string): number {
  if (!existsSync(path)) throw new Error(`${path} does not exist`);
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const check = db.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new Error(`${path} is damaged: ${String(check)}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    const hasApps = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'apps'").get();
    if (version === 0 || !hasApps) throw new Error(`${path} is not an attrd store`);
    if (version > sqliteMigrations.length) {
      throw new Error(
        `${path} has schema version ${version}, newer than this attrd knows (${sqliteMigrations.length})`,
      );
    }
    return version;
  } finally {
    db.close();
  }
}

/**
 * Copies a live store to `destination` with SQLite's online backup API: consistent as of
 * one moment, while the server keeps serving (writers are not blocked). The copy is then
 * checked for integrity.
 */
export async function backupSqlite(source: string, destination: string): Promise<BackupResult> {
  if (existsSync(destination)) throw new Error(`${destination} exists already; choose a new file`);
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(destination);
  } finally {
    db.close();
  }
  const schemaVersion = verifySqliteFile(destination);
  return { path: destination, bytes: statSync(destination).size, schemaVersion };
}

/**
 * Replaces the store at `destination` with a verified backup, through SQLite's backup API
 * so that the file's locks and WAL are honoured. Stop the server first: connections that
 * stay open keep serving what they had read.
 */
export async function restoreSqlite(backup: string, destination: string): Promise<BackupResult> {
  const schemaVersion = verifySqliteFile(backup);
  const source = new Database(backup, { readonly: true, fileMustExist: true });
  try {
    await source.backup(destination);
  } finally {
    source.close();
  }
  const target = new Database(destination);
  try {
    target.pragma('journal_mode = WAL');
    target.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    target.close();
  }
  verifySqliteFile(destination);
  return { path: destination, bytes: statSync(destination).size, schemaVersion };
}
