import { type DeviceFailure, deviceFailure, RetCode } from './errors.js';
import { attributeNameProblem, attributeValueProblem, isValidToken, quote, tokenRule } from './limits.js';

/** A device API request that passed every static check (everything but definitions and counts). */
export type DeviceRequest =
  | {
      readonly cmd: 1 | 2;
      readonly token: string;
      readonly attributes: ReadonlyArray<readonly [string, string]>;
    }
  | { readonly cmd: 3; readonly token: string; readonly names: readonly string[] }
  | { readonly cmd: 4; readonly token: string }
  | { readonly cmd: 5; readonly token: string };

/** The writing commands: everything but the query. */
export type DeviceWrite = Exclude<DeviceRequest, { cmd: 5 }>;

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failure: DeviceFailure };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (retCode: DeviceFailure['retCode'], errMsg: string): Parsed<never> => ({
  ok: false,
  failure: deviceFailure(retCode, errMsg),
});

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${quote(value, 20)}`;
  if (typeof value === 'number') return `the number ${value}`;
  return `a ${typeof value}`;
}

const hasOwn = (object: object, key: string) => Object.hasOwn(object, key);

/**
 * Checks a parsed JSON body against SPEC §1, in a fixed order: body shape, `accessId`,
 * `cmd`, `token`, then `attributeInfo.attributeMap`. The first problem found is reported.
 */
export function parseDeviceRequest(body: unknown, accessId: number): Parsed<DeviceRequest> {
  if (!isPlainObject(body))
    return fail(RetCode.ParseError, `request body must be a JSON object, got ${typeName(body)}`);

  if (hasOwn(body, 'accessId')) {
    const sent = body.accessId;
    if (typeof sent !== 'number' || !Number.isSafeInteger(sent)) {
      return fail(RetCode.InvalidParameter, `accessId must be an integer, got ${typeName(sent)}`);
    }
    if (sent !== accessId) {
      return fail(
        RetCode.AccessIdMismatch,
        `accessId ${sent} in the body differs from the authenticated app ${accessId}`,
      );
    }
  }

  if (!hasOwn(body, 'cmd') || body.cmd === undefined)
    return fail(RetCode.MissingParameter, 'missing parameter: cmd');
  const cmd = body.cmd;
  if (typeof cmd !== 'number' || !Number.isInteger(cmd)) {
    return fail(RetCode.InvalidParameter, `cmd must be an integer from 1 to 5, got ${typeName(cmd)}`);
  }
  if (cmd < 1 || cmd > 5) {
    return fail(
      RetCode.InvalidParameter,
      `cmd ${cmd} is unknown; use 1 (add), 2 (update), 3 (delete keys), 4 (delete all) or 5 (query)`,
    );
  }

  if (!hasOwn(body, 'token')) return fail(RetCode.MissingParameter, 'missing parameter: token');
  const token = body.token;
  if (typeof token !== 'string')
    return fail(RetCode.InvalidToken, `token must be a string (${tokenRule}), got ${typeName(token)}`);
  if (!isValidToken(token)) {
    return fail(RetCode.InvalidToken, `token ${quote(token, 70)} is not valid: a token is ${tokenRule}`);
  }

  if (cmd === 4 || cmd === 5) return ok({ cmd, token });
  const writeCmd = cmd as 1 | 2 | 3;

  const info = body.attributeInfo;
  if (info === undefined)
    return fail(
      RetCode.MissingParameter,
      `missing parameter: attributeInfo.attributeMap (required for cmd ${writeCmd})`,
    );
  if (!isPlainObject(info))
    return fail(RetCode.InvalidParameter, `attributeInfo must be an object, got ${typeName(info)}`);
  const map = info.attributeMap;
  if (map === undefined)
    return fail(
      RetCode.MissingParameter,
      `missing parameter: attributeInfo.attributeMap (required for cmd ${cmd})`,
    );
  if (!isPlainObject(map))
    return fail(
      RetCode.InvalidParameter,
      `attributeInfo.attributeMap must be an object, got ${typeName(map)}`,
    );
  const entries = Object.entries(map);
  if (entries.length === 0)
    return fail(RetCode.InvalidParameter, 'attributeInfo.attributeMap must not be empty');

  for (const [name] of entries) {
    const problem = attributeNameProblem(name);
    if (problem) return fail(RetCode.InvalidParameter, `attributeMap key ${quote(name)}: ${problem}`);
  }
  if (writeCmd === 3) return ok({ cmd: writeCmd, token, names: entries.map(([name]) => name) });

  const attributes: Array<readonly [string, string]> = [];
  for (const [name, value] of entries) {
    if (typeof value !== 'string') {
      return fail(
        RetCode.InvalidParameter,
        `attributeMap[${quote(name)}]: value must be a JSON string, got ${typeName(value)}`,
      );
    }
    const problem = attributeValueProblem(value);
    if (problem) return fail(RetCode.InvalidParameter, `attributeMap[${quote(name)}]: ${problem}`);
    attributes.push([name, value]);
  }
  return ok({ cmd: writeCmd, token, attributes });
}
