import pg from 'pg';

/**
 * SQL literals for statements sent in one simple-protocol message (several statements,
 * one round trip), where parameters cannot be used. Text goes through pg's escapeLiteral;
 * numbers must be safe integers; NUL, which PostgreSQL text cannot hold and which would
 * end the message early, is refused.
 */
export function textLiteral(value: string): string {
  if (value.includes('\u0000')) throw new Error('a SQL text literal cannot hold NUL');
  return pg.escapeLiteral(value);
}

export function bigintLiteral(value: number | string): string {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`not a safe integer: ${String(value)}`);
  return String(n);
}

export const textArray = (values: readonly string[]): string =>
  `ARRAY[${values.map(textLiteral).join(',')}]::text[]`;

export const bigintArray = (values: readonly (number | string)[]): string =>
  `ARRAY[${values.map(bigintLiteral).join(',')}]::bigint[]`;

export const booleanArray = (values: readonly boolean[]): string =>
  `ARRAY[${values.map((v) => (v ? 'true' : 'false')).join(',')}]::boolean[]`;

/** `sql` with $1, $2, … replaced by the given literals (statements of our own, no `$` inside strings). */
export function inline(sql: string, literals: readonly string[]): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const literal = literals[Number(n) - 1];
    if (literal === undefined) throw new Error(`no literal for $${n}`);
    return literal;
  });
}
