import type { FastifyInstance } from 'fastify';
import { adminErrorCodes, retCodes } from '../domain/errors.js';
import { limits } from '../domain/limits.js';

/**
 * The OpenAPI 3.1 description of the device and admin APIs, served at /openapi.json.
 * Limits, retCodes and admin error codes are taken from the code's own catalogue and
 * limits; test/openapi.test.ts checks that every route the server registers under /v3
 * and /admin/v1 is described here and that every path described here is served.
 */
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown, example?: unknown) => ({
  content: { 'application/json': { schema, ...(example === undefined ? {} : { example }) } },
});
const adminError = (description: string) => ({ description, ...json(ref('AdminError')) });
const accessIdParam = {
  name: 'accessId',
  in: 'path',
  required: true,
  schema: { type: 'integer', minimum: 1 },
};
const nameParam = { name: 'name', in: 'path', required: true, schema: ref('AttributeName') };
const admin = (summary: string, extra: Record<string, unknown>, ok: Record<string, unknown>) => ({
  summary,
  tags: ['admin'],
  security: [{ adminToken: [] }],
  ...extra,
  responses: {
    ...ok,
    '400': adminError('invalid_json or invalid_request: the message names the field and the limit'),
    '401': adminError('unauthorized: missing or wrong admin token'),
    '404': adminError('app_not_found, attribute_not_found or not_found'),
    '429': adminError('too_many_attempts: this address sent too many bad admin tokens'),
    '500': adminError('store_unavailable: nothing was changed'),
  },
});

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'attrd',
    version: '1',
    description:
      'Custom attributes per push token, wire-compatible with the TPNS device API ' +
      '(`POST /v3/device/set_custom_attribute`), and the attrd admin API. See docs/api.md and docs/admin-api.md.',
  },
  tags: [
    { name: 'device', description: 'The TPNS device API (app credentials)' },
    { name: 'admin', description: 'Apps and attribute definitions (admin token)' },
  ],
  paths: {
    '/v3/device/set_custom_attribute': {
      post: {
        summary: 'Set, update, delete, clear or query a token’s custom attributes (cmd 1–5)',
        tags: ['device'],
        security: [{ basic: [] }, { signature: [], timeStamp: [], accessIdHeader: [] }],
        requestBody: {
          required: true,
          ...json(ref('DeviceRequest'), {
            cmd: 1,
            token: 'a1b2c3',
            attributeInfo: { attributeMap: { level: '7' } },
          }),
        },
        responses: {
          '200': {
            description: 'Every answer but 1008004: `retCode` 0 is success',
            ...json(ref('DeviceResponse')),
          },
          '500': {
            description: '1008004: the store failed; nothing was applied',
            ...json(ref('DeviceResponse')),
          },
        },
      },
    },
    '/admin/v1/apps': {
      post: admin(
        'Create an app (its secretKey is shown once here)',
        { requestBody: { required: true, ...json(ref('NewApp'), { name: 'My game' }) } },
        { '201': { description: 'The app, with its secretKey', ...json(ref('AppWithSecret')) } },
      ),
      get: admin(
        'List apps, oldest first, without secrets',
        {},
        {
          '200': {
            description: 'Apps',
            ...json({ type: 'object', properties: { apps: { type: 'array', items: ref('App') } } }),
          },
        },
      ),
    },
    '/admin/v1/apps/{accessId}': {
      get: admin(
        'Show an app with its secretKey',
        { parameters: [accessIdParam] },
        { '200': { description: 'The app', ...json(ref('AppWithSecret')) } },
      ),
      patch: admin(
        'Change an app’s name or rate limit',
        { parameters: [accessIdParam], requestBody: { required: true, ...json(ref('AppChanges')) } },
        { '200': { description: 'The app', ...json(ref('App')) } },
      ),
      delete: admin(
        'Delete an app with its definitions and every token’s attributes',
        { parameters: [accessIdParam] },
        { '204': { description: 'Deleted' } },
      ),
    },
    '/admin/v1/apps/{accessId}/secret': {
      post: admin(
        'Rotate the secretKey; the old one stops working at once',
        { parameters: [accessIdParam] },
        {
          '200': {
            description: 'The new secretKey',
            ...json({ type: 'object', properties: { secretKey: { type: 'string' } } }),
          },
        },
      ),
    },
    '/admin/v1/apps/{accessId}/attributes': {
      post: admin(
        'Define an attribute',
        {
          parameters: [accessIdParam],
          requestBody: {
            required: true,
            ...json(ref('NewDefinition'), { name: 'level', description: 'player level' }),
          },
        },
        {
          '201': { description: 'The definition', ...json(ref('Definition')) },
          '409': adminError('attribute_exists'),
        },
      ),
      get: admin(
        'List definitions by name, with exact device counts',
        { parameters: [accessIdParam] },
        {
          '200': {
            description: 'Definitions',
            ...json({
              type: 'object',
              properties: { attributes: { type: 'array', items: ref('Definition') } },
            }),
          },
        },
      ),
    },
    '/admin/v1/apps/{accessId}/attributes/{name}': {
      get: admin(
        'Show a definition',
        { parameters: [accessIdParam, nameParam] },
        { '200': { description: 'The definition', ...json(ref('Definition')) } },
      ),
      patch: admin(
        'Change a definition’s description',
        {
          parameters: [accessIdParam, nameParam],
          requestBody: {
            required: true,
            ...json({
              type: 'object',
              required: ['description'],
              properties: { description: ref('Description') },
            }),
          },
        },
        { '200': { description: 'The definition', ...json(ref('Definition')) } },
      ),
      delete: admin(
        'Delete a definition and its value from every token',
        { parameters: [accessIdParam, nameParam] },
        { '204': { description: 'Deleted' } },
      ),
    },
    '/admin/v1/apps/{accessId}/tokens/{token}': {
      get: admin(
        'A token’s attributes',
        { parameters: [accessIdParam, { name: 'token', in: 'path', required: true, schema: ref('Token') }] },
        {
          '200': {
            description: 'The token and its attributes (`{}` if none)',
            ...json({ type: 'object', properties: { token: ref('Token'), attributes: ref('AttributeMap') } }),
          },
        },
      ),
    },
    '/admin/v1/audit': {
      get: admin(
        'Admin actions, newest first',
        {
          parameters: [
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            },
            { name: 'before', in: 'query', schema: { type: 'integer', minimum: 1 } },
          ],
        },
        {
          '200': {
            description: 'A page of entries; pass nextBefore as before for the next page',
            ...json({
              type: 'object',
              properties: {
                entries: { type: 'array', items: ref('AuditEntry') },
                nextBefore: { type: 'integer' },
              },
            }),
          },
        },
      ),
    },
  },
  components: {
    securitySchemes: {
      basic: { type: 'http', scheme: 'basic', description: 'AccessID as user name, SecretKey as password' },
      signature: {
        type: 'apiKey',
        in: 'header',
        name: 'Sign',
        description:
          'Base64 of the lowercase hex HMAC-SHA256 of TimeStamp + AccessId + body, keyed with the SecretKey',
      },
      timeStamp: { type: 'apiKey', in: 'header', name: 'TimeStamp', description: 'Unix seconds' },
      accessIdHeader: { type: 'apiKey', in: 'header', name: 'AccessId' },
      adminToken: { type: 'http', scheme: 'bearer', description: 'ATTRD_ADMIN_TOKEN' },
    },
    schemas: {
      Token: { type: 'string', minLength: 1, maxLength: limits.tokenMaxLength, pattern: '^[\\x21-\\x7e]+$' },
      AttributeName: {
        type: 'string',
        minLength: 1,
        description: `1 to ${limits.nameMaxBytes} bytes of UTF-8, no control characters (definitions: no whitespace either)`,
      },
      AttributeValue: {
        type: 'string',
        minLength: 1,
        description: `1 to ${limits.valueMaxBytes} bytes of UTF-8, no control characters`,
      },
      AttributeMap: {
        type: 'object',
        additionalProperties: ref('AttributeValue'),
        maxProperties: limits.attributesPerToken,
      },
      Description: { type: 'string', maxLength: limits.descriptionMaxLength },
      DeviceRequest: {
        type: 'object',
        required: ['cmd', 'token'],
        properties: {
          accessId: { type: 'integer', description: 'optional; must equal the authenticated app' },
          cmd: {
            type: 'integer',
            enum: [1, 2, 3, 4, 5],
            description: '1 set, 2 update (same as 1), 3 delete names, 4 delete all, 5 query',
          },
          token: ref('Token'),
          attributeInfo: {
            type: 'object',
            properties: { attributeMap: ref('AttributeMap') },
            description: 'required for cmd 1–3 (cmd 3: the values are ignored)',
          },
        },
      },
      DeviceResponse: {
        type: 'object',
        required: ['retCode', 'errMsg'],
        properties: {
          retCode: { type: 'integer', enum: Object.keys(retCodes).map(Number) },
          errMsg: { type: 'string' },
          invalidAttribute: {
            type: 'array',
            items: { type: 'string' },
            description: 'names sent that the app has not defined (skipped)',
          },
          attributeInfo: {
            type: 'object',
            properties: { attributeMap: ref('AttributeMap') },
            description: 'cmd 5 only',
          },
        },
      },
      NewApp: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: limits.appNameMaxLength },
          region: { type: 'string', maxLength: limits.regionMaxLength },
          rateLimitPerSecond: { type: ['integer', 'null'], minimum: 1 },
        },
      },
      AppChanges: {
        type: 'object',
        properties: {
          name: { type: 'string', minLength: 1, maxLength: limits.appNameMaxLength },
          rateLimitPerSecond: { type: ['integer', 'null'], minimum: 1 },
        },
      },
      App: {
        type: 'object',
        properties: {
          accessId: { type: 'integer' },
          name: { type: 'string' },
          region: { type: 'string' },
          createdAt: { type: 'string', format: 'date-time' },
          rateLimitPerSecond: { type: ['integer', 'null'] },
        },
      },
      AppWithSecret: {
        allOf: [ref('App'), { type: 'object', properties: { secretKey: { type: 'string' } } }],
      },
      NewDefinition: {
        type: 'object',
        required: ['name'],
        properties: { name: ref('AttributeName'), description: ref('Description') },
      },
      Definition: {
        type: 'object',
        properties: {
          name: ref('AttributeName'),
          description: ref('Description'),
          createdAt: { type: 'string', format: 'date-time' },
          updatedAt: { type: 'string', format: 'date-time' },
          deviceCount: { type: 'integer', description: 'tokens holding a value; exact' },
        },
      },
      AuditEntry: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          at: { type: 'string', format: 'date-time' },
          actor: { type: 'string' },
          action: { type: 'string' },
          accessId: { type: ['integer', 'null'] },
          detail: { type: 'object' },
        },
      },
      AdminError: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string', enum: Object.keys(adminErrorCodes) },
              message: { type: 'string' },
            },
          },
        },
      },
    },
  },
} as const;

export async function openApiRoutes(app: FastifyInstance): Promise<void> {
  const body = JSON.stringify(openApiDocument);
  app.get('/openapi.json', async (_request, reply) => reply.type('application/json').send(body));
}
