/**
 * The console's only static files, kept as strings so that `npm run build` carries them
 * in dist/ with the code and nothing has to be copied or fetched at run time.
 */

export const consoleCss = `
:root {
  color-scheme: light;
  --ink: #1c2430; --muted: #5b6675; --line: #d8dee6; --bg: #f5f7fa; --card: #fff;
  --accent: #1f5fbf; --accent-ink: #fff; --danger: #b42318; --ok-bg: #e8f5ec; --ok: #1d6b3a;
  --err-bg: #fdecea; --focus: #f0a500;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 16px; line-height: 1.45; color: var(--ink); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip, .sr-only { position: absolute; left: -9999px; width: 1px; height: 1px; overflow: hidden; }
.skip:focus { width: auto; height: auto; left: 1rem; top: 1rem; background: var(--card); padding: .5rem; z-index: 2; }
header.top { background: #14213d; color: #fff; }
header.top .bar { max-width: 64rem; margin: 0 auto; padding: .6rem 1rem; display: flex; gap: 1rem;
  align-items: center; flex-wrap: wrap; }
header.top a { color: #fff; text-decoration: none; font-weight: 600; }
header.top nav { display: flex; gap: 1rem; align-items: center; margin-left: auto; }
header.top form { margin: 0; }
header.top button { background: transparent; color: #fff; border-color: #8da2c9; }
main { max-width: 64rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 0 0 .75rem; }
.crumbs { font-size: .9rem; color: var(--muted); margin: .25rem 0 0; }
section.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem;
  margin: 0 0 1rem; }
.muted { color: var(--muted); }
.narrow { max-width: 32rem; }
.hint { color: var(--muted); font-size: .9rem; margin: .25rem 0 0; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92em;
  overflow-wrap: anywhere; }
label { display: block; font-weight: 600; margin: 0 0 .25rem; }
.field { margin: 0 0 .9rem; }
input[type=text], input[type=password], input[type=search], select {
  width: 100%; max-width: 32rem; padding: .5rem .6rem; font: inherit; border: 1px solid #a9b4c2;
  border-radius: 6px; background: #fff; color: var(--ink); }
input[aria-invalid=true] { border-color: var(--danger); }
.error-text { color: var(--danger); font-size: .92rem; margin: .3rem 0 0; font-weight: 600; }
button, .button { display: inline-block; font: inherit; font-weight: 600; padding: .45rem .9rem;
  border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: var(--accent-ink);
  cursor: pointer; text-decoration: none; line-height: 1.3; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button.danger, .button.danger { background: var(--danger); border-color: var(--danger); color: #fff; }
button.small, .button.small { padding: .2rem .55rem; font-size: .88rem; }
.actions { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }
.inline { display: flex; gap: .5rem; flex-wrap: wrap; align-items: flex-end; }
.inline .field { flex: 0 1 24rem; margin: 0; }
form[role=search] { margin: .75rem 0 .5rem; }
.notice { border-radius: 8px; padding: .75rem 1rem; margin: 0 0 1rem; border: 1px solid; }
.notice.ok { background: var(--ok-bg); border-color: #9fd3b2; color: var(--ok); }
.notice.error { background: var(--err-bg); border-color: #f1aaa3; color: var(--danger); }
.notice p { margin: .25rem 0; }
.secret { background: #fffbea; border: 1px solid #f0d27a; border-radius: 8px; padding: .75rem 1rem;
  margin: .5rem 0; color: var(--ink); }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1rem; margin: 0; align-items: center; }
dl.kv dt { font-weight: 600; }
dl.kv dd { margin: 0; display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; min-width: 0; }
details summary { cursor: pointer; color: var(--accent); font-weight: 600; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .5rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .9rem; color: var(--muted); white-space: nowrap; }
th a { color: inherit; }
td.num, th.num { text-align: right; }
td.name { font-weight: 600; overflow-wrap: anywhere; }
td.desc { overflow-wrap: anywhere; }
.empty { padding: 1rem; text-align: center; color: var(--muted); border: 1px dashed var(--line);
  border-radius: 8px; }
.danger-zone { border-color: #f1aaa3; }
@media (max-width: 40rem) {
  main { padding: .75rem; }
  h1 { font-size: 1.35rem; }
  dl.kv { grid-template-columns: 1fr; }
  dl.kv dt { margin-top: .4rem; }
  table.stack thead { position: absolute; left: -999px; }
  table.stack tr { display: block; border: 1px solid var(--line); border-radius: 8px; margin: 0 0 .6rem;
    padding: .4rem .6rem; background: #fff; }
  table.stack td { display: flex; gap: .75rem; border: 0; padding: .25rem 0; text-align: left; }
  table.stack td::before { content: attr(data-label); flex: 0 0 6.5rem; color: var(--muted); font-weight: 600;
    font-size: .88rem; }
  table.stack td.num { text-align: left; }
}
`;

/** Progressive enhancement only: every page works without it. */
export const consoleJs = `
'use strict';
document.addEventListener('click', function (event) {
  var button = event.target.closest && event.target.closest('button[data-copy]');
  if (!button) return;
  var source = document.getElementById(button.getAttribute('data-copy'));
  if (!source) return;
  var text = source.textContent;
  var done = function () { button.textContent = 'Copied'; setTimeout(function () { button.textContent = 'Copy'; }, 1500); };
  if (navigator.clipboard && navigator.clipboard.writeText) {
    navigator.clipboard.writeText(text).then(done, function () { button.textContent = 'Select and copy'; });
  }
});
document.querySelectorAll('input[data-filter]').forEach(function (input) {
  var table = document.getElementById(input.getAttribute('data-filter'));
  var status = document.getElementById(input.getAttribute('data-filter') + '-status');
  if (!table) return;
  input.addEventListener('input', function () {
    var needle = input.value.trim().toLowerCase();
    var shown = 0;
    table.querySelectorAll('tbody tr').forEach(function (row) {
      var match = !needle || (row.getAttribute('data-search') || '').indexOf(needle) !== -1;
      row.hidden = !match;
      if (match) shown++;
    });
    if (status) status.textContent = needle ? shown + ' matching' : '';
  });
});
`;
