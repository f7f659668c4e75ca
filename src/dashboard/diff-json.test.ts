import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPatch } from './assets/patch.js';
import { diffJson, type JsonValue } from './diff-json.js';

const roundTrip = (previous: JsonValue, next: JsonValue): unknown => {
  const patch = diffJson(previous, next);
  // The patch travels as JSON text, and the browser changes its own copy of the state.
  return patch === undefined ? previous : applyPatch(structuredClone(previous), JSON.parse(JSON.stringify(patch)));
};

describe('diffJson', () => {
  it('sends only what changed', () => {
    const previous = { fleet: { inFlight: 1, tasks: [{ id: 'a', cost: 1 }, { id: 'b', cost: 2 }] }, kills: { active: [] } };
    const next = { fleet: { inFlight: 1, tasks: [{ id: 'a', cost: 5 }, { id: 'b', cost: 2 }] }, kills: { active: [] } };
    expect(diffJson(previous, next)).toEqual({ fleet: { tasks: { $array: 2, $items: { 0: { cost: 5 } } } } });
    expect(diffJson(previous, previous)).toBeUndefined();
    expect(diffJson({ a: 1, b: 2 }, { a: 1 })).toEqual({ b: null });
    expect(diffJson({ a: [1, 2, 3] }, { a: [1, 2] })).toEqual({ a: { $array: 2 } });
    expect(diffJson({ a: 1 }, { a: { b: 1 } })).toEqual({ a: { $set: { b: 1 } } });
  });

  it('gives a patch that turns the old value into the new one', () => {
    const key = fc.string({ minLength: 1, maxLength: 4 }).filter((text) => !text.startsWith('$') && text !== '__proto__');
    const json = fc.letrec<{ value: JsonValue }>((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.string({ maxLength: 3 }), fc.boolean(), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(key, tie('value'), { maxKeys: 4 })),
    })).value;
    fc.assert(
      fc.property(json, json, (previous, next) => {
        expect(roundTrip(previous, next)).toEqual(next);
      }),
      { numRuns: 500 },
    );
  });
});
