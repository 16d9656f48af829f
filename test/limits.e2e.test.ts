import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server.js';
import { sqliteKind } from './support/stores.js';

async function open(url: string): Promise<Socket> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

/** Resolves with what the server sent and how long until it closed the socket. */
function closed(socket: Socket): Promise<{ data: string; ms: number }> {
  const started = Date.now();
  let data = '';
  socket.on('data', (c) => {
    data += c;
  });
  socket.on('error', () => {});
  return new Promise((resolve) => socket.on('close', () => resolve({ data, ms: Date.now() - started })));
}

describe('slow clients and connection cap', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(await sqliteKind.open(), {
      ATTRD_HEADERS_TIMEOUT_MS: '500',
      ATTRD_REQUEST_TIMEOUT_MS: '1000',
      ATTRD_KEEP_ALIVE_TIMEOUT_MS: '300',
      ATTRD_MAX_CONNECTIONS: '20',
      ATTRD_BODY_LIMIT_BYTES: '2048',
    });
  });
  afterAll(() => server.close());

  it('closes a connection that sends its headers too slowly (slowloris)', async () => {
    const socket = await open(server.url);
    const done = closed(socket);
    socket.write('POST /v3/device/set_custom_attribute HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => socket.writable && socket.write('X-Drip: 1\r\n'), 100);
    const { data, ms } = await done;
    clearInterval(drip);
    // Node checks the headers timeout on a coarse timer: within a few seconds, not forever
    expect(ms).toBeLessThan(3000);
    expect(data === '' || /^HTTP\/1\.1 408/.test(data)).toBe(true);
  });

  it('answers 408 to a request whose body never completes', async () => {
    const socket = await open(server.url);
    const done = closed(socket);
    socket.write(
      'POST /v3/device/set_custom_attribute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"cmd":',
    );
    const { data, ms } = await done;
    expect(ms).toBeLessThan(4000);
    expect(data === '' || /^HTTP\/1\.1 408/.test(data)).toBe(true);
  });

  it('closes idle keep-alive connections', async () => {
    const socket = await open(server.url);
    const done = closed(socket);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const { data, ms } = await done;
    expect(data).toMatch(/^HTTP\/1\.1 200/);
    expect(ms).toBeLessThan(2000);
  });

  it('refuses connections over the cap and serves again once they go', async () => {
    const held: Socket[] = [];
    for (let i = 0; i < 20; i++) held.push(await open(server.url));
    const extra = await open(server.url);
    const { data } = await closed(extra);
    expect(data).toBe('');
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('applies a configured body limit to device and admin bodies, changing nothing', async () => {
    const app = await server.newApp(['level']);
    const pad = 'x'.repeat(2048);
    const raw = JSON.stringify({
      cmd: 1,
      token: 'big',
      attributeInfo: { attributeMap: { level: '1' } },
      pad,
    });
    const over = await server.device(app, undefined, { raw });
    expect(over.body).toEqual({
      retCode: 1008001,
      errMsg: 'request body is larger than the limit of 2048 bytes',
    });
    expect((await server.device(app, { cmd: 5, token: 'big' })).body.attributeInfo).toEqual({
      attributeMap: {},
    });
    const admin = await server.admin('POST', '/apps', { name: 'big', pad });
    expect(admin.status).toBe(400);
    expect(admin.body.error.code).toBe('invalid_json');
    expect(
      (await server.device(app, { cmd: 1, token: 'big', attributeInfo: { attributeMap: { level: '1' } } }))
        .body.retCode,
    ).toBe(0);
  });
});
