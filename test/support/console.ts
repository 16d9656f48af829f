import { ADMIN_TOKEN } from './server.js';

export interface ConsoleResponse {
  readonly status: number;
  readonly text: string;
  readonly headers: Headers;
  readonly location: string | null;
}

/** A cookie-keeping HTTP client of the web console, as a browser would use it. */
export class ConsoleClient {
  cookie: string | undefined;
  /** The CSRF token of the last page that carried one. */
  csrf: string | undefined;

  constructor(readonly url: string) {}

  private async send(path: string, init: RequestInit): Promise<ConsoleResponse> {
    const headers = new Headers(init.headers);
    if (this.cookie) headers.set('cookie', this.cookie);
    const response = await fetch(`${this.url}${path}`, { ...init, headers, redirect: 'manual' });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) {
      const pair = setCookie.split(';')[0]!;
      this.cookie = /Max-Age=0/.test(setCookie) ? undefined : pair;
    }
    const text = await response.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(text)?.[1];
    if (csrf) this.csrf = csrf;
    return {
      status: response.status,
      text,
      headers: response.headers,
      location: response.headers.get('location'),
    };
  }

  get(path: string, headers: Record<string, string> = {}): Promise<ConsoleResponse> {
    return this.send(path, { headers });
  }

  /** A form POST with this client's CSRF token and the server's own Origin unless overridden. */
  post(
    path: string,
    form: Record<string, string>,
    options: { csrf?: string | null; origin?: string | null; headers?: Record<string, string> } = {},
  ): Promise<ConsoleResponse> {
    const body = new URLSearchParams(form);
    const csrf = options.csrf === undefined ? this.csrf : options.csrf;
    if (csrf !== null && csrf !== undefined) body.set('_csrf', csrf);
    const origin = options.origin === undefined ? this.url : options.origin;
    return this.send(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(origin === null ? {} : { origin }),
        ...options.headers,
      },
      body,
    });
  }

  /** Signs in with the admin token and loads the apps page (for its CSRF token). */
  async signIn(token = ADMIN_TOKEN): Promise<ConsoleResponse> {
    const response = await this.post('/console/sign-in', { token });
    if (response.status === 303) await this.get('/console/apps');
    return response;
  }
}
