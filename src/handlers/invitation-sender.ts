import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminRemoveUserFromGroupCommand,
  ListUsersCommand,
  ListUsersInGroupCommand,
  UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import type { HandlerContext, HandlerResponse, ResourceEvent } from './dispatch';
import { forEachConcurrent, RateLimiter } from './rate-limiter';
import type { InvitationSenderData, InvitationSenderProperties, RemovedWorkersAction, WorkerRecord } from './types';
import { loadWorkers } from './worker-sources';

/**
 * Calls per second for user updates (enable, disable, delete, group membership): below the
 * UserUpdate category's default quota of 25 per second (Cognito developer guide, quotas).
 */
const USER_UPDATE_RATE = 20;

/**
 * Brings the pool's users in line with the worker list: creates (and so invites) every listed
 * worker the pool does not have; enables, disables or deletes per `RemovedWorkers`; and sets the
 * membership of managed groups. Declarative, so a retried or repeated event does no harm: an
 * existing user is success and gets no second email.
 */
export async function sendInvitations(
  event: ResourceEvent<InvitationSenderProperties>,
  ctx: HandlerContext,
): Promise<HandlerResponse<InvitationSenderData>> {
  const props = event.ResourceProperties;
  const physicalResourceId = `${props.UserPoolId}/invitations`;
  const action: RemovedWorkersAction = props.RemovedWorkers ?? 'RETAIN';
  const counts = { Workers: 0, Invited: 0, AlreadyPresent: 0, Removed: 0, Reenabled: 0, MembershipChanges: 0 };

  if (event.RequestType === 'Delete') {
    // The workers leave with the resource: only DISABLE and DELETE do anything, and a pool that is
    // already gone (or never came) is fine.
    if (action !== 'RETAIN') {
      const workers = await loadWorkersOrNone(props, ctx);
      try {
        counts.Removed = await removeUsers(props.UserPoolId, workers.map((w) => w.username), action, ctx);
      } catch (error) {
        if ((error as Error).name !== 'ResourceNotFoundException') {
          throw error;
        }
        ctx.log(`user pool ${props.UserPoolId} is gone; nothing to remove`);
      }
    }
    return { PhysicalResourceId: event.PhysicalResourceId, Data: counts };
  }

  const workers = await loadWorkers(props.WorkerSources ?? [], ctx);
  counts.Workers = workers.length;
  const existing = await listUsers(props.UserPoolId, ctx);
  const creations = new RateLimiter(ctx.clock, positive('MaxRequestsPerSecond', props.MaxRequestsPerSecond));

  const missing = workers.filter((w) => !existing.has(w.username.toLowerCase()));
  counts.AlreadyPresent = workers.length - missing.length;
  ctx.log(`${workers.length} workers: ${missing.length} to invite, ${counts.AlreadyPresent} already in ${props.UserPoolId}`);
  const suppress = props.SuppressEmails === 'true';
  await forEachConcurrent(missing, positive('MaxConcurrency', props.MaxConcurrency), async (worker) => {
    if (await createUser(props.UserPoolId, worker, creations, suppress, ctx)) {
      counts.Invited++;
    } else {
      counts.AlreadyPresent++;
    }
  });

  if (action !== 'RETAIN') {
    const wanted = new Set(workers.map((w) => w.username.toLowerCase()));
    // Users that signed in through a federated identity provider are not workers of the list.
    const stale = [...existing.values()].filter((u) => !wanted.has(u.Username!.toLowerCase())
      && u.UserStatus !== 'EXTERNAL_PROVIDER'
      && !(action === 'DISABLE' && u.Enabled === false));
    counts.Removed = await removeUsers(props.UserPoolId, stale.map((u) => u.Username!), action, ctx);
    const disabled = workers.filter((w) => existing.get(w.username.toLowerCase())?.Enabled === false);
    counts.Reenabled = await updateUsers(disabled.map((w) => w.username), ctx, (username) =>
      ctx.cognito.send(new AdminEnableUserCommand({ UserPoolId: props.UserPoolId, Username: username })), 'AdminEnableUser');
  }

  for (const group of props.ManagedGroups ?? []) {
    counts.MembershipChanges += await syncGroup(props.UserPoolId, group, workers, ctx);
  }
  ctx.log(`done: ${JSON.stringify(counts)}`);
  return { PhysicalResourceId: physicalResourceId, Data: counts };
}

/** Creates one user, which makes Cognito send the invitation. False when the user exists. */
async function createUser(userPoolId: string, worker: WorkerRecord, limiter: RateLimiter, suppress: boolean, ctx: HandlerContext): Promise<boolean> {
  try {
    await ctx.call(`AdminCreateUser ${worker.username}`, async () => {
      await limiter.acquire(); // every attempt, retries included, counts against the quota
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
      throw new Error(`Inviting worker ${worker.username} hit a Cognito limit (${(error as Error).message}). If it is the daily email limit of ` +
        'Cognito\'s default sender, configure SES on the user pool (`email: UserPoolEmail.withSES(...)`) and deploy again: invited workers are kept and skipped.');
    }
    if (name === 'AliasExistsException') {
      throw new Error(`Worker ${worker.username}: another user of ${userPoolId} already uses ${worker.email} as email. Remove the duplicate or the other user.`);
    }
    throw new Error(`Inviting worker ${worker.username} <${worker.email}> failed: ${name}: ${(error as Error).message}`);
  }
}

/** Disables or deletes users; returns how many changed (users already gone do not count). */
async function removeUsers(userPoolId: string, usernames: readonly string[], action: RemovedWorkersAction, ctx: HandlerContext): Promise<number> {
  return updateUsers(usernames, ctx, (username) => action === 'DELETE'
    ? ctx.cognito.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: username }))
    : ctx.cognito.send(new AdminDisableUserCommand({ UserPoolId: userPoolId, Username: username })),
  action === 'DELETE' ? 'AdminDeleteUser' : 'AdminDisableUser');
}

/**
 * Runs one user-update call per user within the UserUpdate quota; a user that is gone counts as
 * done. A pool that is gone stops everything (ResourceNotFoundException is rethrown).
 */
async function updateUsers(
  usernames: readonly string[],
  ctx: HandlerContext,
  send: (username: string) => Promise<unknown>,
  what: string,
): Promise<number> {
  const limiter = new RateLimiter(ctx.clock, USER_UPDATE_RATE);
  let changed = 0;
  await forEachConcurrent(usernames, 4, async (username) => {
    try {
      await ctx.call(`${what} ${username}`, async () => {
        await limiter.acquire();
        return send(username);
      });
      changed++;
    } catch (error) {
      if ((error as Error).name !== 'UserNotFoundException') {
        throw error;
      }
    }
  });
  return changed;
}

/** Makes the members of `group` exactly the workers that list it. Returns the changes made. */
async function syncGroup(userPoolId: string, group: string, workers: readonly WorkerRecord[], ctx: HandlerContext): Promise<number> {
  const members = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await ctx.call(`ListUsersInGroup ${group}`, () =>
      ctx.cognito.send(new ListUsersInGroupCommand({ UserPoolId: userPoolId, GroupName: group, Limit: 60, NextToken: token })));
    for (const user of page.Users ?? []) {
      members.set(user.Username!.toLowerCase(), user.Username!);
    }
    token = page.NextToken;
  } while (token);

  const wanted = workers.filter((w) => w.groups?.includes(group));
  const wantedNames = new Set(wanted.map((w) => w.username.toLowerCase()));
  const toAdd = wanted.filter((w) => !members.has(w.username.toLowerCase())).map((w) => w.username);
  const toRemove = [...members.entries()].filter(([key]) => !wantedNames.has(key)).map(([, username]) => username);
  const added = await updateUsers(toAdd, ctx, (username) =>
    ctx.cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, GroupName: group, Username: username })), `AdminAddUserToGroup ${group}`);
  const removed = await updateUsers(toRemove, ctx, (username) =>
    ctx.cognito.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: userPoolId, GroupName: group, Username: username })), `AdminRemoveUserFromGroup ${group}`);
  return added + removed;
}

/** The pool's users by lower-case user name (one ListUsers page holds 60). */
async function listUsers(userPoolId: string, ctx: HandlerContext): Promise<Map<string, UserType>> {
  const users = new Map<string, UserType>();
  let token: string | undefined;
  do {
    const page = await ctx.call(`ListUsers ${userPoolId}`, () =>
      ctx.cognito.send(new ListUsersCommand({ UserPoolId: userPoolId, Limit: 60, PaginationToken: token, AttributesToGet: [] })));
    for (const user of page.Users ?? []) {
      users.set(user.Username!.toLowerCase(), user);
    }
    token = page.PaginationToken;
  } while (token);
  return users;
}

/** The workers of a resource being deleted; none when their list is gone too. */
async function loadWorkersOrNone(props: InvitationSenderProperties, ctx: HandlerContext): Promise<WorkerRecord[]> {
  try {
    return await loadWorkers(props.WorkerSources ?? [], ctx);
  } catch (error) {
    ctx.log(`worker list unreadable during Delete, nothing to remove: ${(error as Error).message}`);
    return [];
  }
}

function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new Error(`${name} must be a positive number, got ${JSON.stringify(value)}.`);
  }
  return n;
}
