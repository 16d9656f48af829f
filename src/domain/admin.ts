import { type AdminFailure, adminFailure } from './errors.js';
import { definitionNameProblem, isValidRegion, limits, quote, regionRule } from './limits.js';
import type { App, AppChanges, AuditEntry, Definition } from './model.js';

/** Pure checks and shapes of the admin API (SPEC §4). */

export type Checked<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failure: AdminFailure };

const invalid = (message: string): Checked<never> => ({
  ok: false,
  failure: adminFailure('invalid_request', message),
});
const CONTROL = /\p{Cc}/u;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function plainText(value: unknown, field: string, max: number, allowEmpty: boolean): Checked<string> {
  if (typeof value !== 'string') return invalid(`${field} must be a string`);
  if (!allowEmpty && value.trim().length === 0) return invalid(`${field} must not be empty`);
  if (!value.isWellFormed()) return invalid(`${field} is not valid Unicode`);
  if ([...value].length > max)
    return invalid(`${field} is ${[...value].length} characters; the limit is ${max}`);
  if (CONTROL.test(value)) return invalid(`${field} must not contain control characters`);
  return { ok: true, value };
}

const RATE_LIMIT_MAX = 1_000_000;

function rateLimit(value: unknown): Checked<number | null> {
  if (value === null) return { ok: true, value: null };
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > RATE_LIMIT_MAX) {
    return invalid(
      `rateLimitPerSecond must be an integer from 1 to ${RATE_LIMIT_MAX}, or null for the server default`,
    );
  }
  return { ok: true, value };
}

export function checkNewApp(
  body: unknown,
  defaultRegion: string,
): Checked<{ name: string; region: string; rateLimitPerSecond: number | null }> {
  if (!isObject(body)) return invalid('body must be a JSON object with a "name"');
  if (body.name === undefined) return invalid('name is required');
  const name = plainText(body.name, 'name', limits.appNameMaxLength, false);
  if (!name.ok) return name;
  let region = defaultRegion;
  if (body.region !== undefined) {
    if (typeof body.region !== 'string' || !isValidRegion(body.region)) {
      return invalid(`region must be ${regionRule}`);
    }
    region = body.region;
  }
  const limit = rateLimit(body.rateLimitPerSecond ?? null);
  if (!limit.ok) return limit;
  return { ok: true, value: { name: name.value, region, rateLimitPerSecond: limit.value } };
}

/** PATCH of an app: `name` and/or `rateLimitPerSecond`. */
export function checkAppChanges(body: unknown): Checked<AppChanges> {
  if (!isObject(body)) return invalid('body must be a JSON object with "name" and/or "rateLimitPerSecond"');
  if (body.name === undefined && body.rateLimitPerSecond === undefined) {
    return invalid('give "name" and/or "rateLimitPerSecond" to change');
  }
  const changes: { name?: string; rateLimitPerSecond?: number | null } = {};
  if (body.name !== undefined) {
    const name = plainText(body.name, 'name', limits.appNameMaxLength, false);
    if (!name.ok) return name;
    changes.name = name.value;
  }
  if (body.rateLimitPerSecond !== undefined) {
    const limit = rateLimit(body.rateLimitPerSecond);
    if (!limit.ok) return limit;
    changes.rateLimitPerSecond = limit.value;
  }
  return { ok: true, value: changes };
}

export function checkNewDefinition(body: unknown): Checked<{ name: string; description: string }> {
  if (!isObject(body)) return invalid('body must be a JSON object with a "name"');
  if (body.name === undefined) return invalid('name is required');
  if (typeof body.name !== 'string') return invalid('name must be a string');
  const problem = definitionNameProblem(body.name);
  if (problem) return invalid(`name ${quote(body.name)}: ${problem}`);
  let description = '';
  if (body.description !== undefined) {
    const checked = plainText(body.description, 'description', limits.descriptionMaxLength, true);
    if (!checked.ok) return checked;
    description = checked.value;
  }
  return { ok: true, value: { name: body.name, description } };
}

export function checkDescription(body: unknown): Checked<string> {
  if (!isObject(body)) return invalid('body must be a JSON object with a "description"');
  if (body.description === undefined) return invalid('description is required');
  return plainText(body.description, 'description', limits.descriptionMaxLength, true);
}

/** Parses a path's accessId; undefined if it cannot name an app. */
export function parseAccessId(text: string): number | undefined {
  return /^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : undefined;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function appView(app: App, withSecret: boolean) {
  return {
    accessId: app.accessId,
    ...(withSecret ? { secretKey: app.secretKey } : {}),
    name: app.name,
    region: app.region,
    createdAt: iso(app.createdAt),
    rateLimitPerSecond: app.rateLimitPerSecond,
  };
}

export function auditView(entry: AuditEntry) {
  return { ...entry, at: iso(entry.at) };
}

export function definitionView(definition: Definition) {
  return {
    name: definition.name,
    description: definition.description,
    createdAt: iso(definition.createdAt),
    updatedAt: iso(definition.updatedAt),
    deviceCount: definition.deviceCount,
  };
}
