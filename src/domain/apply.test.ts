import { describe, expect, it } from 'vitest';
import { planWrite } from './apply.js';

const defined = new Set(['a', 'b', 'c', ...Array.from({ length: 60 }, (_, i) => `k${i}`)]);
const isDefined = (name: string) => defined.has(name);
const current = (entries: Record<string, string>) => new Map(Object.entries(entries));
const fill = (n: number) => current(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v'])));

describe('planWrite', () => {
  it('cmd 1 and 2 insert or overwrite, marking new names', () => {
    for (const cmd of [1, 2] as const) {
      const result = planWrite(current({ a: 'old', b: 'same' }), isDefined, {
        cmd,
        token: 't',
        attributes: [
          ['a', 'new'],
          ['b', 'same'],
          ['c', 'x'],
        ],
      });
      expect(result).toEqual({
        ok: true,
        plan: {
          invalidAttribute: [],
          set: [
            { name: 'a', value: 'new', added: false },
            { name: 'c', value: 'x', added: true },
          ],
          remove: [],
        },
      });
    }
  });

  it('skips undefined names in request order and applies the rest', () => {
    const result = planWrite(current({}), isDefined, {
      cmd: 1,
      token: 't',
      attributes: [
        ['zz', '1'],
        ['a', '1'],
        ['yy', '1'],
      ],
    });
    expect(result).toEqual({
      ok: true,
      plan: { invalidAttribute: ['zz', 'yy'], set: [{ name: 'a', value: '1', added: true }], remove: [] },
    });
  });

  it('cmd 3 removes only names held, reporting undefined ones', () => {
    const result = planWrite(current({ a: '1', b: '2' }), isDefined, {
      cmd: 3,
      token: 't',
      names: ['a', 'c', 'zz'],
    });
    expect(result).toEqual({ ok: true, plan: { invalidAttribute: ['zz'], set: [], remove: ['a'] } });
  });

  it('cmd 4 removes everything, even names no longer defined', () => {
    const result = planWrite(current({ a: '1', gone: '2' }), isDefined, { cmd: 4, token: 't' });
    expect(result).toEqual({ ok: true, plan: { invalidAttribute: [], set: [], remove: ['a', 'gone'] } });
  });

  it('allows exactly 50 attributes and refuses 51, saying how many', () => {
    expect(planWrite(fill(49), isDefined, { cmd: 1, token: 't', attributes: [['k49', 'v']] }).ok).toBe(true);
    const refused = planWrite(fill(49), isDefined, {
      cmd: 1,
      token: 't',
      attributes: [
        ['k49', 'v'],
        ['k50', 'v'],
      ],
    });
    expect(refused).toEqual({
      ok: false,
      failure: {
        retCode: 1008007,
        errMsg:
          'token would hold 51 attributes after this request (it holds 49); the limit is 50 attributes per token',
      },
    });
  });

  it('counts only new, defined names toward the limit', () => {
    const at50 = fill(50);
    expect(
      planWrite(at50, isDefined, {
        cmd: 2,
        token: 't',
        attributes: [
          ['k0', 'w'],
          ['undefined-one', 'x'],
        ],
      }).ok,
    ).toBe(true);
    expect(planWrite(at50, isDefined, { cmd: 1, token: 't', attributes: [['a', 'x']] }).ok).toBe(false);
  });

  it('never refuses deletion for the count, even above the limit', () => {
    const over = fill(60);
    expect(planWrite(over, isDefined, { cmd: 3, token: 't', names: ['k0'] }).ok).toBe(true);
    expect(planWrite(over, isDefined, { cmd: 4, token: 't' }).ok).toBe(true);
  });
});
