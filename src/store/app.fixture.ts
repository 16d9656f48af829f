import type { App } from '../domain/model.js';

/** The app the SQLite store's own tests write to. */
export const testApp: App = {
  accessId: 1500000001,
  secretKey: 's',
  name: 'n',
  region: 'default',
  createdAt: 1,
  rateLimitPerSecond: null,
};
