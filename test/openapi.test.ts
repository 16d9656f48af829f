import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../src/api/app.js';
import { openApiDocument } from '../src/api/openapi.js';
import { adminErrorCodes, retCodes } from '../src/domain/errors.js';
import { startTestServer, type TestServer } from './support/server.js';
import { sqliteKind } from './support/stores.js';

/** Fastify's `/apps/:accessId` as OpenAPI's `/apps/{accessId}`. */
const toOpenApi = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}').replace(/\/$/, '');

describe('OpenAPI document', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(await sqliteKind.open());
  });
  afterAll(() => server.close());

  it('is served at /openapi.json as OpenAPI 3.1', async () => {
    const response = await fetch(`${server.url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await response.json()) as { openapi: string };
    expect(body.openapi).toBe('3.1.0');
    expect(body).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
  });

  it('describes exactly the routes the server registers under /v3 and /admin/v1', async () => {
    const { createApp } = await import('../src/api/app.js');
    const { loadConfig } = await import('../src/config.js');
    const app = await createApp({
      store: server.store,
      config: loadConfig({ ATTRD_ADMIN_TOKEN: 'openapi-admin-token-0123456789' }),
      adminTokenHash: 'x',
    });
    await app.ready();
    const served = new Set(
      registeredRoutes
        .get(app)!
        .filter((r) => /^\/(v3|admin\/v1)\//.test(r.url) && r.method !== 'HEAD' && !r.url.includes('*'))
        .map((r) => `${r.method} ${toOpenApi(r.url)}`),
    );
    const documented = new Set(
      Object.entries(openApiDocument.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    expect(served.size).toBeGreaterThan(10);
    expect([...served].sort()).toEqual([...documented].sort());
    await app.close();
  });

  it('lists every retCode and admin error code of the catalogue', () => {
    const schemas = openApiDocument.components.schemas;
    expect([...schemas.DeviceResponse.properties.retCode.enum].sort()).toEqual(
      Object.keys(retCodes).map(Number).sort(),
    );
    expect([...schemas.AdminError.properties.error.properties.code.enum].sort()).toEqual(
      Object.keys(adminErrorCodes).sort(),
    );
  });

  it('gives examples the server accepts', async () => {
    const app = await server.newApp(['level']);
    const example =
      openApiDocument.paths['/v3/device/set_custom_attribute'].post.requestBody.content['application/json']
        .example;
    expect((await server.device(app, example)).body).toEqual({ retCode: 0, errMsg: 'success' });
    const create = openApiDocument.paths['/admin/v1/apps'].post as unknown as {
      requestBody: { content: { 'application/json': { example: unknown } } };
    };
    const newApp = create.requestBody.content['application/json'].example;
    expect((await server.admin('POST', '/apps', newApp)).status).toBe(201);
  });
});
