import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { S3Client } from '@aws-sdk/client-s3';
import { reconcileCallback } from './callback-reconciler';
import type { Clock } from './clock';
import { sendInvitations } from './invitation-sender';
import { withRetry } from './retry';
import { CALLBACK_RECONCILER_RESOURCE_TYPE, INVITATION_SENDER_RESOURCE_TYPE } from './types';

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

/** What the handler returns to the provider framework. */
export interface HandlerResponse<D> {
  readonly PhysicalResourceId: string;
  readonly Data?: D;
}

/** The outside world of the handler: clients, time, randomness, logging. */
export interface HandlerDependencies {
  readonly cognito: CognitoIdentityProviderClient;
  readonly s3: S3Client;
  readonly clock: Clock;
  readonly random?: () => number;
  readonly log?: (message: string) => void;
}

/** What each resource kind works with. */
export interface HandlerContext extends Required<HandlerDependencies> {
  /** Clock time after which no new request starts. */
  readonly deadline: number;
  /** Runs one AWS call with backoff on throttling and transient errors. */
  call<T>(what: string, fn: () => Promise<T>): Promise<T>;
}

/** The part of the Lambda context the handler uses. */
export interface LambdaContextLike {
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
    const ctx: HandlerContext = {
      ...base,
      deadline,
      call: (what, fn) => withRetry(what, fn, { clock: deps.clock, deadline, random: base.random }),
    };
    ctx.log(`${event.RequestType} ${event.ResourceType} ${event.LogicalResourceId} (${event.PhysicalResourceId ?? 'new'})`);
    switch (event.ResourceType) {
      case CALLBACK_RECONCILER_RESOURCE_TYPE:
        return reconcileCallback(event, ctx);
      case INVITATION_SENDER_RESOURCE_TYPE:
        return sendInvitations(event, ctx);
      default:
        throw new Error(`Unknown resource type ${event.ResourceType}: this handler serves ${CALLBACK_RECONCILER_RESOURCE_TYPE} and ${INVITATION_SENDER_RESOURCE_TYPE}.`);
    }
  };
}
