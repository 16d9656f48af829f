import { type DeviceFailure, deviceFailure, RetCode } from './errors.js';
import { limits } from './limits.js';
import type { DeviceWrite } from './request.js';

/** What a write does to one token's attributes, for the store to carry out. */
export interface WritePlan {
  /** Names sent that the app has not defined, in request order; skipped. */
  readonly invalidAttribute: readonly string[];
  /** Values to insert or overwrite; `added` is true where the token had no value for the name. */
  readonly set: ReadonlyArray<{ readonly name: string; readonly value: string; readonly added: boolean }>;
  /** Names whose existing value is removed. */
  readonly remove: readonly string[];
}

export type PlanResult =
  | { readonly ok: true; readonly plan: WritePlan }
  | { readonly ok: false; readonly failure: DeviceFailure };

/**
 * Applies a write to a token's current attributes (SPEC §1): undefined names are skipped
 * and reported, cmd 1 and 2 insert or overwrite, cmd 3 removes the names it holds,
 * cmd 4 removes all. A set that would leave the token over the per-token limit is
 * refused whole; deletions never are.
 */
export function planWrite(
  current: ReadonlyMap<string, string>,
  isDefined: (name: string) => boolean,
  write: DeviceWrite,
): PlanResult {
  if (write.cmd === 4)
    return { ok: true, plan: { invalidAttribute: [], set: [], remove: [...current.keys()] } };

  const invalidAttribute: string[] = [];
  if (write.cmd === 3) {
    const remove: string[] = [];
    for (const name of write.names) {
      if (!isDefined(name)) invalidAttribute.push(name);
      else if (current.has(name)) remove.push(name);
    }
    return { ok: true, plan: { invalidAttribute, set: [], remove } };
  }

  const set: Array<{ name: string; value: string; added: boolean }> = [];
  let count = current.size;
  for (const [name, value] of write.attributes) {
    if (!isDefined(name)) {
      invalidAttribute.push(name);
      continue;
    }
    const existing = current.get(name);
    if (existing === value) continue;
    const added = existing === undefined;
    if (added) count++;
    set.push({ name, value, added });
  }
  if (count > limits.attributesPerToken)
    return { ok: false, failure: tooManyAttributes(count, current.size) };
  return { ok: true, plan: { invalidAttribute, set, remove: [] } };
}

/** The refusal of a set that would leave a token holding `count` attributes (it holds `held`). */
export const tooManyAttributes = (count: number, held: number): DeviceFailure =>
  deviceFailure(
    RetCode.InvalidParameter,
    `token would hold ${count} attributes after this request (it holds ${held}); ` +
      `the limit is ${limits.attributesPerToken} attributes per token`,
  );
