// Who a deploy lets in and locks out, computed before anything is written: one pure function from
// the worker list, a snapshot of the pool and the policy to the operations the deploy makes. The
// handler applies exactly this plan; the access-plan command shows it to reviewers.
import { REMOVED_WORKERS_ACTIONS } from './types';
import type { InvitationSenderProperties, RemovedWorkersAction, WorkerRecord } from './types';

/** Cognito's documented default of `TemporaryPasswordValidityDays` (also what 0 means). */
const DEFAULT_TEMPORARY_PASSWORD_DAYS = 7;
/** Emails a day Cognito's default sender sends (cognito dg quotas: "about 50"). */
export const DEFAULT_SENDER_DAILY_EMAILS = 50;
const DAY_MS = 86_400_000;
/**
 * A record of the sender's disable holds while the user was not changed later than this after it
 * (the disable itself follows the record within moments): a user changed since, by an
 * administrator enabling and disabling them again, say, is the administrator's.
 */
export const RECORD_MARGIN_MS = 5 * 60_000;

/** How a pool tells its users apart, from its sign-in configuration. */
export interface PoolIdentity {
  /**
   * What identifies a user: the user name the list gives (`username`); or, in a pool that signs in
   * with the email (`UsernameAttributes` email), where Cognito generates the user names, the
   * `email` attribute; or `phone_number` for a pool that signs in with phone numbers only, whose
   * users this library cannot invite by email.
   */
  readonly keyedBy: 'username' | 'email' | 'phone_number';
  /** `UsernameConfiguration.CaseSensitive`; true is the API's default. It also covers the email alias. */
  readonly caseSensitive: boolean;
  /** Days a temporary password is valid (`Policies.PasswordPolicy.TemporaryPasswordValidityDays`). */
  readonly temporaryPasswordDays: number;
  /** The pool sends email with Cognito's default sender, which allows about 50 a day. */
  readonly defaultEmailSender: boolean;
  /** The email is a sign-in alias (`AliasAttributes` email): user names then must not look like one. */
  readonly emailIsAlias: boolean;
}

/** The parts of DescribeUserPool's answer the identity rules come from. */
export interface DescribedPool {
  readonly UsernameAttributes?: readonly string[];
  readonly AliasAttributes?: readonly string[];
  readonly UsernameConfiguration?: { readonly CaseSensitive?: boolean };
  readonly Policies?: { readonly PasswordPolicy?: { readonly TemporaryPasswordValidityDays?: number } };
  readonly EmailConfiguration?: { readonly EmailSendingAccount?: string };
}

/**
 * The identity rules of a pool as DescribeUserPool describes it (botocore, cognito-idp: "If your
 * user pool only supports phone numbers or email addresses as sign-in attributes, Amazon Cognito
 * automatically generates a username value"; `CaseSensitive` true "is the default value" and false
 * "also enables both preferred_username and email alias to be case insensitive").
 */
export function poolIdentity(pool: DescribedPool): PoolIdentity {
  const attributes = pool.UsernameAttributes ?? [];
  const days = pool.Policies?.PasswordPolicy?.TemporaryPasswordValidityDays;
  return {
    keyedBy: attributes.includes('email') ? 'email' : attributes.includes('phone_number') ? 'phone_number' : 'username',
    caseSensitive: pool.UsernameConfiguration?.CaseSensitive !== false,
    temporaryPasswordDays: days === undefined || days === 0 ? DEFAULT_TEMPORARY_PASSWORD_DAYS : days,
    defaultEmailSender: (pool.EmailConfiguration?.EmailSendingAccount ?? 'COGNITO_DEFAULT') === 'COGNITO_DEFAULT',
    emailIsAlias: (pool.AliasAttributes ?? []).includes('email'),
  };
}

/** A user of the pool, as ListUsers shows it. */
export interface PoolUser {
  /** The user name as the pool has it (generated, in a pool that signs in with the email). */
  readonly username: string;
  /** The `sub` attribute: stable and opaque, so records and messages use it. */
  readonly sub?: string;
  readonly email?: string;
  readonly enabled: boolean;
  readonly status?: string;
  /** Epoch milliseconds. */
  readonly createdAt?: number;
  /** Epoch milliseconds; RESEND resets the temporary password and this date with it. */
  readonly modifiedAt?: number;
}

/** What the pool looks like when the deploy starts. */
export interface PoolSnapshot {
  readonly identity: PoolIdentity;
  readonly users: readonly PoolUser[];
  /** The members of each managed group, by user name as the pool has it. */
  readonly groups: Readonly<Record<string, readonly string[]>>;
  /**
   * Users the sender disabled itself, by `sub`, with when (epoch ms): the only disabled users it
   * enables again.
   */
  readonly disabledBySender: ReadonlyMap<string, number>;
  /** Epoch milliseconds of the snapshot. */
  readonly now: number;
}

/**
 * Which part of the lifecycle the event is:
 * - `DEPLOY`: a Create or Update while the stack is created or updated;
 * - `ROLLBACK`: an Update in an update rollback, back to the list deployed before;
 * - `STACK_DELETE`: the stack's own deletion, with `removeWorkersOnStackDelete`;
 * - `KEEP`: everything else (a Delete after a rename, a move, a replacement or in a rollback; a
 *   Delete without the opt-in; an event that arrives while the stack is in no operation), which
 *   changes nobody's access.
 */
export type PlanPhase = 'DEPLOY' | 'ROLLBACK' | 'STACK_DELETE' | 'KEEP';

/** Everything a plan depends on. */
export interface PlanInput {
  readonly workers: readonly WorkerRecord[];
  readonly pool: PoolSnapshot;
  readonly policy: RemovedWorkersAction;
  readonly phase: PlanPhase;
  /** Groups whose members are exactly the workers listed for them. */
  readonly managedGroups: readonly string[];
  /** The pool is created by the same app: the list decides the emails of its users. */
  readonly poolOwned: boolean;
  /** A listed user of an existing pool with another email may be taken over. */
  readonly adoptExistingUsers: boolean;
  /** New workers get Cognito's invitation email (not `SuppressEmails`). */
  readonly sendsEmails: boolean;
  /** One deploy may remove more than half of the pool's users. */
  readonly allowLargeRemovals: boolean;
  /**
   * In a rollback: when the operation being rolled back began (epoch ms). The rollback removes
   * only users created since, that is by the rolled-back deploy; unknown: it removes nobody.
   */
  readonly rolledBackSince?: number;
  /**
   * A rollback's Delete of a sender the rolled-back deploy created (a rename, say): no list of its
   * own is in force, so it takes back only that Create's own doing: the users it created, and its
   * disables.
   */
  readonly undoCreate?: boolean;
  /**
   * Emails Cognito already sent today for this pool (this operation's earlier runs, and earlier
   * deploys): with the default sender, resends take only what is left of its daily emails.
   */
  readonly emailsSentToday?: number;
}

/** What of a plan comes from the sender's settings (not the list, the pool or the moment). */
export type PlanSettings = Pick<PlanInput, 'policy' | 'managedGroups' | 'poolOwned' | 'adoptExistingUsers' | 'sendsEmails' | 'allowLargeRemovals'>;

/**
 * The plan's settings as an InvitationSender's properties give them (CloudFormation passes every
 * scalar as a string): read in one place for the handler and the plan command alike. An unknown
 * removal policy is refused, never taken for another.
 */
export function planSettings(props: InvitationSenderProperties): PlanSettings {
  const policy = props.RemovedWorkers ?? 'RETAIN';
  if (!REMOVED_WORKERS_ACTIONS.includes(policy)) {
    throw new Error(`RemovedWorkers must be one of ${REMOVED_WORKERS_ACTIONS.join(', ')}, got ${JSON.stringify(policy)}.`);
  }
  return {
    policy,
    managedGroups: props.ManagedGroups ?? [],
    poolOwned: props.PoolOwned === 'true',
    adoptExistingUsers: props.AdoptExistingUsers === 'true',
    sendsEmails: props.SuppressEmails !== 'true',
    allowLargeRemovals: props.AllowLargeRemovals === 'true',
  };
}

/** A user the plan changes, by the name the pool has and the opaque `sub` (for records and logs). */
export interface PlannedUser {
  readonly username: string;
  readonly sub?: string;
}

/** One membership change. `username` is absent for a worker this plan invites (the pool names them then). */
export interface PlannedMembership {
  readonly group: string;
  /** The worker's place in the list. */
  readonly worker?: number;
  readonly username?: string;
}

/** What a deploy does to people's access. */
export interface AccessPlan {
  /** Workers to create, by their place in the list: Cognito emails each an invitation. */
  readonly invite: readonly number[];
  /** Listed workers whose temporary password expired before they signed in: a new invitation. */
  readonly resend: readonly (PlannedUser & { readonly worker: number })[];
  /** Resends left for the next deploy: Cognito's default sender allows about 50 emails a day. */
  readonly resendsDeferred: number;
  /** Listed workers whose user has another email: it becomes the listed one, verified. */
  readonly changeEmail: readonly (PlannedUser & { readonly worker: number })[];
  /** Listed workers the sender disabled: enabled again. */
  readonly enable: readonly PlannedUser[];
  readonly disable: readonly PlannedUser[];
  readonly delete: readonly PlannedUser[];
  readonly addToGroup: readonly PlannedMembership[];
  readonly removeFromGroup: readonly PlannedMembership[];
  /** Records of users the sender disabled that are enabled now (by an administrator): dropped. */
  readonly forget: readonly string[];
  /** Who is left as they are, and why. */
  readonly left: {
    /** Listed, disabled by someone else than the sender: administrators keep the last word. */
    readonly adminDisabled: number;
    /** Signed in through a federated identity provider: not a worker of the list. */
    readonly federated: number;
    /** Not listed, kept: RETAIN, or a rollback that only removes what the rolled-back deploy added. */
    readonly notOurs: number;
    /** Listed and present as they should be. */
    readonly unchanged: number;
  };
  /** Why the plan must not be applied (guards), or absent. */
  readonly refusal?: string;
}

/** The plan's counts, as the sender's data and log give them. */
export function planCounts(plan: AccessPlan): Record<string, number> {
  return {
    Invite: plan.invite.length,
    Resend: plan.resend.length,
    ResendDeferred: plan.resendsDeferred,
    ChangeEmail: plan.changeEmail.length,
    Enable: plan.enable.length,
    Disable: plan.disable.length,
    Delete: plan.delete.length,
    AddToGroup: plan.addToGroup.length,
    RemoveFromGroup: plan.removeFromGroup.length,
    LeftAdminDisabled: plan.left.adminDisabled,
    LeftFederated: plan.left.federated,
    LeftNotOurs: plan.left.notOurs,
    Unchanged: plan.left.unchanged,
  };
}

/** The key a pool gives a listed worker; undefined where the pool cannot hold the worker. */
export function workerKey(identity: PoolIdentity, worker: WorkerRecord): string | undefined {
  const value = identity.keyedBy === 'email' ? worker.email : identity.keyedBy === 'username' ? worker.username : undefined;
  return value === undefined ? undefined : fold(identity, value);
}

/** The key of a user of the pool; undefined for a user the list cannot name (no email in an email pool). */
export function userKey(identity: PoolIdentity, user: PoolUser): string | undefined {
  const value = identity.keyedBy === 'email' ? user.email : identity.keyedBy === 'username' ? user.username : undefined;
  return value === undefined ? undefined : fold(identity, value);
}

/** The name AdminCreateUser takes for a worker: the email, where the pool signs in with it. */
export function usernameToCreate(identity: PoolIdentity, worker: WorkerRecord): string {
  return identity.keyedBy === 'email' ? worker.email : worker.username;
}

/**
 * User names compare as the pool compares them. Emails compare without case whatever the pool says:
 * one mailbox is one person, and the lists are checked for emails that differ only in case.
 */
function fold(identity: PoolIdentity, value: string): string {
  return identity.caseSensitive && identity.keyedBy === 'username' ? value : value.toLowerCase();
}

/** True when a user's temporary password expired before they signed in (a new one needs RESEND). */
export function invitationExpired(identity: PoolIdentity, user: PoolUser, now: number): boolean {
  const since = user.modifiedAt ?? user.createdAt;
  return user.status === 'FORCE_CHANGE_PASSWORD' && since !== undefined && now - since > identity.temporaryPasswordDays * DAY_MS;
}

/** A plan that changes nobody's access. */
export const NO_CHANGES: AccessPlan = {
  invite: [],
  resend: [],
  resendsDeferred: 0,
  changeEmail: [],
  enable: [],
  disable: [],
  delete: [],
  addToGroup: [],
  removeFromGroup: [],
  forget: [],
  left: { adminDisabled: 0, federated: 0, notOurs: 0, unchanged: 0 },
};

/**
 * The operations that bring the pool in line with the list, and the guards' verdict on them.
 * Pure: the same input always gives the same plan.
 */
export function planAccess(input: PlanInput): AccessPlan {
  const { pool, workers, policy, phase } = input;
  const identity = pool.identity;
  const empty = NO_CHANGES;
  if (phase === 'KEEP') {
    return empty;
  }
  if (identity.keyedBy === 'phone_number') {
    return {
      ...empty,
      refusal: 'The user pool signs in with phone numbers only, so Cognito generates user names and workers cannot be invited by email. ' +
      'Use a pool that signs in with user names or emails.',
    };
  }
  const emailNamed = identity.keyedBy === 'username' && identity.emailIsAlias ? workers.findIndex((w) => w.username.includes('@')) : -1;
  if (emailNamed >= 0) {
    return {
      ...empty,
      refusal: `Worker #${emailNamed + 1} of the list has an email as user name (\`emailAsUsername\`), but the user pool signs in with user names ` +
      'and has the email as an alias, where Cognito refuses user names that look like an email: leave emailAsUsername off for this pool.',
    };
  }
  if (workers.length === 0 && policy !== 'RETAIN' && phase === 'DEPLOY') {
    return { ...empty, refusal: `The worker list is empty and removedWorkers is ${policy}: that would remove every user of the pool. Refused.` };
  }

  // One user per key; where two share one (a federated user with a worker's email, say), the pool's
  // own user is the worker's.
  const users = new Map<string, PoolUser>();
  for (const user of pool.users) {
    const key = userKey(identity, user);
    const seen = key === undefined ? undefined : users.get(key);
    if (key !== undefined && (!seen || (seen.status === 'EXTERNAL_PROVIDER' && user.status !== 'EXTERNAL_PROVIDER'))) {
      users.set(key, user);
    }
  }
  const listed = new Map<string, number>();
  workers.forEach((worker, index) => {
    const key = workerKey(identity, worker)!;
    if (!listed.has(key)) {
      listed.set(key, index);
    }
  });
  const ref = (user: PoolUser): PlannedUser => ({ username: user.username, ...(user.sub ? { sub: user.sub } : {}) });
  // The sender's record of a disable holds only while nobody changed the user since.
  const recordedAt = (user: PoolUser) => (user.sub === undefined ? undefined : pool.disabledBySender.get(user.sub));
  const recorded = (user: PoolUser) => {
    const at = recordedAt(user);
    return at !== undefined && (user.modifiedAt === undefined || user.modifiedAt <= at + RECORD_MARGIN_MS);
  };

  if (phase === 'STACK_DELETE') {
    // The stack goes, and with it the listed workers (the opt-in): only those, per the policy.
    const present = [...listed.keys()].map((key) => users.get(key)).filter((u): u is PoolUser => u !== undefined && u.status !== 'EXTERNAL_PROVIDER');
    return {
      ...empty,
      disable: policy === 'DISABLE' ? present.filter((u) => u.enabled).map(ref) : [],
      delete: policy === 'DELETE' ? present.map(ref) : [],
    };
  }

  const invite: number[] = [];
  const changeEmail: Array<PlannedUser & { worker: number }> = [];
  const enable: PlannedUser[] = [];
  const forget: string[] = [];
  const expired: Array<PlannedUser & { worker: number }> = [];
  let adminDisabled = 0;
  let unchanged = 0;
  for (const [key, index] of listed) {
    const user = users.get(key);
    const worker = workers[index];
    if (!user) {
      invite.push(index);
      continue;
    }
    let changed = false;
    if (identity.keyedBy === 'username' && user.status !== 'EXTERNAL_PROVIDER' && user.email?.toLowerCase() !== worker.email.toLowerCase()) {
      changeEmail.push({ ...ref(user), worker: index });
      changed = true;
    }
    let enabledAfter = user.enabled;
    if (!user.enabled && recorded(user)) {
      enable.push(ref(user));
      enabledAfter = changed = true;
    } else if (!user.enabled) {
      adminDisabled++;
      if (recordedAt(user) !== undefined) {
        forget.push(user.sub!); // changed since the sender disabled them: the administrator's now
      }
    } else if (recordedAt(user) !== undefined) {
      forget.push(user.sub!); // enabled since by someone else: the record no longer holds
    }
    if (enabledAfter && input.sendsEmails && invitationExpired(identity, user, pool.now)) {
      expired.push({ ...ref(user), worker: index });
      changed = true;
    }
    if (!changed) {
      unchanged++;
    }
  }

  // Cognito's default sender: resends take what invitations leave of the day's emails.
  const emailRoom = identity.defaultEmailSender
    ? Math.max(0, DEFAULT_SENDER_DAILY_EMAILS - (input.emailsSentToday ?? 0) - (input.sendsEmails ? invite.length : 0))
    : Infinity;
  const resend = expired.slice(0, emailRoom);

  const disable: PlannedUser[] = [];
  const remove: PlannedUser[] = [];
  let federated = 0;
  let notOurs = 0;
  let removalsOfEarlierUsers = 0;
  for (const user of pool.users) {
    const key = userKey(identity, user);
    if (key !== undefined && listed.has(key) && users.get(key) === user) {
      continue;
    }
    if (user.status === 'EXTERNAL_PROVIDER') {
      federated++;
      continue;
    }
    // What the rolled-back deploy did to this user: created or changed them (an enable, say), or disabled them.
    // (Undoing a Create, "changed" is not enough: the list in force is another resource's, and a
    // user that Create only changed, by a resend say, may well be on it.)
    const since = input.rolledBackSince;
    const addedByRolledBack = since !== undefined && ((user.createdAt ?? -1) > since || (!input.undoCreate && (user.modifiedAt ?? -1) > since));
    const disabledByRolledBack = since !== undefined && (recordedAt(user) ?? -1) >= since && recorded(user);
    if (phase === 'ROLLBACK' && (policy === 'RETAIN' || input.undoCreate) && !user.enabled && disabledByRolledBack) {
      enable.push(ref(user)); // the rolled-back deploy's disable is undone: no list in force asked for it
      continue;
    }
    if (policy === 'RETAIN' || (phase === 'ROLLBACK' && !addedByRolledBack)) {
      notOurs++;
      continue;
    }
    if (policy === 'DISABLE') {
      if (user.enabled) {
        disable.push(ref(user));
      } else {
        notOurs++; // already disabled (by the sender before, or by an administrator): left so
        continue;
      }
    } else {
      remove.push(ref(user));
    }
    if (!addedByRolledBack && user.enabled) {
      removalsOfEarlierUsers++; // someone who could sign in until now
    }
  }

  const deleted = new Set(remove.map((u) => u.username));
  const addToGroup: PlannedMembership[] = [];
  const removeFromGroup: PlannedMembership[] = [];
  for (const group of input.managedGroups) {
    const members = new Set(pool.groups[group] ?? []);
    const wanted = new Set<string>();
    for (const [key, index] of listed) {
      if (!workers[index].groups?.includes(group)) {
        continue;
      }
      const user = users.get(key);
      if (user === undefined) {
        addToGroup.push({ group, worker: index }); // invited by this plan: the pool names them then
        continue;
      }
      wanted.add(user.username);
      if (!members.has(user.username)) {
        addToGroup.push({ group, worker: index, username: user.username });
      }
    }
    for (const member of members) {
      if (!wanted.has(member) && !deleted.has(member)) {
        removeFromGroup.push({ group, username: member });
      }
    }
  }

  const plan: AccessPlan = {
    invite,
    resend,
    resendsDeferred: expired.length - resend.length,
    changeEmail,
    enable,
    disable,
    delete: remove,
    addToGroup,
    removeFromGroup,
    forget,
    left: { adminDisabled, federated, notOurs, unchanged },
  };
  return { ...plan, refusal: judge(plan, input, removalsOfEarlierUsers) };
}

/** The guards: why a plan must not be applied, or undefined. */
function judge(plan: AccessPlan, input: PlanInput, removalsOfEarlierUsers: number): string | undefined {
  if (plan.changeEmail.length > 0 && !input.poolOwned && !input.adoptExistingUsers) {
    const first = plan.changeEmail[0];
    return `Worker #${first.worker + 1} of the list already exists in the user pool with another email` +
      (plan.changeEmail.length > 1 ? ` (and ${plan.changeEmail.length - 1} more workers)` : '') +
      '. The pool is not created by this app, so its users are not taken over: give the worker another user name, ' +
      'or set `adoptExistingUsers: true` to make the listed email theirs.';
  }
  // A truncated list must not lock everyone out: judged against the users who can sign in now.
  // Users the rolled-back deploy created do not count: removing them only undoes that deploy.
  const total = input.pool.users.filter((u) => u.enabled && u.status !== 'EXTERNAL_PROVIDER').length;
  if (removalsOfEarlierUsers > 0 && removalsOfEarlierUsers * 2 > total && !input.allowLargeRemovals) {
    return `This deploy would ${input.policy === 'DELETE' ? 'delete' : 'disable'} ${removalsOfEarlierUsers} of the ${total} users who can sign in to the pool, ` +
      'more than half. Refused: check the worker list, or set `allowLargeRemovals: true` for this deploy.';
  }
  return undefined;
}
