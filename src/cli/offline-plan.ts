import type { AssemblySender } from './assembly';
import type { SenderPlan } from './live-plan';
import { DescribedPool, planAccess, poolIdentity, PoolSnapshot, PoolUser, usernameToCreate } from '../handlers/access-plan';

/**
 * What a list change means, without credentials: the old assembly's list stands for the pool (every
 * worker on it present and enabled, in the teams it lists them in, nobody else), and the new list is
 * planned against it by the handler's own `planAccess`. Whatever the pool holds besides (users
 * created elsewhere, administrators' disables, expired invitations) is not seen offline.
 */
export function planOffline(sender: AssemblySender, base: AssemblySender | undefined, now: number): SenderPlan {
  const identity = poolIdentity((sender.poolProperties ?? base?.poolProperties ?? {}) as DescribedPool);
  const users: PoolUser[] = (base?.workers ?? []).map((w) => ({
    username: usernameToCreate(identity, w),
    sub: `offline:${w.username}`,
    email: w.email,
    enabled: true,
    status: 'CONFIRMED',
  }));
  const groups: Record<string, string[]> = {};
  for (const group of sender.settings.managedGroups) {
    groups[group] = (base?.workers ?? []).filter((w) => w.groups?.includes(group)).map((w) => usernameToCreate(identity, w));
  }
  const snapshot: PoolSnapshot = { identity, users, groups, disabledBySender: new Map(), now };
  // (Offline, nobody's temporary password is known to have expired: no resends.)
  const plan = planAccess({ ...sender.settings, workers: sender.workers, pool: snapshot, phase: 'DEPLOY' });
  return { sender, deployed: base !== undefined, poolId: sender.pool.id, plan, snapshot };
}
