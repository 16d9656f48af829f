import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { postgresMigrations } from './postgres-schema.js';
import { sqliteMigrations } from './sqlite-schema.js';

/**
 * The SHA-256 of each released migration's text. A database records only how many
 * migrations it has run, so a released one that changed would leave databases migrated
 * before and after the change with different schemas. Append a migration, and its hash
 * here once it is released; never change one.
 */
const released = {
  postgres: [
    'eb8efabcb036abf621c476e2c53bafd2fd61ea1eda1cf1248eead4ae9125b857',
    '09e0b86a624271792861bde604aecd3d6d4e9f6729b4046cd4b10f0bb6205db1',
    '763ef00af6c6d82fea76a8434cb76978507f17b33c328af25d8a2ada451a078e',
    'd4be67da8819d4e996a16785a7c28ce2b37eb75fd030817e0d45748de77b911e',
  ],
  sqlite: [
    '76eab4127a2311919c43b8b03598b88e0df9cb2c29fe487e58cd5822ec70776a',
    '6e3c5690a3be2af5563ae5439e7fff79cf10b76e8efb809c0131466e06e2bc01',
  ],
};

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe.each([
  ['postgres', postgresMigrations],
  ['sqlite', sqliteMigrations],
] as const)('%s migrations', (store, migrations) => {
  it('are the released texts, each with its hash recorded', () => {
    expect(migrations.map(sha256)).toEqual(released[store]);
  });
});
