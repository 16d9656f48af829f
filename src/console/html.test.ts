import { describe, expect, it } from 'vitest';
import { arrangeDefinitions } from './attribute-views.js';
import { escapeHtml, html, query, raw } from './html.js';

describe('html templates', () => {
  it('escapes every value put into a template', () => {
    const payload = `<script>alert("x")</script>'\`=&`;
    expect(html`<p title="${payload}">${payload}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&#96;&#61;&amp;">' +
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&#96;&#61;&amp;</p>',
    );
    expect(escapeHtml('a&amp;b')).toBe('a&amp;amp;b');
  });

  it('inserts nested templates and raw markup once, and renders lists and empty values', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<div>${inner}${raw('<hr>')}${[1, '<2>']}${undefined}${null}${false}${0}</div>`.value).toBe(
      '<div><b>&lt;i&gt;</b><hr>1&lt;2&gt;0</div>',
    );
  });

  it('builds query strings with encoded values and without undefined ones', () => {
    expect(query({ name: 'a b&c', token: undefined })).toBe('?name=a+b%26c');
    expect(query({})).toBe('');
  });
});

describe('arrangeDefinitions', () => {
  const d = (name: string, description: string, createdAt: number, deviceCount: number) => ({
    name,
    description,
    createdAt,
    updatedAt: createdAt,
    deviceCount,
  });
  const all = [d('b', 'Level', 2, 5), d('a', 'nick', 3, 0), d('c', 'zone', 1, 5)];

  it('sorts by any column, ties by name', () => {
    const names = (key: 'name' | 'createdAt' | 'deviceCount', dir: 'asc' | 'desc') =>
      arrangeDefinitions(all, { key, dir }, '').map((x) => x.name);
    expect(names('name', 'asc')).toEqual(['a', 'b', 'c']);
    expect(names('createdAt', 'desc')).toEqual(['a', 'b', 'c']);
    expect(names('deviceCount', 'desc')).toEqual(['b', 'c', 'a']);
    expect(names('deviceCount', 'asc')).toEqual(['a', 'b', 'c']);
  });

  it('filters by name or description, ignoring case', () => {
    expect(arrangeDefinitions(all, { key: 'name', dir: 'asc' }, ' LEV ').map((x) => x.name)).toEqual(['b']);
    expect(arrangeDefinitions(all, { key: 'name', dir: 'asc' }, 'nope')).toEqual([]);
  });
});
