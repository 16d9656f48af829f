import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuthorization } from '../src/auth/sign.js';
import { postgresMigrations } from '../src/store/postgres-schema.js';
import { type AttrdProcess, runAttrdToExit, startAttrd } from './support/process.js';
import { freshPgUrl, testPgDatabase } from './support/stores.js';

/**
 * Two real attrd processes on one PostgreSQL database behave as one service: whatever
 * one node acknowledges, the other honours on its very next request.
 */
const ADMIN_TOKEN = 'multinode-admin-token-0123456789abcdef';

interface NodeApp {
  accessId: number;
  secretKey: string;
}

async function admin(node: AttrdProcess, method: string, path: string, body?: unknown) {
  const response = await fetch(`${node.url}/admin/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function device(node: AttrdProcess, app: NodeApp, body: unknown) {
  const response = await fetch(`${node.url}/v3/device/set_custom_attribute`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: basicAuthorization(app.accessId, app.secretKey),
    },
    body: JSON.stringify(body),
  });
  return (await response.json()) as {
    retCode: number;
    errMsg: string;
    invalidAttribute?: string[];
    attributeInfo?: { attributeMap: Record<string, string> };
  };
}

const set = (token: string, attributeMap: Record<string, string>) => ({
  cmd: 1,
  token,
  attributeInfo: { attributeMap },
});
const read = async (node: AttrdProcess, app: NodeApp, token: string) =>
  (await device(node, app, { cmd: 5, token })).attributeInfo?.attributeMap;

describe.skipIf(!testPgDatabase)('two attrd nodes on one PostgreSQL database', () => {
  let url: string;
  let a: AttrdProcess;
  let b: AttrdProcess;

  async function newApp(names: string[]): Promise<NodeApp> {
    const created = await admin(a, 'POST', '/apps', { name: 'multinode' });
    expect(created.status).toBe(201);
    for (const name of names)
      expect((await admin(a, 'POST', `/apps/${created.body.accessId}/attributes`, { name })).status).toBe(
        201,
      );
    return { accessId: created.body.accessId, secretKey: created.body.secretKey };
  }

  beforeAll(async () => {
    url = await freshPgUrl();
    // Both start at the same moment on an empty database: the migration lock makes one wait.
    [a, b] = await Promise.all([
      startAttrd({ ATTRD_DATABASE: url, ATTRD_ADMIN_TOKEN: ADMIN_TOKEN }),
      startAttrd({ ATTRD_DATABASE: url, ATTRD_ADMIN_TOKEN: ADMIN_TOKEN }),
    ]);
  });
  afterAll(async () => {
    for (const node of [a, b]) {
      if (!node) continue;
      node.child.kill('SIGTERM');
      expect(await node.exited).toBe(0);
    }
  });

  it('starts two nodes at once on an empty database, migrating it once', async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      expect((await client.query('SELECT version FROM attrd_schema')).rows).toEqual([
        { version: postgresMigrations.length },
      ]);
    } finally {
      await client.end();
    }
    expect(a.output()).not.toMatch(/error/i);
    expect(b.output()).not.toMatch(/error/i);
  });

  it('honours an app, a secret rotation and an app deletion made on the other node', async () => {
    const app = await newApp(['level']);
    expect((await device(b, app, set('t1', { level: '1' }))).retCode).toBe(0);

    const rotated = await admin(a, 'POST', `/apps/${app.accessId}/secret`);
    expect(rotated.status).toBe(200);
    expect((await device(b, app, set('t1', { level: '2' }))).retCode).toBe(1008003);
    const fresh = { ...app, secretKey: rotated.body.secretKey as string };
    expect((await device(b, fresh, set('t1', { level: '3' }))).retCode).toBe(0);

    expect((await admin(a, 'DELETE', `/apps/${app.accessId}`)).status).toBe(204);
    expect((await device(b, fresh, { cmd: 5, token: 't1' })).retCode).not.toBe(0);
    expect((await admin(b, 'GET', `/apps/${app.accessId}`)).status).toBe(404);
  });

  it('honours a rate limit set, raised or removed on the other node from the next request', async () => {
    const app = await newApp(['level']);
    // node b has served the app (unlimited) and remembers it
    expect((await device(b, app, set('t1', { level: '0' }))).retCode).toBe(0);
    const limit = (rateLimitPerSecond: number | null) =>
      admin(a, 'PATCH', `/apps/${app.accessId}`, { rateLimitPerSecond });

    expect((await limit(1)).status).toBe(200);
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await device(b, app, set('t1', { level: String(i) }))).retCode);
    expect(codes).toEqual([0, 1008028, 1008028]);

    // b now remembers the limit of 1: a higher one set on a holds at once
    expect((await limit(1000)).status).toBe(200);
    expect((await device(b, app, set('t1', { level: 'raised' }))).retCode).toBe(0);
    expect((await limit(1)).status).toBe(200);
    await device(b, app, { cmd: 5, token: 't1' });
    expect((await device(b, app, { cmd: 5, token: 't1' })).retCode).toBe(1008028);
    expect((await limit(null)).status).toBe(200);
    expect((await device(b, app, { cmd: 5, token: 't1' })).retCode).toBe(0);
    expect(await read(a, app, 't1')).toEqual({ level: 'raised' });
  });

  it('honours a definition created or deleted on the other node', async () => {
    const app = await newApp(['level']);
    expect((await device(b, app, set('t1', { vip: 'yes' }))).invalidAttribute).toEqual(['vip']);
    expect((await admin(a, 'POST', `/apps/${app.accessId}/attributes`, { name: 'vip' })).status).toBe(201);
    expect(await device(b, app, set('t1', { vip: 'yes' }))).toEqual({ retCode: 0, errMsg: 'success' });
    expect(await read(a, app, 't1')).toEqual({ vip: 'yes' });

    expect((await admin(a, 'DELETE', `/apps/${app.accessId}/attributes/vip`)).status).toBe(204);
    expect(await read(b, app, 't1')).toEqual({});
    expect((await device(b, app, set('t1', { vip: 'again' }))).invalidAttribute).toEqual(['vip']);
  });

  it('returns on one node, at once, every write the other acknowledged', async () => {
    const app = await newApp(['level']);
    for (let i = 0; i < 25; i++) {
      const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a];
      expect((await device(writer, app, set('seq', { level: String(i) }))).retCode).toBe(0);
      expect(await read(reader, app, 'seq')).toEqual({ level: String(i) });
    }
  });

  it('loses nothing and never passes 50 attributes when both nodes write one token at once', async () => {
    const names = Array.from({ length: 60 }, (_, i) => `a${i}`);
    const app = await newApp(names);
    const answers = await Promise.all(
      names.map((name, i) => device(i % 2 === 0 ? a : b, app, set('hot', { [name]: name }))),
    );
    const accepted = names.filter((_, i) => answers[i]!.retCode === 0);
    expect(accepted).toHaveLength(50);
    expect(answers.filter((r) => r.retCode !== 0).every((r) => r.retCode === 1008007)).toBe(true);
    const stored = await read(b, app, 'hot');
    expect(Object.keys(stored ?? {}).sort()).toEqual([...accepted].sort());
    const level = (await admin(a, 'GET', `/apps/${app.accessId}/attributes`)).body.attributes;
    expect(level.reduce((sum: number, d: { deviceCount: number }) => sum + d.deviceCount, 0)).toBe(50);
  });

  it('keeps deviceCount exact under many concurrent writers on both nodes', async () => {
    const names = ['x', 'y', 'z'];
    const app = await newApp(names);
    let seed = 7;
    /** mulberry32: a small deterministic generator, so a failure can be replayed. */
    const random = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    const jobs = Array.from({ length: 300 }, (_, i) => {
      const token = `tok-${random(30)}`;
      const name = names[random(3)]!;
      const body =
        random(4) === 0
          ? { cmd: 3, token, attributeInfo: { attributeMap: { [name]: '' } } }
          : random(10) === 0
            ? { cmd: 4, token }
            : set(token, { [name]: String(i) });
      return () => device(i % 2 === 0 ? a : b, app, body);
    });
    // 16 at a time, in order: bounded.
    for (let i = 0; i < jobs.length; i += 16) {
      const results = await Promise.all(jobs.slice(i, i + 16).map((job) => job()));
      for (const r of results) expect(r.retCode).toBe(0);
    }
    const listed = (await admin(b, 'GET', `/apps/${app.accessId}/attributes`)).body.attributes as Array<{
      name: string;
      deviceCount: number;
    }>;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const counted = await client.query<{ name: string; n: string }>(
        'SELECT name, count(*) AS n FROM attributes WHERE access_id = $1 GROUP BY name',
        [app.accessId],
      );
      const truth = Object.fromEntries(names.map((n) => [n, 0]));
      for (const row of counted.rows) truth[row.name] = Number(row.n);
      expect(Object.fromEntries(listed.map((d) => [d.name, d.deviceCount]))).toEqual(truth);
      expect(Object.values(truth).some((n) => n > 0)).toBe(true);
    } finally {
      await client.end();
    }
  });

  it('refuses to start against a schema newer than it knows, with a clear message', async () => {
    const newer = await freshPgUrl();
    const client = new pg.Client({ connectionString: newer });
    await client.connect();
    try {
      await client.query('CREATE TABLE attrd_schema (version integer NOT NULL)');
      await client.query('INSERT INTO attrd_schema VALUES (99)');
    } finally {
      await client.end();
    }
    const { code, output } = await runAttrdToExit({ ATTRD_DATABASE: newer, ATTRD_ADMIN_TOKEN: ADMIN_TOKEN });
    expect(code).toBe(1);
    expect(output).toContain(`schema version 99, newer than this attrd knows (${postgresMigrations.length})`);
  });
});
