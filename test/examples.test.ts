import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './support/process.js';
import { ADMIN_TOKEN, startTestServer, type TestApp, type TestServer } from './support/server.js';
import { sqliteKind } from './support/stores.js';

const run = promisify(execFile);

/** Every file in examples/ runs against a real server, so the examples stay true. */
describe('examples/', () => {
  let server: TestServer;
  let app: TestApp;
  let env: Record<string, string>;
  beforeAll(async () => {
    server = await startTestServer(await sqliteKind.open());
    app = await server.newApp(['level']);
    env = {
      PATH: process.env.PATH ?? '',
      ATTRD_URL: server.url,
      ATTRD_ACCESS_ID: String(app.accessId),
      ATTRD_SECRET_KEY: app.secretKey,
      ATTRD_ADMIN_TOKEN: ADMIN_TOKEN,
    };
  });
  afterAll(() => server.close());

  it('curl-basic.sh sets and reads with Basic auth', async () => {
    const { stdout } = await run('bash', ['examples/curl-basic.sh'], { cwd: ROOT, env });
    expect(stdout).toContain('{"retCode":0,"errMsg":"success"}');
    expect(stdout).toContain('"attributeMap":{"level":"7"}');
  });

  it('sign-request.sh signs a request the server accepts', async () => {
    const { stdout } = await run('bash', ['examples/sign-request.sh'], { cwd: ROOT, env });
    expect(JSON.parse(stdout)).toMatchObject({ retCode: 0, attributeInfo: { attributeMap: {} } });
  });

  it('sdk.ts runs', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/sdk.ts'], {
      cwd: ROOT,
      env,
    });
    expect(stdout).toContain('skipped undefined names: undefinedName');
    expect(stdout).toContain('attributes: {"level":"7"}');
    expect(stdout).toMatch(/refused: retCode 1008007: .*50 bytes/);
  });

  it('cli-session.sh runs', async () => {
    const { stdout } = await run('bash', ['examples/cli-session.sh'], {
      cwd: ROOT,
      env: { ...env, ATTRD_CLI: `${process.execPath} --import tsx src/cli/index.ts` },
    });
    expect(stdout).toMatch(/level\s+7/);
    expect(stdout).toMatch(/level\s+1\s+player level/);
    expect(stdout).toMatch(/deleted app/);
  }, 60_000);
});
