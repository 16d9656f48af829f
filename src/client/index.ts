/**
 * The attrd client SDK (`import { DeviceClient, AdminClient } from 'attrd/client'`):
 * the TPNS device API and the admin API over the built-in fetch. No server code.
 */
export {
  AdminClient,
  type AdminClientOptions,
  type App,
  type AppWithSecret,
  type AuditEntry,
  type AuditPage,
  type Definition,
} from './admin.js';
export { type AttributeMap, DeviceClient, type DeviceClientOptions, type WriteResult } from './device.js';
export { AdminError, ConnectionError, TpnsError } from './errors.js';
export type { TransportOptions } from './http.js';
