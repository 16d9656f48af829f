import type { App } from '../domain/model.js';
import { html } from './html.js';
import { BASE, csrfField, field, layout, type PageOptions, time } from './layout.js';

/** The sign-in page; `error` explains a refused attempt. */
export function signInPage(options: { error?: string | undefined; status?: string }): string {
  return layout(
    { title: 'Sign in' },
    html`<section class="card narrow">
<h1>Sign in to attrd</h1>
<p class="muted">Use the admin token: the value of <code>ATTRD_ADMIN_TOKEN</code>, or the token attrd printed on its first start.</p>
${options.status ? html`<div class="notice ok" role="status"><p>${options.status}</p></div>` : ''}
<form method="post" action="${BASE}/sign-in">
${field({
  id: 'token',
  name: 'token',
  label: 'Admin token',
  type: 'password',
  required: true,
  autocomplete: 'current-password',
  autofocus: true,
  error: options.error,
})}
<button type="submit">Sign in</button>
</form>
</section>`,
  );
}

export interface AppsPageInput {
  readonly page: PageOptions & { csrfToken: string };
  readonly apps: readonly App[];
  readonly region: string;
  readonly form?: { name: string; error?: string | undefined } | undefined;
}

export function appsPage(input: AppsPageInput): string {
  const { apps, form } = input;
  return layout(
    input.page,
    html`<h1>Apps</h1>
<section class="card" aria-labelledby="apps-heading">
<h2 id="apps-heading">Your apps</h2>
${
  apps.length === 0
    ? html`<p class="empty">No apps yet. Create your first app below: you get its AccessID and SecretKey, then define the attributes its devices may set.</p>`
    : html`<div class="table-wrap"><table class="stack">
<thead><tr><th scope="col">Name</th><th scope="col">AccessID</th><th scope="col">Region</th><th scope="col">Created</th></tr></thead>
<tbody>
${apps.map(
  (app) => html`<tr>
<td class="name" data-label="Name"><a href="${BASE}/apps/${app.accessId}">${app.name}</a></td>
<td data-label="AccessID"><code>${app.accessId}</code></td>
<td data-label="Region">${app.region}</td>
<td data-label="Created">${time(app.createdAt)}</td>
</tr>`,
)}
</tbody></table></div>`
}
</section>
<section class="card" aria-labelledby="create-heading">
<h2 id="create-heading">Create an app</h2>
<form method="post" action="${BASE}/apps">
${csrfField(input.page.csrfToken)}
${field({
  id: 'app-name',
  name: 'name',
  label: 'App name',
  value: form?.name,
  error: form?.error,
  hint: `Up to 100 characters, for people to recognise it. It is created in region ${input.region}.`,
  required: true,
})}
<button type="submit">Create app</button>
</form>
</section>`,
  );
}

export function rotateSecretPage(page: PageOptions & { csrfToken: string }, app: App): string {
  return layout(
    page,
    html`<p class="crumbs"><a href="${BASE}/apps">Apps</a> / <a href="${BASE}/apps/${app.accessId}">${app.name}</a></p>
<h1>Rotate the SecretKey of ${app.name}?</h1>
<section class="card danger-zone">
<p>A new SecretKey replaces the current one at once. Servers still using the old SecretKey get <code>1008003 auth failure</code> until you give them the new one, which is shown once on the next page.</p>
<form method="post" action="${BASE}/apps/${app.accessId}/secret" class="actions">
${csrfField(page.csrfToken)}
<button type="submit" class="danger">Rotate SecretKey</button>
<a class="button secondary" href="${BASE}/apps/${app.accessId}">Cancel</a>
</form>
</section>`,
  );
}

export function deleteAppPage(
  page: PageOptions & { csrfToken: string },
  app: App,
  definitionCount: number,
  error?: string,
): string {
  return layout(
    page,
    html`<p class="crumbs"><a href="${BASE}/apps">Apps</a> / <a href="${BASE}/apps/${app.accessId}">${app.name}</a></p>
<h1>Delete ${app.name}?</h1>
<section class="card danger-zone">
<p>This deletes the app, its ${definitionCount} attribute definition${definitionCount === 1 ? '' : 's'} and every value its devices hold. It cannot be undone, and the app's AccessID stops working at once.</p>
<form method="post" action="${BASE}/apps/${app.accessId}/delete">
${csrfField(page.csrfToken)}
${field({
  id: 'confirm-name',
  name: 'confirmName',
  label: `Type the app name (${app.name}) to confirm`,
  error,
  required: true,
  autofocus: true,
})}
<div class="actions">
<button type="submit" class="danger">Delete app</button>
<a class="button secondary" href="${BASE}/apps/${app.accessId}">Cancel</a>
</div>
</form>
</section>`,
  );
}

/** A page for a refused or failed request, with a way on. */
export function messagePage(
  page: PageOptions,
  title: string,
  message: string,
  next: { href: string; label: string },
): string {
  return layout(
    page,
    html`<h1>${title}</h1>
<section class="card"><p>${message}</p><p><a class="button" href="${next.href}">${next.label}</a></p></section>`,
  );
}
