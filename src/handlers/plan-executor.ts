import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminUpdateUserAttributesCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { AccessPlan, PlannedMembership, PoolIdentity, PoolUser } from './access-plan';
import { usernameToCreate } from './access-plan';
import type { HandlerContext } from './dispatch';
import { listUsers } from './pool-snapshot';
import { forEachConcurrent, RateLimiter } from './rate-limiter';
import { DeadlineReached } from './retry';
import { forgetDisabled, recordDisabled } from './sender-records';
import type { WorkerRecord } from './types';

/**
 * Calls per second for user updates (enable, disable, delete, attributes, group membership): below
 * the UserUpdate category's default quota of 25 per second (Cognito developer guide, quotas).
 */
export const USER_UPDATE_RATE = 20;
/** User updates in flight at most. */
const USER_UPDATE_CONCURRENCY = 4;

/** What one invocation did. */
export interface RunCounts {
  Invited: number;
  Resent: number;
  Disabled: number;
  Deleted: number;
  Reenabled: number;
  EmailsChanged: number;
  MembershipChanges: number;
}

export const NO_COUNTS: Readonly<RunCounts> = {
  Invited: 0, Resent: 0, Disabled: 0, Deleted: 0, Reenabled: 0, EmailsChanged: 0, MembershipChanges: 0,
};

/** How the plan is applied. */
export interface ExecutionOptions {
  readonly userPoolId: string;
  readonly identity: PoolIdentity;
  readonly workers: readonly WorkerRecord[];
  /** AdminCreateUser calls per second at most, and requests in flight. */
  readonly invitationsPerSecond: number;
  readonly concurrency: number;
  readonly suppressEmails: boolean;
  /** Record the users this plan disables (not when the stack, and the table with it, goes). */
  readonly recordDisables: boolean;
  /** The group an earlier version kept disabled users in: its members get records, and leave it when enabled. */
  readonly legacyDisabledGroup?: string;
  readonly legacyMembers?: readonly string[];
  /** The pool's users by user name (for the legacy group's members). */
  readonly users?: ReadonlyMap<string, PoolUser>;
}

/** The invitations still to send when an invocation's time ran out, for the next one. */
export class InvitationsPending extends Error {
  constructor(public readonly pending: ReadonlySet<number>) {
    super('The invocation\'s time limit came with invitations still to send.');
    this.name = 'InvitationsPending';
  }
}

/**
 * Applies a plan: every write waits for the fence (the resource is still this invocation's) and
 * the quota of its category, and a user already gone counts as done. The order keeps people's
 * access right at every moment of a run: emails first, removals, re-enables, invitations, resends,
 * then team membership. `onlyInvite` restricts a continuation to the invitations it was handed.
 */
export async function executePlan(
  plan: AccessPlan, options: ExecutionOptions, ctx: HandlerContext, counts: RunCounts, onlyInvite?: readonly number[],
): Promise<void> {
  const pool = options.userPoolId;
  const updates = new RateLimiter(ctx.clock, USER_UPDATE_RATE);
  // One Cognito call: every attempt, retries included, waits for the UserUpdate pace, then checks
  // the fence, so that no attempt starts once another operation holds the resource.
  const cognitoCall = (what: string, send: () => Promise<unknown>) => ctx.call(what, async () => {
    await updates.acquire();
    await ctx.fence.guard();
    return send();
  });
  // A step per user; a user already gone counts as done (not changed).
  const each = <U>(users: readonly U[], body: (user: U) => Promise<unknown>, done: () => void = () => undefined) =>
    forEachConcurrent(users, USER_UPDATE_CONCURRENCY, async (user) => {
      try {
        await body(user);
        done();
      } catch (error) {
        if ((error as Error).name !== 'UserNotFoundException') {
          throw error;
        }
      }
    });

  if (onlyInvite === undefined) {
    // Records first: a record without its disable is harmless (dropped when seen enabled), a
    // disable without its record would leave the worker disabled for good.
    for (const username of options.legacyMembers ?? []) {
      const user = options.users?.get(username);
      if (user?.sub) {
        await recordDisabled(pool, user.sub, ctx, user.modifiedAt);
      }
    }
    for (const sub of plan.forget) {
      await forgetDisabled(pool, sub, ctx);
    }
    await each(plan.changeEmail, (user) => cognitoCall('AdminUpdateUserAttributes', () => ctx.cognito.send(new AdminUpdateUserAttributesCommand({
      UserPoolId: pool,
      Username: user.username,
      UserAttributes: [{ Name: 'email', Value: options.workers[user.worker].email }, { Name: 'email_verified', Value: 'true' }],
    }))), () => counts.EmailsChanged++);
    await each(plan.disable, async (user) => {
      if (options.recordDisables && user.sub) {
        await recordDisabled(pool, user.sub, ctx);
      }
      await cognitoCall('AdminDisableUser', () => ctx.cognito.send(new AdminDisableUserCommand({ UserPoolId: pool, Username: user.username })));
    }, () => counts.Disabled++);
    await each(plan.delete, async (user) => {
      await cognitoCall('AdminDeleteUser', () => ctx.cognito.send(new AdminDeleteUserCommand({ UserPoolId: pool, Username: user.username })));
      if (user.sub && options.recordDisables) {
        await forgetDisabled(pool, user.sub, ctx);
      }
    }, () => counts.Deleted++);
    await each(plan.enable, async (user) => {
      await cognitoCall('AdminEnableUser', () => ctx.cognito.send(new AdminEnableUserCommand({ UserPoolId: pool, Username: user.username })));
      if (user.sub) {
        await forgetDisabled(pool, user.sub, ctx);
      }
      if (options.legacyDisabledGroup && (options.legacyMembers ?? []).includes(user.username)) {
        const leave = new AdminRemoveUserFromGroupCommand({ UserPoolId: pool, GroupName: options.legacyDisabledGroup, Username: user.username });
        await cognitoCall('AdminRemoveUserFromGroup (legacy)', () => ctx.cognito.send(leave)).catch((error) => {
          if ((error as Error).name !== 'ResourceNotFoundException') {
            throw error;
          }
        });
      }
    }, () => counts.Reenabled++);
  }

  const created = await invite(onlyInvite ?? plan.invite, options, ctx, counts);
  if (onlyInvite !== undefined) {
    return; // the continuation plans the rest again from a fresh look at the pool
  }

  await each(plan.resend, (user) => cognitoCall('AdminCreateUser RESEND', () => ctx.cognito.send(new AdminCreateUserCommand({
    UserPoolId: pool,
    Username: usernameToCreate(options.identity, options.workers[user.worker]),
    MessageAction: 'RESEND',
    DesiredDeliveryMediums: ['EMAIL'],
  }))), () => counts.Resent++);

  const adds = await resolveMembers(plan.addToGroup, created, options, ctx);
  const membership = () => counts.MembershipChanges++;
  await each(adds, (m) => cognitoCall(`AdminAddUserToGroup ${m.group}`, () =>
    ctx.cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: pool, GroupName: m.group, Username: m.username! }))), membership);
  await each(plan.removeFromGroup, (m) => cognitoCall(`AdminRemoveUserFromGroup ${m.group}`, () =>
    ctx.cognito.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: pool, GroupName: m.group, Username: m.username! }))), membership);
}

/**
 * Creates the workers at `indexes` (Cognito emails each an invitation), within the UserCreation
 * quota. Returns the user names the pool gave them. Throws InvitationsPending when the time limit
 * comes first.
 */
async function invite(indexes: readonly number[], options: ExecutionOptions, ctx: HandlerContext, counts: RunCounts): Promise<Map<number, string>> {
  const created = new Map<number, string>();
  const pending = new Set(indexes);
  const limiter = new RateLimiter(ctx.clock, options.invitationsPerSecond);
  try {
    await forEachConcurrent(indexes, options.concurrency, async (index) => {
      const username = await createUser(index, options, limiter, ctx);
      if (username !== undefined) {
        created.set(index, username);
        counts.Invited++;
      }
      pending.delete(index);
    });
  } catch (error) {
    if (error instanceof DeadlineReached) {
      throw new InvitationsPending(pending);
    }
    throw error;
  }
  return created;
}

/** Creates one worker; the user name the pool gave them, or undefined when the user exists already. */
async function createUser(index: number, options: ExecutionOptions, limiter: RateLimiter, ctx: HandlerContext): Promise<string | undefined> {
  const worker = options.workers[index];
  const who = `worker #${index + 1} of the list`;
  try {
    const answer = await ctx.call(`AdminCreateUser (${who})`, async () => {
      await limiter.acquire();
      if (ctx.clock.now() >= ctx.deadline) {
        throw new DeadlineReached(`AdminCreateUser (${who})`); // the wait for the quota may pass it
      }
      await ctx.fence.guard();
      return ctx.cognito.send(new AdminCreateUserCommand({
        UserPoolId: options.userPoolId,
        Username: usernameToCreate(options.identity, worker),
        UserAttributes: [
          { Name: 'email', Value: worker.email },
          { Name: 'email_verified', Value: 'true' },
        ],
        DesiredDeliveryMediums: ['EMAIL'],
        ...(options.suppressEmails ? { MessageAction: 'SUPPRESS' as const } : {}),
      }));
    });
    return answer.User?.Username ?? usernameToCreate(options.identity, worker);
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'UsernameExistsException') {
      return undefined; // created meanwhile (listed before ListUsers saw it): already invited
    }
    if (name === 'LimitExceededException') {
      throw new Error(await limitAdvice(who, error as Error, ctx));
    }
    if (name === 'AliasExistsException') {
      throw new Error(`Inviting ${who}: another user of ${options.userPoolId} already has this worker's email. Remove the duplicate or the other user.`);
    }
    if (error instanceof DeadlineReached || name === 'Superseded') {
      throw error;
    }
    throw new Error(`Inviting ${who} failed: ${name}: ${scrubbed((error as Error).message, worker)}`);
  }
}

/** An AWS error message without the worker's email or user name (some messages repeat the request). */
function scrubbed(message: string, worker: WorkerRecord): string {
  return [worker.email, worker.username].reduce((text, value) => text.split(value).join('<redacted>'), message);
}

/** What to do about a Cognito limit: it differs between the stack's first deploy and a later one. */
async function limitAdvice(who: string, error: Error, ctx: HandlerContext): Promise<string> {
  const status = await ctx.stackStatus().catch(() => 'unknown');
  const start = `Inviting ${who} hit a Cognito limit (${error.message}). If it is the daily email limit of Cognito's default sender, ` +
    'configure SES on the user pool (`email: UserPoolEmail.withSES(...)`) ';
  return status === 'CREATE_IN_PROGRESS'
    ? `${start}before deploying again: this is the stack's first deploy, so it rolls back, and the user pool it created is deleted with the workers invited so far.`
    : `${start}and deploy again: workers already invited are kept and not invited again.`;
}

/**
 * The user names of new members: the names the pool gave the workers this invocation invited, or,
 * for workers invited before (a continuation, a duplicate), the pool's answer to a filtered ListUsers.
 */
async function resolveMembers(
  adds: readonly PlannedMembership[], created: ReadonlyMap<number, string>, options: ExecutionOptions, ctx: HandlerContext,
): Promise<PlannedMembership[]> {
  const resolved: PlannedMembership[] = [];
  const looked = new Map<number, string | undefined>();
  for (const add of adds) {
    if (add.username !== undefined) {
      resolved.push(add);
      continue;
    }
    const index = add.worker!;
    let username = created.get(index) ?? looked.get(index);
    if (username === undefined && !looked.has(index)) {
      const worker = options.workers[index];
      const attribute = options.identity.keyedBy === 'email' ? 'email' : 'username';
      const value = attribute === 'email' ? worker.email : worker.username;
      const [user] = await listUsers(options.userPoolId, ctx, `${attribute} = "${value.replace(/(["\\])/g, '\\$1')}"`);
      username = user?.username;
      looked.set(index, username);
    }
    if (username !== undefined) {
      resolved.push({ ...add, username });
    }
  }
  return resolved;
}
