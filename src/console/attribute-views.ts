import type { App, Definition } from '../domain/model.js';
import { type Html, html, query } from './html.js';
import { BASE, csrfField, field, layout, type PageOptions, time } from './layout.js';

export const SORT_KEYS = ['name', 'description', 'createdAt', 'deviceCount'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export interface Sorting {
  readonly key: SortKey;
  readonly dir: 'asc' | 'desc';
}

const COLUMN_LABELS: Record<SortKey, string> = {
  name: 'Name',
  description: 'Description',
  createdAt: 'Created',
  deviceCount: 'Devices',
};

/** Sorts and filters definitions as the table shows them (pure). */
export function arrangeDefinitions(
  definitions: readonly Definition[],
  sorting: Sorting,
  filter: string,
): Definition[] {
  const needle = filter.trim().toLowerCase();
  const shown = definitions.filter(
    (d) => !needle || d.name.toLowerCase().includes(needle) || d.description.toLowerCase().includes(needle),
  );
  const sign = sorting.dir === 'asc' ? 1 : -1;
  return shown.sort((a, b) => {
    const x = a[sorting.key];
    const y = b[sorting.key];
    const order = typeof x === 'number' ? x - (y as number) : (x as string).localeCompare(y as string);
    return sign * order || a.name.localeCompare(b.name);
  });
}

export interface AppPageInput {
  readonly page: PageOptions & { csrfToken: string };
  readonly app: App;
  readonly definitions: readonly Definition[];
  readonly sorting: Sorting;
  readonly filter: string;
  readonly form?: { name: string; description: string; nameError?: string; descriptionError?: string };
  readonly tokenError?: string | undefined;
  readonly token?: string | undefined;
}

const appUrl = (app: App) => `${BASE}/apps/${app.accessId}`;

export function appPage(input: AppPageInput): string {
  const { app } = input;
  return layout(
    input.page,
    html`<p class="crumbs"><a href="${BASE}/apps">Apps</a> / ${app.name}</p>
<h1>${app.name}</h1>
<section class="card" aria-labelledby="credentials-heading">
<h2 id="credentials-heading">Credentials</h2>
<dl class="kv">
<dt>AccessID</dt><dd><code id="access-id">${app.accessId}</code>
<button type="button" class="small secondary" data-copy="access-id" aria-label="Copy AccessID">Copy</button></dd>
<dt>SecretKey</dt><dd><details><summary>Show SecretKey</summary>
<code id="secret-key">${app.secretKey}</code>
<button type="button" class="small secondary" data-copy="secret-key" aria-label="Copy SecretKey">Copy</button>
</details></dd>
<dt>Region</dt><dd>${app.region}</dd>
<dt>Created</dt><dd>${time(app.createdAt)}</dd>
</dl>
</section>
${attributesSection(input)}
${tokenLookupSection(input)}
<section class="card danger-zone" aria-labelledby="danger-heading">
<h2 id="danger-heading">Secret and deletion</h2>
<div class="actions">
<a class="button secondary" href="${appUrl(app)}/secret">Rotate SecretKey…</a>
<a class="button danger" href="${appUrl(app)}/delete">Delete app…</a>
</div>
</section>`,
  );
}

function sortHeader(input: AppPageInput, key: SortKey): Html {
  const active = input.sorting.key === key;
  const next = active && input.sorting.dir === 'asc' ? 'desc' : 'asc';
  const href = `${appUrl(input.app)}${query({ sort: key, dir: next, q: input.filter || undefined })}#attributes`;
  const ariaSort = active ? (input.sorting.dir === 'asc' ? 'ascending' : 'descending') : 'none';
  const arrow = active ? (input.sorting.dir === 'asc' ? ' ▲' : ' ▼') : '';
  return html`<th scope="col" aria-sort="${ariaSort}"${key === 'deviceCount' ? html` class="num"` : ''}><a href="${href}">${COLUMN_LABELS[key]}${arrow}<span class="sr-only"> (sort ${next === 'asc' ? 'ascending' : 'descending'})</span></a></th>`;
}

function attributesSection(input: AppPageInput): Html {
  const { app, definitions, form } = input;
  const rows = arrangeDefinitions(definitions, input.sorting, input.filter);
  let table: Html;
  if (definitions.length === 0) {
    table = html`<p class="empty">No attributes defined yet. Add one below; devices can then set it through <code>set_custom_attribute</code>.</p>`;
  } else {
    table = html`<form method="get" action="${appUrl(app)}" class="inline" role="search">
<input type="hidden" name="sort" value="${input.sorting.key}"><input type="hidden" name="dir" value="${input.sorting.dir}">
<div class="field"><label for="filter">Filter by name or description</label>
<input type="search" id="filter" name="q" value="${input.filter}" data-filter="attributes-table" aria-describedby="attributes-table-status"></div>
<button type="submit" class="secondary">Filter</button>
<span id="attributes-table-status" class="muted" role="status"></span>
</form>
${
  rows.length === 0
    ? html`<p class="empty">No attribute matches “${input.filter}”. <a href="${appUrl(app)}#attributes">Show all attributes</a>.</p>`
    : html`<div class="table-wrap"><table class="stack" id="attributes-table">
<caption class="sr-only">Attribute definitions of ${app.name}</caption>
<thead><tr>${sortHeader(input, 'name')}${sortHeader(input, 'description')}${sortHeader(input, 'createdAt')}${sortHeader(input, 'deviceCount')}<th scope="col">Actions</th></tr></thead>
<tbody>
${rows.map(
  (d) => html`<tr data-search="${`${d.name}\n${d.description}`.toLowerCase()}">
<td class="name" data-label="Name"><code>${d.name}</code></td>
<td class="desc" data-label="Description">${d.description || html`<span class="muted">none</span>`}</td>
<td data-label="Created">${time(d.createdAt)}</td>
<td class="num" data-label="Devices">${d.deviceCount}</td>
<td data-label="Actions"><div class="actions">
<a class="button small secondary" href="${appUrl(app)}/attributes/edit${query({ name: d.name })}" aria-label="Edit description of ${d.name}">Edit</a>
<a class="button small danger" href="${appUrl(app)}/attributes/delete${query({ name: d.name })}" aria-label="Delete ${d.name}">Delete</a>
</div></td>
</tr>`,
)}
</tbody></table></div>`
}`;
  }
  return html`<section class="card" id="attributes" aria-labelledby="attributes-heading">
<h2 id="attributes-heading">User Attribute Management</h2>
<p class="hint">${definitions.length} attribute${definitions.length === 1 ? '' : 's'} defined. Devices: how many tokens hold a value, counted exactly.</p>
${table}
<h3>Add an attribute</h3>
<form method="post" action="${appUrl(app)}/attributes">
${csrfField(input.page.csrfToken)}
${field({
  id: 'attribute-name',
  name: 'name',
  label: 'Name',
  value: form?.name,
  error: form?.nameError,
  hint: 'Up to 50 bytes of UTF-8, no spaces or control characters, unique in this app.',
  required: true,
})}
${field({
  id: 'attribute-description',
  name: 'description',
  label: 'Description (optional)',
  value: form?.description,
  error: form?.descriptionError,
  hint: 'Up to 200 characters.',
})}
<button type="submit">Add attribute</button>
</form>
</section>`;
}

function tokenLookupSection(input: AppPageInput): Html {
  return html`<section class="card" aria-labelledby="lookup-heading">
<h2 id="lookup-heading">Look up a token</h2>
<form method="get" action="${appUrl(input.app)}/tokens">
${field({
  id: 'lookup-token',
  name: 'token',
  label: 'Push token',
  value: input.token,
  error: input.tokenError,
  hint: 'See, edit and delete the attributes one device holds.',
  required: true,
})}
<button type="submit">Look up</button>
</form>
</section>`;
}

export function editDescriptionPage(
  page: PageOptions & { csrfToken: string },
  app: App,
  definition: Definition,
  form?: { description: string; error?: string },
): string {
  return layout(
    page,
    html`<p class="crumbs"><a href="${BASE}/apps">Apps</a> / <a href="${appUrl(app)}">${app.name}</a></p>
<h1>Edit <code>${definition.name}</code></h1>
<section class="card">
<form method="post" action="${appUrl(app)}/attributes/edit">
${csrfField(page.csrfToken)}
<input type="hidden" name="name" value="${definition.name}">
${field({
  id: 'description',
  name: 'description',
  label: 'Description',
  value: form?.description ?? definition.description,
  error: form?.error,
  hint: 'Up to 200 characters. The name cannot change: devices use it.',
  autofocus: true,
})}
<div class="actions">
<button type="submit">Save description</button>
<a class="button secondary" href="${appUrl(app)}#attributes">Cancel</a>
</div>
</form>
</section>`,
  );
}

export function deleteAttributePage(
  page: PageOptions & { csrfToken: string },
  app: App,
  definition: Definition,
): string {
  const count = definition.deviceCount;
  return layout(
    page,
    html`<p class="crumbs"><a href="${BASE}/apps">Apps</a> / <a href="${appUrl(app)}">${app.name}</a></p>
<h1>Delete <code>${definition.name}</code>?</h1>
<section class="card danger-zone">
<p id="delete-consequence"><strong>${count === 0 ? 'No device holds a value for it.' : `${count} device${count === 1 ? '' : 's'} will lose ${count === 1 ? 'its' : 'their'} value.`}</strong>
Devices that set it afterwards get it back in <code>invalidAttribute</code> until you define it again.</p>
<form method="post" action="${appUrl(app)}/attributes/delete" class="actions">
${csrfField(page.csrfToken)}
<input type="hidden" name="name" value="${definition.name}">
<button type="submit" class="danger">Delete attribute</button>
<a class="button secondary" href="${appUrl(app)}#attributes">Cancel</a>
</form>
</section>`,
  );
}
