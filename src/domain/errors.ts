/**
 * The one error catalogue. Every TPNS retCode attrd answers, and every admin API error
 * code, is declared here once with its status; docs/errors.md is checked against it.
 */

export const RetCode = {
  Success: 0,
  ParseError: 1008001,
  MissingParameter: 1008002,
  AuthFailure: 1008003,
  InvokeServiceError: 1008004,
  InvalidParameter: 1008007,
  RequestTooFast: 1008028,
  InvalidToken: 1008029,
  AccessIdMismatch: 1008035,
} as const;

export type RetCode = (typeof RetCode)[keyof typeof RetCode];

export interface RetCodeEntry {
  /** TPNS's own message for the code. */
  readonly tpnsMessage: string;
  /** HTTP status the device API answers with. */
  readonly httpStatus: 200 | 500;
  /** When attrd answers with it. */
  readonly meaning: string;
}

export const retCodes: Readonly<Record<RetCode, RetCodeEntry>> = {
  0: { tpnsMessage: 'success', httpStatus: 200, meaning: 'the request was applied (or answered) in full' },
  1008001: {
    tpnsMessage: 'parameter parse error',
    httpStatus: 200,
    meaning: 'the body is not JSON, not valid UTF-8, not a JSON object, or larger than the body limit',
  },
  1008002: {
    tpnsMessage: 'missing parameter',
    httpStatus: 200,
    meaning: '`cmd`, `token`, or `attributeInfo.attributeMap` (cmd 1–3) is absent',
  },
  1008003: {
    tpnsMessage: 'auth failure',
    httpStatus: 200,
    meaning: 'no, malformed or wrong credentials, or a TimeStamp outside the allowed window',
  },
  1008004: {
    tpnsMessage: 'invoke service error',
    httpStatus: 500,
    meaning: 'the store failed; nothing of the request was applied',
  },
  1008007: {
    tpnsMessage: 'invalid parameter',
    httpStatus: 200,
    meaning: 'a field has the wrong type, an unknown cmd, an empty map, or a limit is broken',
  },
  1008028: {
    tpnsMessage: 'request too fast',
    httpStatus: 200,
    meaning: 'the app is over its request rate; retry later',
  },
  1008029: {
    tpnsMessage: 'token is not valid',
    httpStatus: 200,
    meaning: 'the token is not 1–64 printable ASCII characters without whitespace',
  },
  1008035: {
    tpnsMessage: 'accessId is not correct or domain not correct',
    httpStatus: 200,
    meaning: 'the body `accessId` differs from the credentials, or the app belongs to another region',
  },
};

/** An expected failure of a device API request, as a value. */
export interface DeviceFailure {
  readonly retCode: Exclude<RetCode, 0>;
  readonly errMsg: string;
}

export function deviceFailure(retCode: Exclude<RetCode, 0>, errMsg: string): DeviceFailure {
  return { retCode, errMsg };
}

export const AdminErrorCode = {
  Unauthorized: 'unauthorized',
  TooManyAttempts: 'too_many_attempts',
  InvalidJson: 'invalid_json',
  InvalidRequest: 'invalid_request',
  AppNotFound: 'app_not_found',
  AttributeNotFound: 'attribute_not_found',
  AttributeExists: 'attribute_exists',
  NotFound: 'not_found',
  StoreUnavailable: 'store_unavailable',
} as const;

export type AdminErrorCode = (typeof AdminErrorCode)[keyof typeof AdminErrorCode];

export const adminErrorCodes: Readonly<Record<AdminErrorCode, { status: number; meaning: string }>> = {
  unauthorized: { status: 401, meaning: 'the `Authorization: Bearer` admin token is missing or wrong' },
  too_many_attempts: {
    status: 429,
    meaning: 'too many bad admin tokens from this address; wait for `Retry-After` seconds',
  },
  invalid_json: { status: 400, meaning: 'the body is not a JSON object' },
  invalid_request: { status: 400, meaning: 'a field is missing, has the wrong type, or breaks a limit' },
  app_not_found: { status: 404, meaning: 'no app has that accessId' },
  attribute_not_found: { status: 404, meaning: 'the app has no attribute definition of that name' },
  attribute_exists: { status: 409, meaning: 'the app already defines an attribute of that name' },
  not_found: { status: 404, meaning: 'no such route' },
  store_unavailable: { status: 500, meaning: 'the store failed; nothing was changed' },
};

/** An expected failure of an admin API request, as a value. */
export interface AdminFailure {
  readonly code: AdminErrorCode;
  readonly message: string;
}

export function adminFailure(code: AdminErrorCode, message: string): AdminFailure {
  return { code, message };
}
