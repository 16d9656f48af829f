import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Claim, type Headers, parseClaim, verifyClaim } from '../auth/credentials.js';
import { type DeviceFailure, deviceFailure, RetCode, retCodes } from '../domain/errors.js';
import type { App } from '../domain/model.js';
import { parseDeviceRequest } from '../domain/request.js';
import { AppChanged, type Store } from '../store/store.js';
import type { Clock } from './deps.js';
import { noteCmd, noteRetCode } from './observability.js';
import { RateLimiter } from './rate-limit.js';

export const DEVICE_PATH = '/v3/device/set_custom_attribute';

/** What the device API answers one request: status, JSON body, and what metrics and logs note. */
export interface DeviceAnswer {
  readonly status: number;
  readonly body: string;
  readonly retCode: number;
  readonly cmd?: number;
  /** Why the store failed, for the error log; never sent. */
  readonly error?: unknown;
}

const SUCCESS = '{"retCode":0,"errMsg":"success"}';
/** A cmd 5 answer up to its attributeMap: the same bytes JSON.stringify would give, built once. */
const READ_PREFIX = '{"retCode":0,"errMsg":"success","attributeInfo":{"attributeMap":';

function failed(failure: DeviceFailure, cmd?: number): DeviceAnswer {
  const status = retCodes[failure.retCode].httpStatus;
  return { status, body: JSON.stringify(failure), retCode: failure.retCode, cmd };
}

const authFailure = failed(
  deviceFailure(RetCode.AuthFailure, 'auth failure: missing, malformed or wrong credentials'),
);

/** The answer when the store failed: nothing was changed. */
const storeFailed = failed(
  deviceFailure(
    RetCode.InvokeServiceError,
    'invoke service error: the store failed; nothing was changed, retry later',
  ),
);

export const bodyTooLarge = (limitBytes: number): DeviceAnswer =>
  failed(deviceFailure(RetCode.ParseError, `request body is larger than the limit of ${limitBytes} bytes`));

export const bodyUnreadable = (reason: string): DeviceAnswer =>
  failed(deviceFailure(RetCode.ParseError, `request body could not be read: ${reason}`));

export interface DeviceOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly region: string;
  readonly signWindowSeconds: number;
  readonly bodyLimitBytes: number;
  /** Requests per second for apps that set no limit of their own; 0 = unlimited. */
  readonly rateLimitPerSecond: number;
}

/** A request to the device API (SPEC §1–§3), from its headers and raw body to its answer. */
export type DeviceHandler = (raw: Buffer, headers: Headers) => Promise<DeviceAnswer>;

/** The answer to a request whose store call threw `error`. */
export const storeFailure = (error: unknown, cmd?: number): DeviceAnswer => ({
  ...storeFailed,
  cmd,
  error,
});

/**
 * The TPNS device attribute API, apart from HTTP: authentication, rate limit, parsing,
 * the store call and the answer. A store failure is answered too, with its error attached.
 *
 * A store with peekApp lets a request start from the app as this node last saw it, with
 * no round trip: its read or write confirms that app in the same transaction, and any
 * answer that depends on a stale app (an auth failure, another region, a rate limit, or
 * AppChanged from the store) is given only after looking the app up again.
 */
export function deviceHandler(options: DeviceOptions): DeviceHandler {
  const { store, clock } = options;
  const limiter = new RateLimiter(clock);

  /** The answer for `app`; with `seen` (app from peekApp), AppChanged instead of a doubtful one. */
  const answer = async (
    claim: Claim,
    raw: Buffer,
    app: App | undefined,
    seen: App | undefined,
    nowMs: number,
  ): Promise<DeviceAnswer> => {
    if (!verifyClaim(claim, app?.secretKey, raw, Math.floor(nowMs / 1000), options.signWindowSeconds)) {
      if (seen) throw new AppChanged(claim.accessId);
      return authFailure;
    }
    const appInfo = app!;
    if (appInfo.region !== options.region) {
      if (seen) throw new AppChanged(claim.accessId);
      return failed(
        deviceFailure(
          RetCode.AccessIdMismatch,
          `app ${appInfo.accessId} belongs to region "${appInfo.region}"; this service access point serves region "${options.region}"`,
        ),
      );
    }

    const limit = appInfo.rateLimitPerSecond ?? options.rateLimitPerSecond;
    if (limit > 0 && !limiter.take(appInfo.accessId, limit)) {
      if (seen) throw new AppChanged(claim.accessId);
      return failed(
        deviceFailure(
          RetCode.RequestTooFast,
          `request too fast: app ${appInfo.accessId} may make ${limit} requests per second; retry later`,
        ),
      );
    }

    if (raw.length === 0) {
      return failed(deviceFailure(RetCode.ParseError, 'request body is empty; send a JSON object'));
    }
    if (!isUtf8(raw)) return failed(deviceFailure(RetCode.ParseError, 'request body is not valid UTF-8'));
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      return failed(
        deviceFailure(RetCode.ParseError, `request body is not valid JSON: ${(error as Error).message}`),
      );
    }

    const parsed = parseDeviceRequest(body, appInfo.accessId);
    if (!parsed.ok) return failed(parsed.failure);
    const command = parsed.value;
    const { cmd } = command;
    try {
      if (command.cmd === 5) {
        const attributeMapJson = await store.readAttributesJson(appInfo.accessId, command.token, seen);
        return { status: 200, body: `${READ_PREFIX}${attributeMapJson}}}`, retCode: 0, cmd };
      }
      const outcome = await store.writeAttributes(appInfo.accessId, command, seen);
      if (!outcome.ok) return failed(outcome.failure, cmd);
      if (outcome.invalidAttribute.length === 0) return { status: 200, body: SUCCESS, retCode: 0, cmd };
      const result = { retCode: 0, errMsg: 'success', invalidAttribute: outcome.invalidAttribute };
      return { status: 200, body: JSON.stringify(result), retCode: 0, cmd };
    } catch (error) {
      if (seen && error instanceof AppChanged) throw error;
      return storeFailure(error, cmd);
    }
  };

  return async (raw, headers) => {
    const claim = parseClaim(headers);
    if (!claim) return authFailure;
    const nowMs = clock.now();
    const peeked = store.peekApp?.(claim.accessId);
    if (peeked) {
      try {
        return await answer(claim, raw, peeked, peeked, nowMs);
      } catch (error) {
        if (!(error instanceof AppChanged)) throw error;
      }
    }
    // Not remembered, or doubtful: from the app as committed now. (A request whose
    // remembered app changed after the rate limiter let it through takes a second token.)
    let found: App | undefined;
    try {
      found = await store.getApp(claim.accessId);
    } catch (error) {
      return storeFailure(error);
    }
    return answer(claim, raw, found, undefined, nowMs);
  };
}

export const JSON_TYPE = 'application/json; charset=utf-8';

function send(request: FastifyRequest, reply: FastifyReply, answer: DeviceAnswer): FastifyReply {
  if (answer.error !== undefined) request.log.error({ err: answer.error }, 'device request failed');
  if (answer.cmd !== undefined) noteCmd(request, answer.cmd);
  noteRetCode(request, answer.retCode);
  return reply.code(answer.status).type(JSON_TYPE).send(answer.body);
}

/** The device API as a Fastify plugin. */
export async function deviceRoutes(
  app: FastifyInstance,
  options: { readonly handle: DeviceHandler; readonly bodyLimitBytes: number },
): Promise<void> {
  const { handle } = options;
  // The body is kept raw: the signature covers its exact bytes, and JSON errors must be
  // answered in TPNS form, whatever the Content-Type says.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: options.bodyLimitBytes },
    (_req, body, done) => done(null, body),
  );

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return send(request, reply, bodyTooLarge(options.bodyLimitBytes));
    }
    if (error.statusCode !== undefined && error.statusCode < 500) {
      return send(request, reply, bodyUnreadable(error.message));
    }
    return send(request, reply, storeFailure(error));
  });

  app.post(DEVICE_PATH, async (request: FastifyRequest, reply: FastifyReply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    return send(request, reply, await handle(raw, request.headers));
  });
}
