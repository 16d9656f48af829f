import { type Html, html } from './html.js';
import type { Flash } from './sessions.js';

export const BASE = '/console';

export interface PageOptions {
  readonly title: string;
  /** Present when signed in: the header then offers sign-out. */
  readonly csrfToken?: string | undefined;
  readonly flash?: Flash | undefined;
}

/** The hidden CSRF field every state-changing form carries. */
export const csrfField = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;

export function layout(options: PageOptions, body: Html): string {
  const signedIn = options.csrfToken !== undefined;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · attrd console</title>
<link rel="stylesheet" href="${BASE}/assets/console.css">
<script src="${BASE}/assets/console.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><div class="bar">
<a href="${BASE}/apps">attrd console</a>
${
  signedIn
    ? html`<nav aria-label="Main"><a href="${BASE}/apps">Apps</a>
<form method="post" action="${BASE}/sign-out">${csrfField(options.csrfToken!)}<button type="submit" class="small">Sign out</button></form></nav>`
    : ''
}
</div></header>
<main id="main">
${options.flash ? flashNotice(options.flash) : ''}
${body}
</main>
</body>
</html>`.value;
}

function flashNotice(flash: Flash): Html {
  return html`<div class="notice ${flash.kind}" role="${flash.kind === 'error' ? 'alert' : 'status'}">
<p>${flash.message}</p>
${flash.credentials ? credentialsBox(flash.credentials) : ''}
</div>`;
}

function credentialsBox(credentials: { accessId: number; secretKey: string }): Html {
  return html`<div class="secret" id="new-credentials">
<p><strong>Copy the SecretKey now.</strong> Store it with your server's configuration; it is the password of this app.</p>
<dl class="kv">
<dt>AccessID</dt><dd><code id="new-access-id">${credentials.accessId}</code>
<button type="button" class="small secondary" data-copy="new-access-id" aria-label="Copy AccessID">Copy</button></dd>
<dt>SecretKey</dt><dd><code id="new-secret-key">${credentials.secretKey}</code>
<button type="button" class="small secondary" data-copy="new-secret-key" aria-label="Copy SecretKey">Copy</button></dd>
</dl></div>`;
}

export interface FieldOptions {
  readonly id: string;
  readonly name: string;
  readonly label: string;
  readonly value?: string | undefined;
  readonly error?: string | undefined;
  readonly hint?: string | undefined;
  readonly type?: 'text' | 'password' | 'search';
  readonly required?: boolean;
  readonly autocomplete?: string;
  readonly autofocus?: boolean;
  /** Label for screen readers only, where a table column already says what the field is. */
  readonly labelHidden?: boolean;
}

/** A labelled input with its hint and, when given, its error right below it. */
export function field(options: FieldOptions): Html {
  const describedBy = [options.hint ? `${options.id}-hint` : '', options.error ? `${options.id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return html`<div class="field">
<label for="${options.id}"${options.labelHidden ? html` class="sr-only"` : ''}>${options.label}</label>
<input type="${options.type ?? 'text'}" id="${options.id}" name="${options.name}" value="${options.value ?? ''}"
 autocomplete="${options.autocomplete ?? 'off'}" spellcheck="false"${options.required ? html` required` : ''}${
   options.autofocus ? html` autofocus` : ''
 }${options.error ? html` aria-invalid="true"` : ''}${describedBy ? html` aria-describedby="${describedBy}"` : ''}>
${options.hint ? html`<p class="hint" id="${options.id}-hint">${options.hint}</p>` : ''}
${options.error ? html`<p class="error-text" id="${options.id}-error">${options.error}</p>` : ''}
</div>`;
}

/** A time as the console shows it: UTC, to the minute, with the exact time for machines. */
export function time(ms: number): Html {
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

/** Upper-cases a domain message's first letter and ends it with a full stop. */
export function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
