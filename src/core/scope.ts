/** Kinds of scope a call is charged to: the tree (org → team → key → task) and side scopes. */
export type ScopeKind = 'org' | 'team' | 'key' | 'task' | 'user' | 'tag' | 'model' | 'provider';

/** A scope's identity as text: `team:research`, `task:t-42`, `tag:feature=search`. */
export type ScopeKey = `${ScopeKind}:${string}`;

export const scopeKinds: readonly ScopeKind[] = ['org', 'team', 'key', 'task', 'user', 'tag', 'model', 'provider'];

export function scopeKey(kind: ScopeKind, name: string): ScopeKey {
  return `${kind}:${name}`;
}

export function scopeKindOf(key: ScopeKey): ScopeKind {
  return key.slice(0, key.indexOf(':')) as ScopeKind;
}
