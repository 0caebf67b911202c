// Restore only what is still ours. When a resource of the library leaves (the stack is deleted, a
// rename's cleanup, a rollback), it puts back what it found: an existing workforce's network
// settings, an existing pool's invitation. Someone may have changed the value since (a security
// team narrowing the CIDRs, the pool's owner rewriting the invitation): putting back the old value
// then would undo their change. So a value goes back only where the resource still finds what the
// stack set; anything else is left as it is, and reported.

/** What to do with one value on leaving. */
export type RestoreVerdict =
  /** It already is the value to put back: nothing to do. */
  | 'already'
  /** It still is what the stack set: put the value back. */
  | 'restore'
  /** It was changed since the stack set it (or what the stack set is not known): leave it, and say so. */
  | 'changed';

/**
 * The verdict for one value: `current` is what the resource finds now (undefined: nothing), `ours`
 * what the stack set (undefined: not known), `target` what would be put back; `same(wanted, found)`
 * compares a value with what was found (lists with their repeats).
 */
export function restoreVerdict<T>(current: T | undefined, ours: T | undefined, target: T, same: (a: T, b: T) => boolean): RestoreVerdict {
  if (current !== undefined && same(target, current)) {
    return 'already';
  }
  if (current !== undefined && ours !== undefined && same(ours, current)) {
    return 'restore';
  }
  return 'changed';
}
