import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      host: '0.0.0.0',
      port: 8080,
      database: { kind: 'sqlite', path: './data/attrd.db' },
      adminToken: undefined,
      region: 'default',
      signWindowSeconds: 300,
      bodyLimitBytes: 65536,
      sqliteSynchronous: 'normal',
      sqliteCacheMiB: 64,
      logLevel: 'info',
      secretKeyring: undefined,
      rateLimitPerSecond: 0,
      adminMaxFailures: 10,
      adminLockoutSeconds: 900,
      trustProxy: false,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 10_000,
      shutdownGraceMs: 10_000,
      metricsToken: undefined,
      consoleSessionSeconds: 28_800,
      pgPoolSize: 10,
      pgStatementTimeoutMs: 5000,
    });
  });

  it('reads the slow-client, connection, shutdown and metrics settings', () => {
    const config = loadConfig({
      ATTRD_HEADERS_TIMEOUT_MS: '500',
      ATTRD_REQUEST_TIMEOUT_MS: '1000',
      ATTRD_KEEP_ALIVE_TIMEOUT_MS: '2000',
      ATTRD_MAX_CONNECTIONS: '0',
      ATTRD_SHUTDOWN_GRACE_MS: '0',
      ATTRD_METRICS_TOKEN: 'metrics-token-0123456789',
    });
    expect(config).toMatchObject({
      headersTimeoutMs: 500,
      requestTimeoutMs: 1000,
      keepAliveTimeoutMs: 2000,
      maxConnections: 0,
      shutdownGraceMs: 0,
      metricsToken: 'metrics-token-0123456789',
    });
    expect(() => loadConfig({ ATTRD_HEADERS_TIMEOUT_MS: '5' })).toThrow(/ATTRD_HEADERS_TIMEOUT_MS/);
    expect(() => loadConfig({ ATTRD_HEADERS_TIMEOUT_MS: '40000' })).toThrow(
      /must not exceed ATTRD_REQUEST_TIMEOUT_MS/,
    );
    expect(() => loadConfig({ ATTRD_MAX_CONNECTIONS: '-1' })).toThrow(/ATTRD_MAX_CONNECTIONS/);
    expect(() => loadConfig({ ATTRD_METRICS_TOKEN: 'short' })).toThrow(/ATTRD_METRICS_TOKEN/);
  });

  it('reads the console session lifetime and refuses one out of range', () => {
    expect(loadConfig({ ATTRD_CONSOLE_SESSION_SECONDS: '600' }).consoleSessionSeconds).toBe(600);
    expect(() => loadConfig({ ATTRD_CONSOLE_SESSION_SECONDS: '59' })).toThrow(
      /ATTRD_CONSOLE_SESSION_SECONDS must be an integer from 60 to 604800/,
    );
  });

  it('reads every variable', () => {
    const config = loadConfig({
      ATTRD_HOST: '127.0.0.1',
      ATTRD_PORT: '9000',
      ATTRD_DATABASE: 'postgres://u@db:5432/attrd',
      ATTRD_ADMIN_TOKEN: 'a-long-enough-admin-token',
      ATTRD_REGION: 'ap-guangzhou',
      ATTRD_SIGN_WINDOW_SECONDS: '60',
      ATTRD_BODY_LIMIT_BYTES: '2048',
      ATTRD_SQLITE_SYNCHRONOUS: 'full',
      ATTRD_SQLITE_CACHE_MIB: '1024',
      ATTRD_LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 9000,
      database: { kind: 'postgres', url: 'postgres://u@db:5432/attrd' },
      adminToken: 'a-long-enough-admin-token',
      region: 'ap-guangzhou',
      signWindowSeconds: 60,
      bodyLimitBytes: 2048,
      sqliteSynchronous: 'full',
      sqliteCacheMiB: 1024,
      logLevel: 'warn',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    [{ ATTRD_PORT: 'abc' }, /ATTRD_PORT must be an integer from 0 to 65535, got "abc"/],
    [{ ATTRD_PORT: '70000' }, /ATTRD_PORT/],
    [{ ATTRD_DATABASE: 'mysql://x' }, /ATTRD_DATABASE must be sqlite:PATH or postgres:\/\//],
    [{ ATTRD_DATABASE: 'sqlite:' }, /ATTRD_DATABASE sqlite: needs a file path/],
    [{ ATTRD_REGION: 'Bad Region' }, /ATTRD_REGION must be/],
    [{ ATTRD_ADMIN_TOKEN: 'short' }, /ATTRD_ADMIN_TOKEN must be at least 16/],
    [{ ATTRD_SIGN_WINDOW_SECONDS: '0' }, /ATTRD_SIGN_WINDOW_SECONDS/],
    [{ ATTRD_SQLITE_SYNCHRONOUS: 'off' }, /ATTRD_SQLITE_SYNCHRONOUS must be one of normal, full/],
    [{ ATTRD_SQLITE_CACHE_MIB: '1' }, /ATTRD_SQLITE_CACHE_MIB must be an integer from 2 to 1048576, got "1"/],
    [{ ATTRD_SQLITE_CACHE_MIB: '64MB' }, /ATTRD_SQLITE_CACHE_MIB must be an integer from 2 to 1048576/],
    [{ ATTRD_LOG_LEVEL: 'loud' }, /ATTRD_LOG_LEVEL/],
    [{ ATTRD_SECRET_KEYS: 'k1:c2hvcnQ=' }, /ATTRD_SECRET_KEYS must be .*32 bytes/],
    [{ ATTRD_SECRET_KEYS: 'nokey' }, /ATTRD_SECRET_KEYS must be/],
  ])('fails loudly naming the variable: %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
