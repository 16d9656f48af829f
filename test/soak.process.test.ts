import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createLoadApp, deviceCall, LOAD_ADMIN_TOKEN, type LoadApp } from './support/load.js';
import { startAttrd } from './support/process.js';
import { storeKinds } from './support/stores.js';

/** Seconds of soak: 12 in the suite; `npm run soak` runs the full 60 (ATTRD_SOAK_SECONDS=60). */
const SECONDS = Number(process.env.ATTRD_SOAK_SECONDS ?? 12);
const CONNECTIONS = 8;

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return Number(line![1]) * 1024;
}

/** One mixed request: 60% cmd 1, 20% cmd 5, 10% cmd 2, 10% cmd 3, over 500 tokens. */
async function mixed(url: string, app: LoadApp, i: number): Promise<number> {
  const token = `soak-${(i * 7919) % 500}`;
  const r = i % 10;
  const body =
    r < 6
      ? { cmd: 1, token, attributeInfo: { attributeMap: { a: `v${i}`, b: `w${i % 97}` } } }
      : r < 8
        ? { cmd: 5, token }
        : r < 9
          ? { cmd: 2, token, attributeInfo: { attributeMap: { a: `u${i}` } } }
          : { cmd: 3, token, attributeInfo: { attributeMap: { b: '' } } };
  return (await deviceCall(url, app, body)).body.retCode;
}

/** Runs CONNECTIONS loops for `ms`, each pacing itself to `perSecond / CONNECTIONS` when given. */
async function drive(url: string, app: LoadApp, ms: number, perSecond?: number) {
  const end = Date.now() + ms;
  let done = 0;
  const errors: number[] = [];
  const gap = perSecond ? (1000 * CONNECTIONS) / perSecond : 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, c) => {
      let next = Date.now();
      for (let i = c; Date.now() < end; i += CONNECTIONS) {
        const retCode = await mixed(url, app, i).catch(() => -1);
        done++;
        if (retCode !== 0) errors.push(retCode);
        if (gap) {
          next += gap;
          const wait = next - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
      }
    }),
  );
  return { done, errors, perSecond: done / (ms / 1000) };
}

const kind = storeKinds().find((k) => k.childDatabase)!;

describe(`soak (${kind.name})`, () => {
  it(
    `holds ${SECONDS} s of mixed load at 80% of peak with zero errors and flat memory`,
    async () => {
      const server = await startAttrd({
        ATTRD_DATABASE: await kind.childDatabase!(),
        ATTRD_ADMIN_TOKEN: LOAD_ADMIN_TOKEN,
      });
      try {
        const app = await createLoadApp(server.url, ['a', 'b']);
        const peak = await drive(server.url, app, 2000);
        expect(peak.errors).toEqual([]);
        const target = Math.max(50, Math.floor(peak.perSecond * 0.8));
        const warmUp = SECONDS * 250;
        const warm = await drive(server.url, app, warmUp, target);
        const baseline = rssBytes(server.child.pid!);
        const soak = await drive(server.url, app, SECONDS * 1000 - warmUp, target);
        const after = rssBytes(server.child.pid!);
        const growth = (after - baseline) / baseline;
        console.log(
          `soak: peak ${Math.round(peak.perSecond)}/s, target ${target}/s, achieved ${Math.round(soak.perSecond)}/s, ` +
            `${warm.done + soak.done} requests, RSS ${Math.round(baseline / 2 ** 20)} → ${Math.round(after / 2 ** 20)} MiB (${(growth * 100).toFixed(1)}%)`,
        );
        expect([...warm.errors, ...soak.errors]).toEqual([]);
        expect(growth).toBeLessThan(0.1);
        expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      } finally {
        server.child.kill('SIGTERM');
        expect(await server.exited).toBe(0);
      }
    },
    SECONDS * 1000 + 30_000,
  );
});
