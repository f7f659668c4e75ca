// Applies a patch made by diffJson (src/dashboard/diff-json.ts) to the panel state.

/** The value after `patch`: objects are changed in place, arrays rebuilt. */
export function applyPatch(target, patch) {
  if (patch === null || typeof patch !== 'object') return patch;
  if ('$set' in patch) return patch.$set;
  if ('$array' in patch) {
    const result = Array.isArray(target) ? target.slice(0, patch.$array) : [];
    for (const [index, item] of Object.entries(patch.$items ?? {})) result[Number(index)] = applyPatch(result[Number(index)], item);
    result.length = patch.$array;
    return result;
  }
  const result = target !== null && typeof target === 'object' && !Array.isArray(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyPatch(result[key], value);
  }
  return result;
}
