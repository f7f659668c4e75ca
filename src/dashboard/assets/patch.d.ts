/** Applies a patch made by diffJson to a JSON value (objects changed in place); see patch.js. */
export function applyPatch(target: unknown, patch: unknown): unknown;
