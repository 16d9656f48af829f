import { AdminError } from './errors.js';
import { request, type TransportOptions } from './http.js';

export interface AdminClientOptions extends TransportOptions {
  /** The admin token (`ATTRD_ADMIN_TOKEN`, or the one printed at first start). */
  readonly adminToken: string;
}

export interface App {
  readonly accessId: number;
  readonly name: string;
  readonly region: string;
  readonly createdAt: string;
  readonly rateLimitPerSecond: number | null;
  /** Present where the server shows it: on create, show and rotation. */
  readonly secretKey?: string;
}
export interface AppWithSecret extends App {
  readonly secretKey: string;
}
export interface Definition {
  readonly name: string;
  readonly description: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly deviceCount: number;
}
export interface AuditEntry {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly accessId: number | null;
  readonly detail: Readonly<Record<string, unknown>>;
}
export interface AuditPage {
  readonly entries: readonly AuditEntry[];
  readonly nextBefore?: number;
}

/** The admin API under `/admin/v1`, with the admin token. */
export class AdminClient {
  constructor(private readonly options: AdminClientOptions) {}

  createApp(input: {
    name: string;
    region?: string;
    rateLimitPerSecond?: number | null;
  }): Promise<AppWithSecret> {
    return this.call('POST', 'apps', input);
  }
  async listApps(): Promise<App[]> {
    return (await this.call<{ apps: App[] }>('GET', 'apps')).apps;
  }
  getApp(accessId: number): Promise<AppWithSecret> {
    return this.call('GET', `apps/${accessId}`);
  }
  updateApp(accessId: number, changes: { name?: string; rateLimitPerSecond?: number | null }): Promise<App> {
    return this.call('PATCH', `apps/${accessId}`, changes);
  }
  async rotateSecret(accessId: number): Promise<string> {
    return (await this.call<{ secretKey: string }>('POST', `apps/${accessId}/secret`)).secretKey;
  }
  async deleteApp(accessId: number): Promise<void> {
    await this.call('DELETE', `apps/${accessId}`);
  }

  defineAttribute(accessId: number, name: string, description?: string): Promise<Definition> {
    return this.call('POST', `apps/${accessId}/attributes`, {
      name,
      ...(description === undefined ? {} : { description }),
    });
  }
  async listAttributes(accessId: number): Promise<Definition[]> {
    return (await this.call<{ attributes: Definition[] }>('GET', `apps/${accessId}/attributes`)).attributes;
  }
  getAttribute(accessId: number, name: string): Promise<Definition> {
    return this.call('GET', `apps/${accessId}/attributes/${encodeURIComponent(name)}`);
  }
  describeAttribute(accessId: number, name: string, description: string): Promise<Definition> {
    return this.call('PATCH', `apps/${accessId}/attributes/${encodeURIComponent(name)}`, { description });
  }
  async deleteAttribute(accessId: number, name: string): Promise<void> {
    await this.call('DELETE', `apps/${accessId}/attributes/${encodeURIComponent(name)}`);
  }

  async getToken(accessId: number, token: string): Promise<Readonly<Record<string, string>>> {
    return (
      await this.call<{ attributes: Record<string, string> }>(
        'GET',
        `apps/${accessId}/tokens/${encodeURIComponent(token)}`,
      )
    ).attributes;
  }

  audit(options: { limit?: number; before?: number } = {}): Promise<AuditPage> {
    const query = new URLSearchParams();
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    if (options.before !== undefined) query.set('before', String(options.before));
    const suffix = query.size > 0 ? `?${query}` : '';
    return this.call('GET', `audit${suffix}`);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.adminToken}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await request(this.options, method, `admin/v1/${path}`, {
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.status >= 400) {
      const error = (response.body as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new AdminError(
        response.status,
        error?.code ?? 'http_error',
        error?.message ?? `HTTP ${response.status}`,
      );
    }
    return response.body as T;
  }
}
