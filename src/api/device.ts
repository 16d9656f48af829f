import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseClaim, verifyClaim } from '../auth/credentials.js';
import { type DeviceFailure, deviceFailure, RetCode, retCodes } from '../domain/errors.js';
import { parseDeviceRequest } from '../domain/request.js';
import type { Store } from '../store/store.js';
import type { Clock } from './deps.js';
import { noteCmd, noteRetCode } from './observability.js';
import { RateLimiter } from './rate-limit.js';

export const DEVICE_PATH = '/v3/device/set_custom_attribute';

const SUCCESS = '{"retCode":0,"errMsg":"success"}';
/** A cmd 5 answer up to its attributeMap: the same bytes JSON.stringify would give, built once. */
const READ_PREFIX = '{"retCode":0,"errMsg":"success","attributeInfo":{"attributeMap":';

export interface DeviceRouteOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly region: string;
  readonly signWindowSeconds: number;
  readonly bodyLimitBytes: number;
  /** Requests per second for apps that set no limit of their own; 0 = unlimited. */
  readonly rateLimitPerSecond: number;
}

function sendFailure(reply: FastifyReply, failure: DeviceFailure): FastifyReply {
  noteRetCode(reply.request, failure.retCode);
  return reply
    .code(retCodes[failure.retCode].httpStatus)
    .type('application/json; charset=utf-8')
    .send(JSON.stringify(failure));
}

const authFailure = deviceFailure(
  RetCode.AuthFailure,
  'auth failure: missing, malformed or wrong credentials',
);

/** The TPNS device attribute API (SPEC §1–§3), as a Fastify plugin. */
export async function deviceRoutes(app: FastifyInstance, options: DeviceRouteOptions): Promise<void> {
  const { store, clock } = options;
  const limiter = new RateLimiter(clock);

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
      return sendFailure(
        reply,
        deviceFailure(
          RetCode.ParseError,
          `request body is larger than the limit of ${options.bodyLimitBytes} bytes`,
        ),
      );
    }
    if (error.statusCode !== undefined && error.statusCode < 500) {
      return sendFailure(
        reply,
        deviceFailure(RetCode.ParseError, `request body could not be read: ${error.message}`),
      );
    }
    request.log.error({ err: error }, 'device request failed');
    return sendFailure(
      reply,
      deviceFailure(
        RetCode.InvokeServiceError,
        'invoke service error: the store failed; nothing was changed, retry later',
      ),
    );
  });

  app.post(DEVICE_PATH, async (request: FastifyRequest, reply: FastifyReply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);

    const claim = parseClaim(request.headers);
    if (!claim) return sendFailure(reply, authFailure);
    const found = await store.getApp(claim.accessId);
    const nowMs = clock.now();
    if (!verifyClaim(claim, found?.secretKey, raw, Math.floor(nowMs / 1000), options.signWindowSeconds)) {
      return sendFailure(reply, authFailure);
    }
    const appInfo = found!;
    if (appInfo.region !== options.region) {
      return sendFailure(
        reply,
        deviceFailure(
          RetCode.AccessIdMismatch,
          `app ${appInfo.accessId} belongs to region "${appInfo.region}"; this service access point serves region "${options.region}"`,
        ),
      );
    }

    const limit = appInfo.rateLimitPerSecond ?? options.rateLimitPerSecond;
    if (limit > 0 && !limiter.take(appInfo.accessId, limit)) {
      return sendFailure(
        reply,
        deviceFailure(
          RetCode.RequestTooFast,
          `request too fast: app ${appInfo.accessId} may make ${limit} requests per second; retry later`,
        ),
      );
    }

    if (raw.length === 0)
      return sendFailure(
        reply,
        deviceFailure(RetCode.ParseError, 'request body is empty; send a JSON object'),
      );
    if (!isUtf8(raw))
      return sendFailure(reply, deviceFailure(RetCode.ParseError, 'request body is not valid UTF-8'));
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      return sendFailure(
        reply,
        deviceFailure(RetCode.ParseError, `request body is not valid JSON: ${(error as Error).message}`),
      );
    }

    const parsed = parseDeviceRequest(body, appInfo.accessId);
    if (!parsed.ok) return sendFailure(reply, parsed.failure);
    const command = parsed.value;
    noteCmd(request, command.cmd);

    reply.type('application/json; charset=utf-8');
    if (command.cmd === 5) {
      const attributeMap = await store.readAttributes(appInfo.accessId, command.token);
      noteRetCode(request, 0);
      return reply.send(`${READ_PREFIX}${JSON.stringify(attributeMap)}}}`);
    }
    const outcome = await store.writeAttributes(appInfo.accessId, command);
    if (!outcome.ok) return sendFailure(reply, outcome.failure);
    noteRetCode(request, 0);
    if (outcome.invalidAttribute.length === 0) return reply.send(SUCCESS);
    return reply.send(
      JSON.stringify({ retCode: 0, errMsg: 'success', invalidAttribute: outcome.invalidAttribute }),
    );
  });
}
