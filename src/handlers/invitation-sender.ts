import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminUpdateUserAttributesCommand,
  DescribeUserPoolCommand,
  ListUsersCommand,
  ListUsersInGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { HandlerContext, HandlerResponse, ResourceEvent } from './dispatch';
import { forEachConcurrent, RateLimiter } from './rate-limiter';
import { DeadlineReached } from './retry';
import {
  CONTINUATION_KEY,
  InvitationProgress,
  InvitationSenderData,
  InvitationSenderProperties,
  REMOVED_WORKERS_ACTIONS,
  RemovedWorkersAction,
  WorkerRecord,
} from './types';
import { loadWorkers } from './worker-sources';

/**
 * Calls per second for user updates (enable, disable, delete, attributes, group membership): below
 * the UserUpdate category's default quota of 25 per second (Cognito developer guide, quotas).
 */
const USER_UPDATE_RATE = 20;
/** Invocations one event may take; with 15-minute invocations, more than ServiceTimeout's hour. */
const MAX_RUNS = 8;

/** How a pool tells its users apart: the key of a user name. */
type UserKey = (username: string) => string;

/** A user of the pool, as ListUsers shows it. */
interface PoolUser {
  readonly username: string;
  readonly enabled: boolean;
  readonly status?: string;
  readonly email?: string;
}

/**
 * Brings the pool's users in line with the worker list: creates (and so invites) every listed
 * worker the pool does not have; applies changed emails; disables or deletes users off the list per
 * `RemovedWorkers`; re-enables listed workers it disabled itself; sets the membership of managed
 * groups. Declarative, so a retried, repeated or continued event does no harm: an existing user is
 * success and gets no second email. An event that needs more than one invocation's time goes on in
 * a fresh invocation of the function, and the last one answers CloudFormation.
 */
export async function sendInvitations(
  event: ResourceEvent<InvitationSenderProperties>,
  ctx: HandlerContext,
): Promise<HandlerResponse<InvitationSenderData>> {
  const props = event.ResourceProperties;
  const action = removedWorkersAction(props.RemovedWorkers);
  const progress: InvitationProgress = (event as Record<string, any>)[CONTINUATION_KEY]
    ?? { Run: 1, StartedAt: ctx.clock.now(), Invited: 0, Removed: 0, Reenabled: 0, EmailsChanged: 0 };
  const physicalResourceId = event.RequestType === 'Delete' ? event.PhysicalResourceId : `${props.UserPoolId}/invitations`;
  const counts: RunCounts = { Invited: 0, Removed: 0, Reenabled: 0, EmailsChanged: 0 };
  const state: RunState = {};
  try {
    const data = event.RequestType === 'Delete'
      ? await onDelete(props, action, ctx, counts)
      : await onCreateOrUpdate(event, action, ctx, counts, progress, state);
    return {
      PhysicalResourceId: physicalResourceId,
      Data: {
        ...data,
        Invited: progress.Invited + counts.Invited,
        Removed: progress.Removed + counts.Removed,
        Reenabled: progress.Reenabled + counts.Reenabled,
        EmailsChanged: progress.EmailsChanged + counts.EmailsChanged,
        Runs: progress.Run,
      },
    };
  } catch (error) {
    if (!(error instanceof DeadlineReached)) {
      throw error;
    }
    await continueInFreshInvocation(event, progress, counts, state, ctx);
    return { PhysicalResourceId: physicalResourceId, Continued: true };
  }
}

/**
 * A Delete is not a departure: CloudFormation sends one after renames, moves and replacements, and
 * in rollbacks. Workers are removed only when the stack itself is being deleted, and only if the
 * sender was told to (`RemoveOnStackDelete`).
 */
async function onDelete(
  props: InvitationSenderProperties,
  action: RemovedWorkersAction,
  ctx: HandlerContext,
  counts: RunCounts,
): Promise<Omit<InvitationSenderData, 'Invited' | 'Removed' | 'Reenabled' | 'EmailsChanged' | 'Runs'>> {
  const none = { Workers: 0, AlreadyPresent: 0, MembershipChanges: 0 };
  if (action === 'RETAIN' || props.RemoveOnStackDelete !== 'true') {
    return none;
  }
  const status = await ctx.stackStatus();
  if (status !== 'DELETE_IN_PROGRESS') {
    ctx.log(`Delete during ${status}: not a departure, every worker is kept`);
    return none;
  }
  // The list decides who is removed: a list that cannot be read fails the Delete, loudly.
  const workers = await loadWorkers(props.WorkerSources ?? [], ctx);
  try {
    // Only what is left to do, so that a continued Delete makes progress.
    const key = await userKeyOf(props.UserPoolId, ctx);
    const existing = await listUsers(props.UserPoolId, key, ctx);
    const left = workers.map((w) => existing.get(key(w.username)))
      .filter((u): u is PoolUser => u !== undefined && (action === 'DELETE' || u.enabled));
    await removeUsers(props, left.map((u) => u.username), action, ctx, counts);
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') {
      throw error;
    }
    ctx.log(`user pool ${props.UserPoolId} is gone; nothing to remove`);
  }
  return { ...none, Workers: workers.length };
}

/** What one invocation did. */
interface RunCounts {
  Invited: number;
  Removed: number;
  Reenabled: number;
  EmailsChanged: number;
}

/** Where an invocation stands, for the next one: set once only invitations are left to send. */
interface RunState {
  /** Indexes (into the loaded list) of the workers still to create. */
  pending?: Set<number>;
  /** Listed workers the pool already had. */
  alreadyPresent?: number;
  /** How many workers the list has. */
  size?: number;
}

/**
 * The pool is listed once per event: the first invocation applies emails, removals and re-enables,
 * then invites; a continuation only invites the workers it was handed, then sets the groups.
 */
async function onCreateOrUpdate(
  event: ResourceEvent<InvitationSenderProperties>,
  action: RemovedWorkersAction,
  ctx: HandlerContext,
  counts: RunCounts,
  progress: InvitationProgress,
  state: RunState,
): Promise<Omit<InvitationSenderData, 'Invited' | 'Removed' | 'Reenabled' | 'EmailsChanged' | 'Runs'>> {
  const props = event.ResourceProperties;
  const workers = await loadWorkers(props.WorkerSources ?? [], ctx);
  if (workers.length === 0 && action !== 'RETAIN') {
    throw new Error(`The worker list is empty and removedWorkers is ${action}: that would remove every user of ${props.UserPoolId}. Refused.`);
  }
  state.size = workers.length;
  const key = await userKeyOf(props.UserPoolId, ctx);
  let missing: number[];
  if (progress.Pending !== undefined) {
    missing = decodeIndexes(progress.Pending, workers.length);
    state.alreadyPresent = progress.AlreadyPresent ?? 0;
  } else {
    const existing = await listUsers(props.UserPoolId, key, ctx);
    await applyToExisting(event, action, workers, existing, key, ctx, counts);
    missing = workers.map((w, i) => (existing.has(key(w.username)) ? -1 : i)).filter((i) => i >= 0);
    state.alreadyPresent = workers.length - missing.length;
    ctx.log(`${workers.length} workers: ${missing.length} to invite, ${state.alreadyPresent} already in ${props.UserPoolId}`);
  }

  state.pending = new Set(missing);
  const creations = new RateLimiter(ctx.clock, positive('MaxRequestsPerSecond', props.MaxRequestsPerSecond));
  const suppress = props.SuppressEmails === 'true';
  await forEachConcurrent(missing, positive('MaxConcurrency', props.MaxConcurrency), async (index) => {
    if (await createUser(props.UserPoolId, workers[index], creations, suppress, ctx)) {
      counts.Invited++;
    } else {
      state.alreadyPresent!++; // created meanwhile (a duplicate delivery, say): already invited
    }
    state.pending!.delete(index);
  });
  state.pending = undefined; // every invitation is out: a continuation from here on starts over

  let membershipChanges = 0;
  for (const group of props.ManagedGroups ?? []) {
    membershipChanges += await syncGroup(props.UserPoolId, group, workers, key, ctx);
  }
  const data = { Workers: workers.length, AlreadyPresent: state.alreadyPresent, MembershipChanges: membershipChanges };
  ctx.log(`done: ${JSON.stringify({ ...data, ...counts, Runs: progress.Run })}`);
  return data;
}

/**
 * What the list decides about users the pool has: emails (applied or refused), removals (within
 * the mass-removal guard), and re-enabling workers the sender itself disabled.
 */
async function applyToExisting(
  event: ResourceEvent<InvitationSenderProperties>,
  action: RemovedWorkersAction,
  workers: readonly WorkerRecord[],
  existing: Map<string, PoolUser>,
  key: UserKey,
  ctx: HandlerContext,
  counts: RunCounts,
): Promise<void> {
  const props = event.ResourceProperties;
  // A listed user name that exists with another email: the list's email, or a clear refusal.
  const emailChanges = workers.filter((w) => {
    const user = existing.get(key(w.username));
    return user !== undefined && user.email?.toLowerCase() !== w.email.toLowerCase();
  });
  if (emailChanges.length > 0 && props.PoolOwned !== 'true' && props.AdoptExistingUsers !== 'true') {
    throw new Error(`Worker ${emailChanges[0].username} already exists in user pool ${props.UserPoolId} with another email` +
      (emailChanges.length > 1 ? ` (and ${emailChanges.length - 1} more workers)` : '') +
      '. The pool is not created by this app, so its users are not taken over: give the worker another user name, ' +
      'or set `adoptExistingUsers: true` to make the listed email theirs.');
  }
  const emails = new Map(emailChanges.map((w) => [w.username, w.email]));
  await updateUsers([...emails.keys()], ctx, (username) => ctx.cognito.send(new AdminUpdateUserAttributesCommand({
    UserPoolId: props.UserPoolId,
    Username: username,
    UserAttributes: [{ Name: 'email', Value: emails.get(username)! }, { Name: 'email_verified', Value: 'true' }],
  })), 'AdminUpdateUserAttributes', () => counts.EmailsChanged++);

  if (action === 'RETAIN') {
    return;
  }
  // Only while the stack is in an operation: a late duplicate of an old event changes nobody.
  const status = await ctx.stackStatus();
  if (!/_IN_PROGRESS$/.test(status) || /CLEANUP|DELETE/.test(status)) {
    ctx.log(`${event.RequestType} during ${status}: a stale event, nobody is removed or enabled`);
    return;
  }
  const wanted = new Set(workers.map((w) => key(w.username)));
  // Users that signed in through a federated identity provider are not workers of the list.
  const stale = [...existing.values()].filter((u) => !wanted.has(key(u.username))
    && u.status !== 'EXTERNAL_PROVIDER'
    && !(action === 'DISABLE' && !u.enabled));
  // A rollback returns to a list that was deployed before: the guard would only leave the stack stuck.
  if (stale.length > 0 && stale.length * 2 > existing.size && props.AllowLargeRemovals !== 'true' && status !== 'UPDATE_ROLLBACK_IN_PROGRESS') {
    throw new Error(`This deploy would ${action === 'DELETE' ? 'delete' : 'disable'} ${stale.length} of the ${existing.size} users of ${props.UserPoolId}, ` +
      'more than half. Refused: check the worker list, or set `allowLargeRemovals: true` for this deploy.');
  }
  await removeUsers(props, stale.map((u) => u.username), action, ctx, counts);
  if (action !== 'DISABLE' || !props.DisabledGroup) {
    return;
  }
  // Administrators keep the last word: only workers the sender disabled itself (it keeps them in a
  // group of the pool) are enabled again when they are listed again.
  const disabledBySender = await groupMembers(props.UserPoolId, props.DisabledGroup, key, ctx);
  const back = workers.filter((w) => existing.get(key(w.username))?.enabled === false && disabledBySender.has(key(w.username)));
  await updateUsers(back.map((w) => w.username), ctx, async (username) => {
    await ctx.cognito.send(new AdminEnableUserCommand({ UserPoolId: props.UserPoolId, Username: username }));
    await ctx.cognito.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: props.UserPoolId, GroupName: props.DisabledGroup, Username: username }));
  }, 'AdminEnableUser', () => counts.Reenabled++);
}

/** A set of list indexes as a bitmap, base64: a few KB for a hundred thousand workers. */
function encodeIndexes(indexes: Iterable<number>, size: number): string {
  const bits = Buffer.alloc(Math.ceil(size / 8));
  for (const i of indexes) {
    bits[i >> 3] |= 1 << (i & 7); // eslint-disable-line no-bitwise
  }
  return bits.toString('base64');
}

function decodeIndexes(encoded: string, size: number): number[] {
  const bits = Buffer.from(encoded, 'base64');
  if (bits.length !== Math.ceil(size / 8)) {
    throw new Error('The worker list changed while the event was under way; deploy again.');
  }
  return Array.from({ length: size }, (_, i) => i).filter((i) => (bits[i >> 3] & (1 << (i & 7))) !== 0); // eslint-disable-line no-bitwise
}

/** Hands the event to a fresh invocation of this function, with the progress so far. */
async function continueInFreshInvocation(
  event: ResourceEvent<InvitationSenderProperties>,
  progress: InvitationProgress,
  counts: RunCounts,
  state: RunState,
  ctx: HandlerContext,
): Promise<void> {
  const serviceTimeoutMs = Number(event.ResourceProperties.ServiceTimeout ?? 3600) * 1000;
  const elapsed = ctx.clock.now() - progress.StartedAt;
  if (progress.Run >= MAX_RUNS || elapsed >= serviceTimeoutMs - 15 * 60_000) {
    const spent = `${progress.Run} invocations, ${Math.round(elapsed / 1000)} s`;
    throw new Error(event.RequestType === 'Delete'
      ? `Removing the listed workers did not fit in the ${serviceTimeoutMs / 1000} seconds CloudFormation waits (${spent}). ` +
        'Delete the stack again to go on: workers already removed stay removed.'
      : `The worker list did not fit in the ${serviceTimeoutMs / 1000} seconds CloudFormation waits (${spent}). ` +
        'Deploy again to finish: workers already invited are kept and not invited again.');
  }
  if (!ctx.functionArn) {
    throw new Error('The invocation\'s time limit came, and the handler does not know its own function to continue in.');
  }
  const next: InvitationProgress = {
    Run: progress.Run + 1,
    StartedAt: progress.StartedAt,
    Invited: progress.Invited + counts.Invited,
    Removed: progress.Removed + counts.Removed,
    Reenabled: progress.Reenabled + counts.Reenabled,
    EmailsChanged: progress.EmailsChanged + counts.EmailsChanged,
    // Only invitations left: the next invocation sends those without listing the pool again.
    ...(state.pending ? { Pending: encodeIndexes(state.pending, state.size!), AlreadyPresent: state.alreadyPresent } : {}),
  };
  // Invoked while this invocation still has time: the Invoke call itself may not start past the deadline.
  await ctx.lambda.send(new InvokeCommand({
    FunctionName: ctx.functionArn,
    InvocationType: 'Event',
    Payload: new TextEncoder().encode(JSON.stringify({ ...event, [CONTINUATION_KEY]: next })),
  }));
  ctx.log(`time limit near: invocation ${next.Run} goes on (${next.Invited} invited so far)`);
}

/** Creates one user, which makes Cognito send the invitation. False when the user exists. */
async function createUser(userPoolId: string, worker: WorkerRecord, limiter: RateLimiter, suppress: boolean, ctx: HandlerContext): Promise<boolean> {
  try {
    await ctx.call(`AdminCreateUser ${worker.username}`, async () => {
      await limiter.acquire(); // every attempt, retries included, counts against the quota
      if (ctx.clock.now() >= ctx.deadline) {
        throw new DeadlineReached(`AdminCreateUser ${worker.username}`); // the wait for the quota may pass it
      }
      return ctx.cognito.send(new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: worker.username,
        UserAttributes: [
          { Name: 'email', Value: worker.email },
          { Name: 'email_verified', Value: 'true' },
        ],
        DesiredDeliveryMediums: ['EMAIL'],
        ...(suppress ? { MessageAction: 'SUPPRESS' as const } : {}),
      }));
    });
    return true;
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'UsernameExistsException') {
      return false; // a retried event, or listed before ListUsers saw it: already invited
    }
    if (name === 'LimitExceededException') {
      throw new Error(await limitAdvice(worker, error as Error, ctx));
    }
    if (name === 'AliasExistsException') {
      throw new Error(`Worker ${worker.username}: another user of ${userPoolId} already has this worker's email. Remove the duplicate or the other user.`);
    }
    if (error instanceof DeadlineReached) {
      throw error;
    }
    throw new Error(`Inviting worker ${worker.username} failed: ${name}: ${(error as Error).message}`);
  }
}

/** What to do about a Cognito limit: it differs between the stack's first deploy and a later one. */
async function limitAdvice(worker: WorkerRecord, error: Error, ctx: HandlerContext): Promise<string> {
  const status = await ctx.stackStatus().catch(() => 'unknown');
  const start = `Inviting worker ${worker.username} hit a Cognito limit (${error.message}). If it is the daily email limit of Cognito's default sender, ` +
    'configure SES on the user pool (`email: UserPoolEmail.withSES(...)`) ';
  return status === 'CREATE_IN_PROGRESS'
    ? `${start}before deploying again: this is the stack's first deploy, so it rolls back, and the user pool it created is deleted with the workers invited so far.`
    : `${start}and deploy again: workers already invited are kept and not invited again.`;
}

/**
 * Disables (keeping them in the pool's disabled-by-sender group, when it has one) or deletes users;
 * counts each change as it is made (users already gone do not count).
 */
async function removeUsers(
  props: InvitationSenderProperties, usernames: readonly string[], action: RemovedWorkersAction, ctx: HandlerContext, counts: RunCounts,
): Promise<void> {
  const pool = props.UserPoolId;
  await updateUsers(usernames, ctx, async (username) => {
    if (action === 'DELETE') {
      await ctx.cognito.send(new AdminDeleteUserCommand({ UserPoolId: pool, Username: username }));
      return;
    }
    if (props.DisabledGroup) {
      await ctx.cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: pool, GroupName: props.DisabledGroup, Username: username }));
    }
    await ctx.cognito.send(new AdminDisableUserCommand({ UserPoolId: pool, Username: username }));
  }, action === 'DELETE' ? 'AdminDeleteUser' : 'AdminDisableUser', () => counts.Removed++);
}

/**
 * Runs one user-update step per user within the UserUpdate quota; a user that is gone counts as
 * done. A pool that is gone stops everything (ResourceNotFoundException is rethrown). Returns how
 * many users changed, and tells `changed` of each as it happens.
 */
async function updateUsers(
  usernames: readonly string[],
  ctx: HandlerContext,
  send: (username: string) => Promise<unknown>,
  what: string,
  changed: () => void = () => undefined,
): Promise<number> {
  const limiter = new RateLimiter(ctx.clock, USER_UPDATE_RATE);
  let count = 0;
  await forEachConcurrent(usernames, 4, async (username) => {
    try {
      await ctx.call(`${what} ${username}`, async () => {
        await limiter.acquire();
        return send(username);
      });
      count++;
      changed();
    } catch (error) {
      if ((error as Error).name !== 'UserNotFoundException') {
        throw error;
      }
    }
  });
  return count;
}

/** Makes the members of `group` exactly the workers that list it. Returns the changes made. */
async function syncGroup(userPoolId: string, group: string, workers: readonly WorkerRecord[], key: UserKey, ctx: HandlerContext): Promise<number> {
  const members = await groupMembers(userPoolId, group, key, ctx);
  const wanted = workers.filter((w) => w.groups?.includes(group));
  const wantedNames = new Set(wanted.map((w) => key(w.username)));
  const toAdd = wanted.filter((w) => !members.has(key(w.username))).map((w) => w.username);
  const toRemove = [...members.entries()].filter(([member]) => !wantedNames.has(member)).map(([, username]) => username);
  const added = await updateUsers(toAdd, ctx, (username) =>
    ctx.cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, GroupName: group, Username: username })), `AdminAddUserToGroup ${group}`);
  const removed = await updateUsers(toRemove, ctx, (username) =>
    ctx.cognito.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: userPoolId, GroupName: group, Username: username })), `AdminRemoveUserFromGroup ${group}`);
  return added + removed;
}

/** The members of a group: user names by their key. */
async function groupMembers(userPoolId: string, group: string, key: UserKey, ctx: HandlerContext): Promise<Map<string, string>> {
  const members = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await ctx.call(`ListUsersInGroup ${group}`, () =>
      ctx.cognito.send(new ListUsersInGroupCommand({ UserPoolId: userPoolId, GroupName: group, Limit: 60, NextToken: token })));
    for (const user of page.Users ?? []) {
      members.set(key(user.Username!), user.Username!);
    }
    token = page.NextToken;
  } while (token);
  return members;
}

/**
 * How the pool tells users apart. A pool is case-sensitive unless it was created with
 * `UsernameConfiguration.CaseSensitive` false (true is the API's default): there `Alice` and
 * `alice` are two people, and one must never be taken for the other.
 */
async function userKeyOf(userPoolId: string, ctx: HandlerContext): Promise<UserKey> {
  const described = await ctx.call(`DescribeUserPool ${userPoolId}`, () => ctx.cognito.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId })));
  return described.UserPool?.UsernameConfiguration?.CaseSensitive === false ? (u) => u.toLowerCase() : (u) => u;
}

/** The pool's users by their key, with their email (one ListUsers page holds 60). */
async function listUsers(userPoolId: string, key: UserKey, ctx: HandlerContext): Promise<Map<string, PoolUser>> {
  const users = new Map<string, PoolUser>();
  let token: string | undefined;
  do {
    const page = await ctx.call(`ListUsers ${userPoolId}`, () =>
      ctx.cognito.send(new ListUsersCommand({ UserPoolId: userPoolId, Limit: 60, PaginationToken: token, AttributesToGet: ['email'] })));
    for (const user of page.Users ?? []) {
      users.set(key(user.Username!), {
        username: user.Username!,
        enabled: user.Enabled !== false,
        status: user.UserStatus,
        email: user.Attributes?.find((a) => a.Name === 'email')?.Value,
      });
    }
    token = page.PaginationToken;
  } while (token);
  return users;
}

/** The removal policy the sender was given; an unknown one is refused, never taken for another. */
function removedWorkersAction(value: unknown): RemovedWorkersAction {
  if (value === undefined) {
    return 'RETAIN';
  }
  if (!REMOVED_WORKERS_ACTIONS.includes(value as RemovedWorkersAction)) {
    throw new Error(`RemovedWorkers must be one of ${REMOVED_WORKERS_ACTIONS.join(', ')}, got ${JSON.stringify(value)}.`);
  }
  return value as RemovedWorkersAction;
}

function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new Error(`${name} must be a positive number, got ${JSON.stringify(value)}.`);
  }
  return n;
}
