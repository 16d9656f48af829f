import { basicAuthorization, sign } from '../auth/sign.js';
import { TpnsError } from './errors.js';
import { request, type TransportOptions } from './http.js';

export interface DeviceClientOptions extends TransportOptions {
  readonly accessId: number;
  readonly secretKey: string;
  /** `signature` (default: HMAC-SHA256 with a TimeStamp) or `basic`. */
  readonly auth?: 'signature' | 'basic';
}

/** What a successful write reports: names the app has not defined, which were skipped. */
export interface WriteResult {
  readonly invalidAttribute: readonly string[];
}

export type AttributeMap = Readonly<Record<string, string>>;

/** The TPNS device API, `POST /v3/device/set_custom_attribute`, one method per cmd. */
export class DeviceClient {
  constructor(private readonly options: DeviceClientOptions) {}

  /** cmd 1: sets these attributes (adding or overwriting). */
  setAttributes(token: string, attributes: AttributeMap): Promise<WriteResult> {
    return this.write({ cmd: 1, token, attributeInfo: { attributeMap: attributes } });
  }

  /** cmd 2: the same as cmd 1 in attrd (TPNS "update"). */
  updateAttributes(token: string, attributes: AttributeMap): Promise<WriteResult> {
    return this.write({ cmd: 2, token, attributeInfo: { attributeMap: attributes } });
  }

  /** cmd 3: deletes these attribute names from the token. */
  deleteAttributes(token: string, names: readonly string[]): Promise<WriteResult> {
    const attributeMap = Object.fromEntries(names.map((name) => [name, '']));
    return this.write({ cmd: 3, token, attributeInfo: { attributeMap } });
  }

  /** cmd 4: deletes every attribute of the token. */
  clearAttributes(token: string): Promise<WriteResult> {
    return this.write({ cmd: 4, token });
  }

  /** cmd 5: the token's attributes (`{}` for a token with none). */
  async getAttributes(token: string): Promise<AttributeMap> {
    const body = await this.call({ cmd: 5, token });
    return (body.attributeInfo as { attributeMap?: AttributeMap } | undefined)?.attributeMap ?? {};
  }

  private async write(payload: unknown): Promise<WriteResult> {
    const body = await this.call(payload);
    return { invalidAttribute: (body.invalidAttribute as string[] | undefined) ?? [] };
  }

  /** Sends one request; resolves with the body on retCode 0, throws TpnsError otherwise. */
  async call(payload: unknown): Promise<Record<string, unknown>> {
    const { accessId, secretKey } = this.options;
    const raw = JSON.stringify(payload);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.auth === 'basic') {
      headers.authorization = basicAuthorization(accessId, secretKey);
    } else {
      const timeStamp = String(Math.floor(Date.now() / 1000));
      headers.accessid = String(accessId);
      headers.timestamp = timeStamp;
      headers.sign = sign(secretKey, timeStamp, String(accessId), raw);
    }
    const response = await request(this.options, 'POST', 'v3/device/set_custom_attribute', {
      headers,
      body: raw,
    });
    const body = (response.body ?? {}) as Record<string, unknown>;
    if (typeof body.retCode !== 'number') {
      throw new TpnsError(1008004, `unexpected answer (HTTP ${response.status})`, [], response.status);
    }
    if (body.retCode !== 0) {
      throw new TpnsError(
        body.retCode,
        String(body.errMsg ?? ''),
        (body.invalidAttribute as string[] | undefined) ?? [],
        response.status,
      );
    }
    return body;
  }
}
