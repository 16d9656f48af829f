/** The limits of SPEC §1 and §4, in one place. */
export const limits = {
  /** Bytes of UTF-8 in an attribute name. */
  nameMaxBytes: 50,
  /** Bytes of UTF-8 in an attribute value. */
  valueMaxBytes: 50,
  /** Attributes one token may hold after a request is applied. */
  attributesPerToken: 50,
  /** Characters in a push token. */
  tokenMaxLength: 64,
  /** Characters in an attribute description. */
  descriptionMaxLength: 200,
  /** Characters in an app name. */
  appNameMaxLength: 100,
  /** Characters in a region name. */
  regionMaxLength: 32,
} as const;

const CONTROL = /\p{Cc}/u;
const WHITESPACE = /\s/u;
const TOKEN = /^[\x21-\x7e]+$/;
const REGION = /^[a-z0-9][a-z0-9._-]*$/;

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** JSON-quoted, for error messages that name a key or value unambiguously. */
export function quote(text: string, max = 60): string {
  const shown = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(shown);
}

/** Why a text is not an acceptable attribute name or value, or undefined if it is. */
function textProblem(text: string, what: string, maxBytes: number): string | undefined {
  if (text.length === 0) return `${what} must not be empty`;
  if (!text.isWellFormed()) return `${what} is not valid Unicode (it holds a lone surrogate)`;
  const bytes = utf8Bytes(text);
  if (bytes > maxBytes) return `${what} is ${bytes} bytes of UTF-8; the limit is ${maxBytes} bytes`;
  if (CONTROL.test(text)) return `${what} contains a control character, which is not allowed`;
  return undefined;
}

export function attributeNameProblem(name: string): string | undefined {
  return textProblem(name, 'attribute name', limits.nameMaxBytes);
}

/** Definitions are stricter than names in a request: no whitespace either (SPEC §4). */
export function definitionNameProblem(name: string): string | undefined {
  const problem = attributeNameProblem(name);
  if (problem) return problem;
  if (WHITESPACE.test(name)) return 'attribute name must not contain whitespace';
  return undefined;
}

export function attributeValueProblem(value: string): string | undefined {
  return textProblem(value, 'value', limits.valueMaxBytes);
}

export function isValidToken(token: string): boolean {
  return token.length >= 1 && token.length <= limits.tokenMaxLength && TOKEN.test(token);
}

export const tokenRule = `1 to ${limits.tokenMaxLength} printable ASCII characters without whitespace`;

export function isValidRegion(region: string): boolean {
  return region.length >= 1 && region.length <= limits.regionMaxLength && REGION.test(region);
}

export const regionRule = `1 to ${limits.regionMaxLength} characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit`;
