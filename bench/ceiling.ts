/**
 * The ceiling: a bare node:http server that does the least any server of this API must
 * do (read the JSON body, parse it, answer a TPNS-shaped body) and nothing else. Run in
 * its own process, like attrd; prints `{"port": N}` once listening.
 */
import { createServer } from 'node:http';

const SUCCESS = '{"retCode":0,"errMsg":"success"}';
const READ =
  '{"retCode":0,"errMsg":"success","attributeInfo":{"attributeMap":' +
  '{"a0":"value-0","a1":"value-1","a2":"value-2","a3":"value-3","a4":"value-4"}}}';

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    let body: { cmd?: unknown } | undefined;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = undefined;
    }
    const text =
      body === undefined ? '{"retCode":10101,"errMsg":"bad json"}' : body.cmd === 5 ? READ : SUCCESS;
    response.writeHead(body === undefined ? 400 : 200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    response.end(text);
  });
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
