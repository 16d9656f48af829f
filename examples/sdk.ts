// The SDK from Node.js 20+: `npx tsx examples/sdk.ts` (in your project: import from 'attrd/client').
// Needs: ATTRD_URL, ATTRD_ACCESS_ID, ATTRD_SECRET_KEY, and an attribute "level" defined.
import { DeviceClient, TpnsError } from 'attrd/client';

const device = new DeviceClient({
  baseUrl: process.env.ATTRD_URL ?? 'http://127.0.0.1:8080',
  accessId: Number(process.env.ATTRD_ACCESS_ID),
  secretKey: process.env.ATTRD_SECRET_KEY ?? '',
  // signature auth by default; auth: 'basic' for HTTP Basic
});

const { invalidAttribute } = await device.setAttributes('example-token', { level: '7', undefinedName: 'x' });
console.log('skipped undefined names:', invalidAttribute.join(', '));
console.log('attributes:', JSON.stringify(await device.getAttributes('example-token')));

try {
  await device.setAttributes('example-token', { level: 'x'.repeat(51) });
} catch (error) {
  if (!(error instanceof TpnsError)) throw error;
  console.log(`refused: retCode ${error.retCode}: ${error.errMsg}`);
}
