import type { CloudFormationClient, StackResourceSummary } from '@aws-sdk/client-cloudformation';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AssemblySender } from './assembly';
import { AccessPlan, DescribedPool, planAccess, poolIdentity, PoolSnapshot } from '../handlers/access-plan';
import type { Clock } from '../handlers/clock';
import { readSnapshot } from '../handlers/pool-snapshot';
import { withRetry } from '../handlers/retry';
import { emailsSentToday } from '../handlers/sender-records';
import { stackResources, stackStatusOf } from '../handlers/stack-status';

/** The AWS clients of the plan command (the caller's credentials; read-only calls only). */
export interface PlanClients {
  readonly cloudFormation: CloudFormationClient;
  readonly cognito: CognitoIdentityProviderClient;
  readonly dynamodb: DynamoDBClient;
  readonly clock: Clock;
}

/** What a deploy of the assembly would do to one sender's pool. */
export interface SenderPlan {
  readonly sender: AssemblySender;
  /** Whether the stack exists (a first deploy invites everyone). */
  readonly deployed: boolean;
  readonly poolId?: string;
  readonly plan: AccessPlan;
  /** The pool's users as read, for names (`--show-names`). */
  readonly snapshot: PoolSnapshot;
}

/** The read-only actions the command makes, for the README, `grantPlan` and its error messages. */
export const PLAN_ACTIONS = [
  'cloudformation:DescribeStacks',
  'cloudformation:ListStackResources',
  'cognito-idp:DescribeUserPool',
  'cognito-idp:ListUsers',
  'cognito-idp:ListUsersInGroup',
  'dynamodb:Query',
];

/**
 * The plan of a sender's next deploy, computed by the handler's own `planAccess` from the pool as it
 * is now: the same code that the deploy runs, on the same reads.
 */
export async function planLive(sender: AssemblySender, clients: PlanClients, onUsers?: (count: number) => void): Promise<SenderPlan> {
  const call = <T>(what: string, fn: () => Promise<T>) => withRetry(what, fn, { clock: clients.clock, deadline: Infinity });
  const resources = await resourcesOf(sender.stack.stackName, clients, call);
  const physical = (logicalId: string | undefined) =>
    (logicalId ? resources?.find((r) => r.LogicalResourceId === logicalId)?.PhysicalResourceId : undefined);
  const poolId = sender.pool.id ?? physical(sender.pool.logicalId);
  const fenceTable = physical(sender.fenceTableLogicalId) ?? '';
  let snapshot: PoolSnapshot;
  let sentToday = 0;
  if (poolId) {
    const ctx = { cognito: clients.cognito, dynamodb: clients.dynamodb, fenceTable, call, clock: clients.clock };
    snapshot = (await readSnapshot({ userPoolId: poolId, managedGroups: sender.settings.managedGroups, onUsers }, ctx)).snapshot;
    if (fenceTable && snapshot.identity.defaultEmailSender) {
      sentToday = await emailsSentToday(poolId, ctx);
    }
  } else {
    // The pool is made by this deploy: nobody is in it yet; its sign-in rules are the template's.
    snapshot = {
      identity: poolIdentity((sender.poolProperties ?? {}) as DescribedPool),
      users: [],
      groups: {},
      disabledBySender: new Map(),
      now: clients.clock.now(),
    };
  }
  const plan = planAccess({ ...sender.settings, workers: sender.workers, pool: snapshot, phase: 'DEPLOY', emailsSentToday: sentToday });
  return { sender, deployed: resources !== undefined, poolId, plan, snapshot };
}

/** The stack's resources (the handler's own reads of its stack), or undefined when it does not exist. */
async function resourcesOf(
  stackName: string, clients: PlanClients, call: <T>(what: string, fn: () => Promise<T>) => Promise<T>,
): Promise<StackResourceSummary[] | undefined> {
  const ctx = { call, cloudFormation: clients.cloudFormation };
  try {
    await stackStatusOf(stackName, ctx);
  } catch (error) {
    if ((error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message)) {
      return undefined;
    }
    throw error;
  }
  return stackResources(stackName, ctx);
}
