import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { reconcileCallback } from './callback-reconciler';
import type { Clock } from './clock';
import { lookUpWorkforce } from './existing-workforce';
import { claimOperation, OperationFence, Superseded } from './fence';
import { sendInvitations } from './invitation-sender';
import { DeadlineReached, withRetry } from './retry';
import { stackStatusOf } from './stack-status';
import { CALLBACK_RECONCILER_RESOURCE_TYPE, CONTINUATION_KEY, EXISTING_WORKFORCE_RESOURCE_TYPE, INVITATION_SENDER_RESOURCE_TYPE } from './types';

/** The custom resource event, as the provider framework passes it on. */
export type ResourceEvent<P> = {
  readonly ResourceType: string;
  readonly LogicalResourceId: string;
  readonly RequestId: string;
  readonly StackId: string;
  readonly ResourceProperties: P;
} & (
  | { readonly RequestType: 'Create'; readonly PhysicalResourceId?: undefined }
  | { readonly RequestType: 'Update'; readonly PhysicalResourceId: string; readonly OldResourceProperties: P }
  | { readonly RequestType: 'Delete'; readonly PhysicalResourceId: string }
);

/** What the handler returns: the answer to CloudFormation, or why this invocation gives none. */
export interface HandlerResponse<D> {
  readonly PhysicalResourceId: string;
  readonly Data?: D;
  /**
   * Set when this invocation must not answer: `continued`, a fresh invocation goes on with the event
   * and answers; `duplicate`, another delivery of the event answers; `superseded`, a later operation
   * holds the resource and CloudFormation has moved on.
   */
  readonly Unanswered?: 'continued' | 'duplicate' | 'superseded';
}

/** The outside world of the handler: clients, time, randomness, logging. */
export interface HandlerDependencies {
  readonly cognito: CognitoIdentityProviderClient;
  /** The stack's fence table: every event claims its operation there before it writes. */
  readonly dynamodb: DynamoDBClient;
  readonly fenceTable?: string;
  readonly s3: S3Client;
  /** DescribeWorkforce, ListWorkforces and UpdateWorkforce, for an ExistingWorkforce. */
  readonly sagemaker: SageMakerClient;
  /** DescribeStacks of the handler's own stack, to tell a stack deletion from a cleanup. */
  readonly cloudFormation: CloudFormationClient;
  /** Invokes the handler itself, to go on with an event past one invocation's time limit. */
  readonly lambda: LambdaClient;
  /** The id of the stack the handler belongs to: events of other stacks are refused. */
  readonly ownStackId?: string;
  readonly clock: Clock;
  readonly random?: () => number;
  readonly log?: (message: string) => void;
}

/** What each resource kind works with. */
export interface HandlerContext extends Required<Omit<HandlerDependencies, 'ownStackId'>> {
  /** The event's claim on its resource: every write goes through it. */
  readonly fence: OperationFence;
  /** Clock time after which no new request starts. */
  readonly deadline: number;
  /** The ARN of the running function (for a continuation), when Lambda gives it. */
  readonly functionArn?: string;
  /** Runs one AWS call with backoff on throttling and transient errors; none starts past the deadline. */
  call<T>(what: string, fn: () => Promise<T>): Promise<T>;
  /** `call` for a write: each attempt first checks the fence (the resource is still this event's). */
  write<T>(what: string, fn: () => Promise<T>): Promise<T>;
  /** The status of the event's stack (its own stack: DescribeStacks is granted on it only). */
  stackStatus(): Promise<string>;
}

/** The part of the Lambda context the handler uses. */
export interface LambdaContextLike {
  readonly invokedFunctionArn?: string;
  getRemainingTimeInMillis(): number;
}

/** Time kept back from the Lambda limit to report a clean failure instead of timing out. */
const SAFETY_MARGIN_MS = 30_000;

/**
 * Creates the handler of every custom resource of the library; it dispatches on ResourceType.
 */
export function createHandler(deps: HandlerDependencies) {
  return async (event: ResourceEvent<any>, lambdaContext?: LambdaContextLike): Promise<HandlerResponse<unknown>> => {
    const remaining = lambdaContext?.getRemainingTimeInMillis() ?? 14 * 60_000;
    const base = { random: Math.random, log: (message: string) => console.log(message), ...deps };
    const deadline = deps.clock.now() + remaining - SAFETY_MARGIN_MS;
    const call = <T>(what: string, fn: () => Promise<T>) => {
      if (deps.clock.now() >= deadline) {
        return Promise.reject(new DeadlineReached(what));
      }
      return withRetry(what, fn, { clock: deps.clock, deadline, random: base.random });
    };
    const log = base.log;
    const run: number = (event as Record<string, any>)[CONTINUATION_KEY]?.Run ?? 1;
    log(`${event.RequestType} ${event.ResourceType} ${event.LogicalResourceId} (${event.PhysicalResourceId ?? 'new'})${run > 1 ? ` run ${run}` : ''}`);
    if (deps.ownStackId !== undefined && event.StackId !== deps.ownStackId) {
      throw new Error(`This handler serves the stack ${deps.ownStackId} only; the event came from ${event.StackId}.`);
    }
    if (![CALLBACK_RECONCILER_RESOURCE_TYPE, INVITATION_SENDER_RESOURCE_TYPE, EXISTING_WORKFORCE_RESOURCE_TYPE].includes(event.ResourceType)) {
      throw new Error(`Unknown resource type ${event.ResourceType}: this handler serves ${CALLBACK_RECONCILER_RESOURCE_TYPE}, ` +
        `${INVITATION_SENDER_RESOURCE_TYPE} and ${EXISTING_WORKFORCE_RESOURCE_TYPE}.`);
    }
    if (!deps.fenceTable) {
      throw new Error('The handler has no fence table (its environment lacks the table name): deploy the stack with this version of the library again.');
    }
    const fence = await claimOperation(
      { stackId: event.StackId, logicalId: event.LogicalResourceId, requestId: event.RequestId, requestType: event.RequestType, run },
      { dynamodb: deps.dynamodb, table: deps.fenceTable, clock: deps.clock, call, log },
    );
    const unanswered = (why: 'duplicate' | 'superseded') => {
      log(why === 'duplicate'
        ? `request ${event.RequestId}${run > 1 ? ` run ${run}` : ''} was delivered before: that delivery answers, this one writes nothing`
        : `request ${event.RequestId} run ${run} came after its operation was over or taken over: it writes nothing`);
      return { PhysicalResourceId: event.PhysicalResourceId ?? '', Unanswered: why };
    };
    if (typeof fence === 'string') {
      return unanswered(fence);
    }
    const ctx: HandlerContext = {
      ...base,
      fenceTable: deps.fenceTable,
      fence,
      deadline,
      functionArn: lambdaContext?.invokedFunctionArn,
      call,
      write: (what, fn) => call(what, async () => {
        await fence.guard();
        return fn();
      }),
      stackStatus: () => stackStatusOf(event.StackId, ctx),
    };
    try {
      switch (event.ResourceType) {
        case CALLBACK_RECONCILER_RESOURCE_TYPE:
          return await reconcileCallback(event, ctx);
        case INVITATION_SENDER_RESOURCE_TYPE:
          return await sendInvitations(event, ctx);
        default:
          return await lookUpWorkforce(event, ctx);
      }
    } catch (error) {
      if (error instanceof Superseded) {
        return unanswered('superseded');
      }
      throw error;
    } finally {
      await fence.release(); // a no-op once handed on to a continuation
    }
  };
}
