/** A JSON value as the panel state holds it: no nulls (absent fields are left out). */
export type JsonValue = string | number | boolean | JsonValue[] | { [key: string]: JsonValue };

/**
 * What changed from one JSON value to the next, to send instead of the whole value. Objects carry
 * only their changed fields (null: field removed); arrays are `{ $array: length, $items: { index:
 * patch } }`; anything else that changed is the new value, wrapped as `{ $set: value }` when it is
 * an object or array. Undefined when nothing changed. Object keys must not start with "$" (the
 * panel state's keys are its own field names). Applied by applyPatch in assets/patch.js.
 * @example diffJson({ a: 1, b: [1, 2] }, { a: 1, b: [1, 3] }) // { b: { $array: 2, $items: { 1: 3 } } }
 */
export function diffJson(previous: JsonValue | undefined, next: JsonValue): JsonValue | undefined {
  if (previous === next) return undefined;
  if (Array.isArray(next)) {
    if (!Array.isArray(previous)) return { $set: next };
    const items: Record<string, JsonValue> = {};
    let changed = previous.length !== next.length;
    next.forEach((item, index) => {
      const patch = diffJson(previous[index], item);
      if (patch === undefined) return;
      items[String(index)] = patch;
      changed = true;
    });
    if (!changed) return undefined;
    return Object.keys(items).length === 0 ? { $array: next.length } : { $array: next.length, $items: items };
  }
  if (typeof next === 'object') {
    if (typeof previous !== 'object' || Array.isArray(previous)) return { $set: next };
    const patch: Record<string, JsonValue | null> = {};
    let changed = false;
    for (const [key, value] of Object.entries(next)) {
      const field = diffJson(previous[key], value);
      if (field === undefined) continue;
      patch[key] = field;
      changed = true;
    }
    for (const key of Object.keys(previous)) {
      if (key in next) continue;
      patch[key] = null;
      changed = true;
    }
    return changed ? (patch as JsonValue) : undefined;
  }
  return next;
}
