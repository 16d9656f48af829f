/**
 * SQLite schema migrations, applied in order at open; `PRAGMA user_version` records how
 * many have run. Append only: never edit a released migration.
 */
export const sqliteMigrations: readonly string[] = [
  `
  CREATE TABLE apps (
    access_id   INTEGER PRIMARY KEY,
    secret_key  TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    region      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
  );
  CREATE TABLE definitions (
    access_id    INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    device_count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (access_id, name)
  ) WITHOUT ROWID;
  CREATE TABLE attributes (
    access_id INTEGER NOT NULL,
    token     TEXT    NOT NULL,
    name      TEXT    NOT NULL,
    value     TEXT    NOT NULL,
    PRIMARY KEY (access_id, token, name)
  ) WITHOUT ROWID;
  CREATE INDEX attributes_by_name ON attributes (access_id, name);
  CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  `
  ALTER TABLE apps ADD COLUMN rate_limit INTEGER;
  CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    access_id INTEGER,
    detail    TEXT    NOT NULL
  );
  `,
];
