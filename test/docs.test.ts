import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adminErrorCodes, retCodes } from '../src/domain/errors.js';

const errorsDoc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

/** The body rows of the markdown table between two markers, as arrays of cells. */
function table(doc: string, marker: string): string[][] {
  const start = doc.indexOf(`<!-- ${marker}:start -->`);
  const end = doc.indexOf(`<!-- ${marker}:end -->`);
  if (start < 0 || end < 0) throw new Error(`markers ${marker} not found`);
  return doc
    .slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

describe('docs/errors.md agrees with the error catalogue', () => {
  it('lists every retCode with its TPNS message, HTTP status and meaning, and no other', () => {
    const documented = table(errorsDoc, 'retcodes');
    const expected = Object.entries(retCodes).map(([code, entry]) => [
      code,
      entry.tpnsMessage,
      String(entry.httpStatus),
      entry.meaning,
    ]);
    expect(documented).toEqual(expected);
  });

  it('lists every admin error code with its status and meaning, and no other', () => {
    const documented = table(errorsDoc, 'admin-codes');
    const expected = Object.entries(adminErrorCodes).map(([code, entry]) => [
      code,
      String(entry.status),
      entry.meaning,
    ]);
    expect(documented).toEqual(expected);
  });
});
