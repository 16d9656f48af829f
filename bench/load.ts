/**
 * The load generator, run in its own process: autocannon against one URL for a bounded
 * time, with bodies and credentials made per request. Prints one JSON line of results.
 *
 *   tsx bench/load.ts '{"url":…,"scenario":"write-basic","accessId":…,"secretKey":…,
 *                       "tokens":10000,"connections":32,"seconds":5}'
 */
import autocannon from 'autocannon';
import { basicAuthorization, sign } from '../src/auth/sign.js';
import { benchToken, benchWriteConstants, type LoadOptions, type LoadResult } from './data.js';

async function main(options: LoadOptions): Promise<LoadResult> {
  const basic = basicAuthorization(options.accessId, options.secretKey);
  const accessId = String(options.accessId);
  const pick = () => benchToken(Math.floor(Math.random() * options.tokens));
  const write = () =>
    JSON.stringify({
      cmd: 1,
      token: pick(),
      attributeInfo: {
        attributeMap: { a0: `w${Math.random().toString(36).slice(2, 8)}`, ...benchWriteConstants },
      },
    });
  const read = () => JSON.stringify({ cmd: 5, token: pick() });
  const body = (): string => {
    if (options.scenario === 'read') return read();
    if (options.scenario === 'mix') return Math.random() < 0.8 ? read() : write();
    return write();
  };
  let badAnswers = 0;
  const result = await autocannon({
    url: `${options.url}/v3/device/set_custom_attribute`,
    connections: options.connections,
    duration: options.seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (request: Record<string, unknown>) => {
          const text = body();
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (options.scenario === 'write-sign') {
            const timeStamp = String(Math.floor(Date.now() / 1000));
            headers.accessid = accessId;
            headers.timestamp = timeStamp;
            headers.sign = sign(options.secretKey, timeStamp, accessId, text);
          } else {
            headers.authorization = basic;
          }
          return { ...request, body: text, headers };
        },
        onResponse: (status: number, responseBody: string) => {
          if (status === 200 && !responseBody.startsWith('{"retCode":0,')) badAnswers++;
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts + result.non2xx + badAnswers,
  };
}

if (process.argv[2]) {
  main(JSON.parse(process.argv[2]) as LoadOptions).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error) => {
      process.stderr.write(`load: ${(error as Error).stack}\n`);
      process.exit(1);
    },
  );
}
