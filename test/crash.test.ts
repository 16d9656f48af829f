import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { basicAuthorization } from '../src/auth/sign.js';
import { createLoadApp, LOAD_ADMIN_TOKEN, readN, startWriter, type Writer } from './support/load.js';
import { startAttrd } from './support/process.js';
import { storeKinds } from './support/stores.js';

const WRITERS = 6;

/** Resolves true if a new TCP connection to `url` is refused. */
async function refused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  try {
    await once(socket, 'connect');
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ECONNREFUSED';
  } finally {
    socket.destroy();
  }
}

for (const kind of storeKinds()) {
  const childDatabase = kind.childDatabase?.bind(kind);
  describe.skipIf(!childDatabase)(`faults (${kind.name})`, () => {
    it('loses no acknowledged write when killed with SIGKILL under load', async () => {
      const env = { ATTRD_DATABASE: await childDatabase!(), ATTRD_ADMIN_TOKEN: LOAD_ADMIN_TOKEN };
      const first = await startAttrd(env);
      const app = await createLoadApp(first.url, ['n']);
      let stop = false;
      const writers: Writer[] = [];
      for (let i = 0; i < WRITERS; i++) writers.push(startWriter(first.url, app, `crash-${i}`, () => stop));
      // let them run until each has some acknowledged writes, then kill mid-flight
      const deadline = Date.now() + 10_000;
      while (writers.some((w) => w.lastAcked < 20) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      stop = true;
      await Promise.all(writers.map((w) => w.done));

      const second = await startAttrd(env);
      try {
        for (const w of writers) {
          expect(w.oddities).toEqual([]);
          expect(w.lastAcked).toBeGreaterThanOrEqual(20);
          const stored = await readN(second.url, app, w.token);
          // the acknowledged value, or the one in flight at the kill (committed, not yet answered)
          expect([w.lastAcked, w.inFlight ?? w.lastAcked]).toContain(stored);
        }
      } finally {
        second.child.kill('SIGTERM');
        await second.exited;
      }
    });

    it('on SIGTERM finishes requests in flight, refuses new connections and exits 0', async () => {
      const env = {
        ATTRD_DATABASE: await childDatabase!(),
        ATTRD_ADMIN_TOKEN: LOAD_ADMIN_TOKEN,
        ATTRD_SHUTDOWN_GRACE_MS: '8000',
      };
      const server = await startAttrd(env);
      const app = await createLoadApp(server.url, ['n']);
      let stop = false;
      const writers: Writer[] = [];
      for (let i = 0; i < WRITERS; i++) writers.push(startWriter(server.url, app, `term-${i}`, () => stop));
      while (writers.some((w) => w.lastAcked < 10)) await new Promise((r) => setTimeout(r, 20));

      // a slow client: headers and half the body sent before SIGTERM, the rest after
      const body = JSON.stringify({
        cmd: 1,
        token: 'term-slow',
        attributeInfo: { attributeMap: { n: '77' } },
      });
      const { port } = new URL(server.url);
      const slow = connect(Number(port), '127.0.0.1');
      await once(slow, 'connect');
      let answer = '';
      slow.on('data', (chunk) => {
        answer += chunk;
      });
      slow.write(
        `POST /v3/device/set_custom_attribute HTTP/1.1\r\nHost: x\r\nAuthorization: ${basicAuthorization(app.accessId, app.secretKey)}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
      );
      await new Promise((r) => setTimeout(r, 100));

      const signalledAt = Date.now();
      server.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      expect(await refused(server.url)).toBe(true);
      slow.write(body.slice(10));
      await once(slow, 'close');
      expect(answer).toMatch(/^HTTP\/1\.1 200/);
      expect(answer).toContain('"retCode":0');
      stop = true;
      expect(await server.exited).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(8000);
      await Promise.all(writers.map((w) => w.done));
      for (const w of writers) {
        // refusals while closing are answered 503, never a half-done write
        for (const odd of w.oddities) expect(odd).toMatch(/^503 /);
      }

      const again = await startAttrd(env);
      try {
        expect(await readN(again.url, app, 'term-slow')).toBe(77);
        for (const w of writers) {
          expect([w.lastAcked, w.inFlight ?? w.lastAcked]).toContain(await readN(again.url, app, w.token));
        }
      } finally {
        again.child.kill('SIGTERM');
        await again.exited;
      }
    });
  });
}
