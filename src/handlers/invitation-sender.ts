import { InvokeCommand } from '@aws-sdk/client-lambda';
import { AccessPlan, NO_CHANGES, planAccess, planCounts, PlanInput, PlanPhase, planSettings, PoolIdentity } from './access-plan';
import type { HandlerContext, HandlerResponse, ResourceEvent } from './dispatch';
import { executePlan, ExecutionOptions, InvitationsPending, NO_COUNTS, RunCounts } from './plan-executor';
import { readIdentity, readSnapshot } from './pool-snapshot';
import { DeadlineReached } from './retry';
import { countEmails, emailsSentToday } from './sender-records';
import {
  CONTINUATION_KEY,
  InvitationProgress,
  InvitationSenderData,
  InvitationSenderProperties,
  RemovedWorkersAction,
  WorkerRecord,
} from './types';
import { loadWorkers } from './worker-sources';

/** Invocations one event may take; with 15-minute invocations, more than ServiceTimeout's hour. */
const MAX_RUNS = 8;

/**
 * Brings the pool's users in line with the worker list. Each invocation reads the pool (its sign-in
 * rules, users, groups, and who the sender disabled), computes the plan of what the event does to
 * people's access (`planAccess`, a pure function), lets the guards judge it, and applies it through
 * the fence. The plan is declarative, so a continuation plans again from what it finds: what is done
 * is not done twice, and nobody gets a second email.
 */
export async function sendInvitations(
  event: ResourceEvent<InvitationSenderProperties>,
  ctx: HandlerContext,
): Promise<HandlerResponse<InvitationSenderData>> {
  const props = event.ResourceProperties;
  const settings = planSettings(props);
  const policy = settings.policy;
  const continued: InvitationProgress | undefined = (event as Record<string, any>)[CONTINUATION_KEY];
  const physicalResourceId = event.RequestType === 'Delete' ? event.PhysicalResourceId : `${props.UserPoolId}/invitations`;
  // The operation before this one on the resource (the one a rollback undoes): the fence's record
  // in the first run, handed on in continuations.
  const previous = continued
    ? (continued.RolledBackSince !== undefined ? { requestType: continued.UndoCreate ? 'Create' : 'Update', startedAt: continued.RolledBackSince } : undefined)
    : ctx.fence.previous;
  const phase = await phaseOf(event, policy, previous, ctx);
  const progress: InvitationProgress = continued ?? {
    ...NO_COUNTS,
    Run: 1,
    StartedAt: ctx.clock.now(),
    Phase: phase.phase,
    RolledBackSince: phase.rolledBackSince,
    UndoCreate: phase.undoCreate,
    AlreadyPresent: 0,
  };
  if (continued && continued.Phase !== phase.phase) {
    throw new Error(`The stack moved on (${phase.status}) while this ${event.RequestType} was under way: nothing more is changed for it.`);
  }
  const counts: RunCounts = { ...NO_COUNTS };
  const done = (workers: number, extra: Partial<InvitationSenderData> = {}): HandlerResponse<InvitationSenderData> => {
    const total = sum(progress, counts);
    return {
      PhysicalResourceId: physicalResourceId,
      Data: {
        Workers: workers,
        AlreadyPresent: progress.AlreadyPresent,
        ResendsDeferred: 0,
        ...total,
        Removed: total.Disabled + total.Deleted,
        Runs: progress.Run,
        ...extra,
      },
    };
  };
  if (phase.phase === 'KEEP') {
    ctx.log(`${event.RequestType} during ${phase.status}: ${phase.why}; nobody's access changes`);
    return done(0);
  }

  const workers = phase.undoCreate ? [] : await loadWorkers(props.WorkerSources ?? [], ctx);
  let alreadyPresent = progress.AlreadyPresent;
  let plan: AccessPlan | undefined;
  let handedOn = false;
  // When the operation ends (answered, either way), its emails join today's count.
  const countSent = async () => {
    if (!handedOn && settings.sendsEmails) {
      const total = sum(progress, counts);
      await countEmails(props.UserPoolId, total.Invited + total.Resent, ctx);
    }
  };
  try {
    let pending: number[] | undefined;
    if (progress.Pending !== undefined) {
      pending = decodeIndexes(progress.Pending, workers.length);
      const identity = await readIdentity(props.UserPoolId, ctx);
      await executePlan(NO_CHANGES, executionOptions(props, identity, workers, phase.phase), ctx, counts, pending);
    }
    const legacyDisabledGroup = props.DisabledGroup ?? (event.RequestType === 'Update' ? event.OldResourceProperties.DisabledGroup : undefined);
    const managedGroups = phase.undoCreate ? [] : settings.managedGroups;
    const read = await readSnapshot({ userPoolId: props.UserPoolId, managedGroups, legacyDisabledGroup }, ctx).catch((error) => {
      if (event.RequestType === 'Delete' && (error as Error).name === 'ResourceNotFoundException') {
        return undefined; // the pool went first: nobody is left to remove
      }
      throw error;
    });
    if (read === undefined) {
      ctx.log(`user pool ${props.UserPoolId} is gone; nothing to remove`);
      return done(workers.length);
    }
    const { snapshot, legacyMembers } = read;
    const input: PlanInput = {
      ...settings,
      workers,
      pool: snapshot,
      phase: phase.phase,
      managedGroups,
      rolledBackSince: progress.RolledBackSince,
      undoCreate: progress.UndoCreate,
      // Today's emails so far: earlier operations' (counted in the table), and this operation's.
      emailsSentToday: snapshot.identity.defaultEmailSender
        ? await emailsSentToday(props.UserPoolId, ctx) + progress.Invited + progress.Resent + counts.Invited + counts.Resent
        : 0,
    };
    plan = planAccess(input);
    if (progress.Run === 1 && pending === undefined) {
      alreadyPresent = workers.length - plan.invite.length;
    }
    ctx.log(`plan (${phase.phase}, ${workers.length} workers, ${snapshot.users.length} users): ${JSON.stringify(planCounts(plan))}`);
    if (plan.refusal) {
      throw new Error(plan.refusal);
    }
    await executePlan(plan, {
      ...executionOptions(props, snapshot.identity, workers, phase.phase),
      legacyDisabledGroup,
      legacyMembers,
      users: new Map(snapshot.users.map((u) => [u.username, u])),
    }, ctx, counts);
  } catch (error) {
    if (!(error instanceof DeadlineReached) && !(error instanceof InvitationsPending)) {
      throw error;
    }
    handedOn = true;
    await continueInFreshInvocation(event, { ...progress, AlreadyPresent: alreadyPresent }, counts,
      error instanceof InvitationsPending ? encodeIndexes(error.pending, workers.length) : undefined, ctx);
    return { PhysicalResourceId: physicalResourceId, Unanswered: 'continued' };
  } finally {
    await countSent();
  }
  const result = done(workers.length, { AlreadyPresent: alreadyPresent, ResendsDeferred: plan.resendsDeferred });
  ctx.log(`done: ${JSON.stringify(result.Data)}`);
  if (plan.resendsDeferred > 0) {
    ctx.log(`warning: ${plan.resendsDeferred} expired invitations wait for the next deploy: Cognito's default email sender allows about 50 emails a day; ` +
      'configure SES on the user pool to send more');
  }
  return result;
}

/** The phase of the event, from its request type and the stack's status. */
interface EventPhase {
  readonly phase: PlanPhase;
  readonly status: string;
  /** Why the event changes nobody (KEEP). */
  readonly why?: string;
  readonly rolledBackSince?: number;
  /** A rollback's Delete of the sender the rolled-back deploy created: it takes back what that Create did. */
  readonly undoCreate?: boolean;
}

/**
 * What the event is, in CloudFormation's lifecycle (CloudFormation user guide, stack status codes):
 * Creates and Updates while the stack is created or updated are deploys; an Update during
 * UPDATE_ROLLBACK_IN_PROGRESS goes back to the list deployed before; a Delete is a departure only
 * when the stack itself is deleted and the sender was told to remove its workers then. Whatever else
 * arrives (a Delete after a rename, a move or a replacement, an event of an operation that is over)
 * changes nobody's access.
 */
async function phaseOf(
  event: ResourceEvent<InvitationSenderProperties>,
  policy: RemovedWorkersAction,
  previous: { readonly requestType: string; readonly startedAt: number } | undefined,
  ctx: HandlerContext,
): Promise<EventPhase> {
  const status = await ctx.stackStatus();
  if (event.RequestType === 'Delete') {
    if (policy === 'RETAIN') {
      return { phase: 'KEEP', status, why: 'removedWorkers is RETAIN' };
    }
    if (status === 'DELETE_IN_PROGRESS') {
      return event.ResourceProperties.RemoveOnStackDelete === 'true'
        ? { phase: 'STACK_DELETE', status }
        : { phase: 'KEEP', status, why: 'removeWorkersOnStackDelete is off' };
    }
    if (/ROLLBACK/.test(status) && previous?.requestType === 'Create') {
      // The rolled-back deploy created this sender: take back the users it created, nobody else.
      return { phase: 'ROLLBACK', status, rolledBackSince: previous.startedAt, undoCreate: true };
    }
    return { phase: 'KEEP', status, why: 'not a departure (a rename, a move, a replacement or a rollback)' };
  }
  if (status === 'UPDATE_ROLLBACK_IN_PROGRESS' && event.RequestType === 'Update') {
    return { phase: 'ROLLBACK', status, rolledBackSince: previous?.startedAt };
  }
  if (['CREATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS', 'IMPORT_IN_PROGRESS'].includes(status)) {
    return { phase: 'DEPLOY', status };
  }
  return { phase: 'KEEP', status, why: 'the stack is in no operation this event could belong to' };
}

function executionOptions(
  props: InvitationSenderProperties, identity: PoolIdentity, workers: readonly WorkerRecord[], phase: PlanPhase,
): ExecutionOptions {
  return {
    userPoolId: props.UserPoolId,
    identity,
    workers,
    invitationsPerSecond: positive('MaxRequestsPerSecond', props.MaxRequestsPerSecond),
    concurrency: positive('MaxConcurrency', props.MaxConcurrency),
    suppressEmails: props.SuppressEmails === 'true',
    recordDisables: phase !== 'STACK_DELETE',
  };
}

function sum(progress: InvitationProgress, counts: RunCounts): RunCounts {
  const total = { ...NO_COUNTS };
  for (const key of Object.keys(NO_COUNTS) as Array<keyof RunCounts>) {
    total[key] = progress[key] + counts[key];
  }
  return total;
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
  pending: string | undefined,
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
  const total = sum(progress, counts);
  const next: InvitationProgress = {
    ...progress,
    ...total,
    Run: progress.Run + 1,
    ...(pending !== undefined ? { Pending: pending } : { Pending: undefined }),
  };
  // The next run must claim the operation from this one before it writes anything.
  await ctx.fence.handOff();
  // Invoked while this invocation still has time: the Invoke call itself may not start past the deadline.
  await ctx.lambda.send(new InvokeCommand({
    FunctionName: ctx.functionArn,
    InvocationType: 'Event',
    Payload: new TextEncoder().encode(JSON.stringify({ ...event, [CONTINUATION_KEY]: next })),
  }));
  ctx.log(`time limit near: invocation ${next.Run} goes on (${next.Invited} invited so far)`);
}

function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new Error(`${name} must be a positive number, got ${JSON.stringify(value)}.`);
  }
  return n;
}
