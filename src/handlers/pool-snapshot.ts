import { DescribeUserPoolCommand, ListUsersCommand, ListUsersInGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { UserType } from '@aws-sdk/client-cognito-identity-provider';
import { poolIdentity, PoolIdentity, PoolSnapshot, PoolUser } from './access-plan';
import type { HandlerContext } from './dispatch';
import { disabledBySender } from './sender-records';

type SnapshotContext = Pick<HandlerContext, 'cognito' | 'dynamodb' | 'fenceTable' | 'call' | 'clock'>;

/** What to read of the pool. */
export interface SnapshotRequest {
  readonly userPoolId: string;
  /** Groups whose members the plan sets. */
  readonly managedGroups: readonly string[];
  /**
   * The group an earlier version of the sender kept the users it disabled in (DISABLE): its members
   * count as disabled by the sender, and are recorded in the table before the group goes.
   */
  readonly legacyDisabledGroup?: string;
  /** Called after each page of users, with how many were read so far (the plan command's progress). */
  readonly onUsers?: (count: number) => void;
}

/** The pool's sign-in rules (DescribeUserPool). */
export async function readIdentity(userPoolId: string, ctx: SnapshotContext): Promise<PoolIdentity> {
  const described = await ctx.call('DescribeUserPool', () => ctx.cognito.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId })));
  return poolIdentity(described.UserPool ?? {});
}

/**
 * Reads everything a plan depends on: the pool's identity rules, its users (one ListUsers page holds
 * 60), the managed groups' members, and who the sender disabled. `legacyMembers` are the members of
 * the legacy disabled group (user names), for the executor to record.
 */
export async function readSnapshot(request: SnapshotRequest, ctx: SnapshotContext): Promise<{ snapshot: PoolSnapshot; legacyMembers: string[] }> {
  const identity = await readIdentity(request.userPoolId, ctx);
  const users = await listUsers(request.userPoolId, ctx, undefined, request.onUsers);
  const groups: Record<string, string[]> = {};
  for (const group of request.managedGroups) {
    groups[group] = await groupMembers(request.userPoolId, group, ctx);
  }
  // No fence table (a stack not deployed yet, for the plan command): nobody was disabled by a sender.
  const disabled = ctx.fenceTable ? await disabledBySender(request.userPoolId, ctx) : new Map<string, number>();
  let legacyMembers: string[] = [];
  if (request.legacyDisabledGroup) {
    legacyMembers = await groupMembers(request.userPoolId, request.legacyDisabledGroup, ctx).catch((error) => {
      if ((error as Error).name === 'ResourceNotFoundException') {
        return []; // the group is gone already
      }
      throw error;
    });
    const byName = new Map(users.map((u) => [u.username, u]));
    for (const member of legacyMembers) {
      const sub = byName.get(member)?.sub;
      if (sub && !disabled.has(sub)) {
        disabled.set(sub, 0); // when is unknown: before anything this deploy could roll back
      }
    }
  }
  return { snapshot: { identity, users, groups, disabledBySender: disabled, now: ctx.clock.now() }, legacyMembers };
}

/** The pool's users (with the attributes the plan reads). */
export async function listUsers(userPoolId: string, ctx: SnapshotContext, filter?: string, onUsers?: (count: number) => void): Promise<PoolUser[]> {
  const users: PoolUser[] = [];
  let token: string | undefined;
  do {
    const page = await ctx.call('ListUsers', () => ctx.cognito.send(new ListUsersCommand({
      UserPoolId: userPoolId, Limit: 60, PaginationToken: token, AttributesToGet: ['email', 'sub'], Filter: filter,
    })));
    users.push(...(page.Users ?? []).map(toPoolUser));
    onUsers?.(users.length);
    token = page.PaginationToken;
  } while (token);
  return users;
}

/** The members of a group, by user name as the pool has it. */
export async function groupMembers(userPoolId: string, group: string, ctx: SnapshotContext): Promise<string[]> {
  const members: string[] = [];
  let token: string | undefined;
  do {
    const page = await ctx.call('ListUsersInGroup', () =>
      ctx.cognito.send(new ListUsersInGroupCommand({ UserPoolId: userPoolId, GroupName: group, Limit: 60, NextToken: token })));
    members.push(...(page.Users ?? []).map((u) => u.Username!));
    token = page.NextToken;
  } while (token);
  return members;
}

/** A user as ListUsers (or AdminCreateUser) answers it. */
export function toPoolUser(user: UserType): PoolUser {
  const attribute = (name: string) => user.Attributes?.find((a) => a.Name === name)?.Value;
  const sub = attribute('sub');
  const email = attribute('email');
  return {
    username: user.Username!,
    ...(sub ? { sub } : {}),
    ...(email ? { email } : {}),
    enabled: user.Enabled !== false,
    ...(user.UserStatus ? { status: user.UserStatus } : {}),
    ...(user.UserCreateDate ? { createdAt: user.UserCreateDate.getTime() } : {}),
    ...(user.UserLastModifiedDate ? { modifiedAt: user.UserLastModifiedDate.getTime() } : {}),
  };
}
