import type { App, AttributeMap, Definition } from '../domain/model.js';
import { html, query } from './html.js';
import { BASE, csrfField, field, layout, type PageOptions } from './layout.js';

export interface TokenPageInput {
  readonly page: PageOptions & { csrfToken: string };
  readonly app: App;
  readonly token: string;
  readonly attributes: AttributeMap;
  readonly definitions: readonly Definition[];
  /** A refused edit: which attribute row (or '' for the add form) and why. */
  readonly error?: { name: string; message: string; value: string } | undefined;
}

export function tokenPage(input: TokenPageInput): string {
  const { app, token, attributes, error } = input;
  const appUrl = `${BASE}/apps/${app.accessId}`;
  const names = Object.keys(attributes).sort((a, b) => a.localeCompare(b));
  const hidden = html`${csrfField(input.page.csrfToken)}<input type="hidden" name="token" value="${token}">`;
  const defined = input.definitions.map((d) => d.name);
  return layout(
    input.page,
    html`<p class="crumbs"><a href="${BASE}/apps">Apps</a> / <a href="${appUrl}">${app.name}</a> / token</p>
<h1>Token <code>${token}</code></h1>
<section class="card" aria-labelledby="values-heading">
<h2 id="values-heading">Attributes of this token</h2>
${
  names.length === 0
    ? html`<p class="empty">This token holds no attributes. Set one below, or check the token: devices appear here once they set an attribute.</p>`
    : html`<div class="table-wrap"><table class="stack" id="token-table">
<thead><tr><th scope="col">Name</th><th scope="col">Value</th><th scope="col">Actions</th></tr></thead>
<tbody>
${names.map((name, index) => {
  const rowError = error && error.name === name ? error : undefined;
  return html`<tr>
<td class="name" data-label="Name"><code>${name}</code></td>
<td data-label="Value"><form method="post" action="${appUrl}/tokens/set" class="inline">
${hidden}<input type="hidden" name="name" value="${name}">
${field({
  id: `value-${index}`,
  name: 'value',
  label: `Value of ${name}`,
  labelHidden: true,
  value: rowError ? rowError.value : attributes[name],
  error: rowError?.message,
  required: true,
})}
<button type="submit" class="small">Save</button></form></td>
<td data-label="Actions"><form method="post" action="${appUrl}/tokens/delete">${hidden}<input type="hidden" name="name" value="${name}">
<button type="submit" class="small danger" aria-label="Delete ${name} from this token">Delete</button></form></td>
</tr>`;
})}
</tbody></table></div>
<p><a class="button danger" href="${appUrl}/tokens/clear${query({ token })}">Clear all attributes…</a></p>`
}
</section>
<section class="card" aria-labelledby="set-heading">
<h2 id="set-heading">Set an attribute</h2>
${
  defined.length === 0
    ? html`<p class="empty">This app defines no attributes yet. <a href="${appUrl}#attributes">Add one under User Attribute Management</a> first.</p>`
    : html`<form method="post" action="${appUrl}/tokens/set">
${hidden}
<div class="field"><label for="set-name">Attribute</label>
<select id="set-name" name="name">${defined.map((name) => html`<option value="${name}"${error?.name === name && !(name in attributes) ? html` selected` : ''}>${name}</option>`)}</select></div>
${field({
  id: 'set-value',
  name: 'value',
  label: 'Value',
  value: error && !(error.name in attributes) ? error.value : '',
  error: error && !(error.name in attributes) ? error.message : undefined,
  hint: 'Up to 50 bytes of UTF-8. An existing value is replaced.',
  required: true,
})}
<button type="submit">Set value</button>
</form>`
}
</section>
<p><a href="${appUrl}">Back to ${app.name}</a></p>`,
  );
}

export function clearTokenPage(
  page: PageOptions & { csrfToken: string },
  app: App,
  token: string,
  count: number,
): string {
  const appUrl = `${BASE}/apps/${app.accessId}`;
  return layout(
    page,
    html`<p class="crumbs"><a href="${BASE}/apps">Apps</a> / <a href="${appUrl}">${app.name}</a> / token</p>
<h1>Clear all attributes of <code>${token}</code>?</h1>
<section class="card danger-zone">
<p>This removes all ${count} attribute value${count === 1 ? '' : 's'} this token holds. The definitions stay.</p>
<form method="post" action="${appUrl}/tokens/clear" class="actions">
${csrfField(page.csrfToken)}<input type="hidden" name="token" value="${token}">
<button type="submit" class="danger">Clear all</button>
<a class="button secondary" href="${appUrl}/tokens${query({ token })}">Cancel</a>
</form>
</section>`,
  );
}
