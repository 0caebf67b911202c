import * as http from 'http';
import * as https from 'https';
import type { HandlerResponse, LambdaContextLike, ResourceEvent } from './dispatch';
import { INVITATION_SENDER_RESOURCE_TYPE } from './types';

/**
 * The physical id of a resource whose Create failed: the Delete that CloudFormation sends during
 * the rollback then has nothing to undo.
 */
export const CREATE_FAILED_PHYSICAL_ID = 'cdk-private-workforce:create-failed';

/** Marks the log line of a failed event; a metric filter on the handler's log group counts it. */
export const FAILURE_LOG_MARKER = 'cdk-private-workforce-handler-failed';

/** CloudFormation limits the whole response body to 4,096 bytes. */
const MAX_REASON_LENGTH = 2_000;

/** The custom resource event as CloudFormation sends it to the Lambda. */
export type CloudFormationEvent = ResourceEvent<any> & { readonly ResponseURL: string; readonly ServiceToken?: string };

/** The Lambda context the responder uses. */
export interface ResponderContext extends LambdaContextLike {
  readonly logStreamName?: string;
}

/** How the responder treats response URLs. */
export interface ResponderOptions {
  /** Accept http://127.0.0.1 and http://localhost response URLs (tests of the handler only). */
  readonly allowLoopback?: boolean;
}

/** Sends a response document to CloudFormation's pre-signed URL. */
export type ResponseSender = (url: string, body: string) => Promise<void>;

/**
 * Wraps the dispatcher as the Lambda handler CloudFormation calls directly: every outcome, success
 * or failure, is reported to the pre-signed ResponseURL, so a deploy never waits for a timeout.
 * This replaces the CDK provider framework's extra Lambda (one function, one hop per event).
 */
export function cloudFormationResponder(
  dispatch: (event: ResourceEvent<any>, context?: LambdaContextLike) => Promise<HandlerResponse<unknown>>,
  send: ResponseSender = putResponse,
  options: ResponderOptions = {},
) {
  return async (event: CloudFormationEvent, context: ResponderContext): Promise<void> => {
    if (!isCloudFormationResponseUrl(event.ResponseURL, options.allowLoopback)) {
      // Not CloudFormation's: act on nothing, answer nobody.
      console.error(JSON.stringify({ marker: FAILURE_LOG_MARKER, error: 'refused an event whose ResponseURL is not a CloudFormation response URL', event: redacted(event) }));
      return;
    }
    const base = { StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
    let body: Record<string, unknown>;
    // A failed Create left nothing to undo; but a failed InvitationSender Create may have invited
    // workers before it failed, and its Delete takes them back (the sender's rollback rules).
    if (event.RequestType === 'Delete' && event.PhysicalResourceId === CREATE_FAILED_PHYSICAL_ID && event.ResourceType !== INVITATION_SENDER_RESOURCE_TYPE) {
      body = { ...base, Status: 'SUCCESS', PhysicalResourceId: event.PhysicalResourceId };
    } else {
      try {
        const result = await dispatch(event, context);
        if (result.Unanswered) {
          return; // a continuation, or another delivery, answers; or CloudFormation has moved on
        }
        body = { ...base, Status: 'SUCCESS', PhysicalResourceId: result.PhysicalResourceId, Data: result.Data };
      } catch (error) {
        const where = context.logStreamName ? ` (log stream ${context.logStreamName})` : '';
        body = {
          ...base,
          Status: 'FAILED',
          Reason: `${(error as Error).message ?? String(error)}`.slice(0, MAX_REASON_LENGTH) + where,
          PhysicalResourceId: event.PhysicalResourceId ?? CREATE_FAILED_PHYSICAL_ID,
        };
        console.error(JSON.stringify({
          marker: FAILURE_LOG_MARKER,
          event: redacted(event),
          error: (error as Error).stack ?? String(error),
        }));
      }
    }
    await sendWithRetry(send, event.ResponseURL, JSON.stringify(body));
  };
}

/**
 * True for CloudFormation's pre-signed response URLs (https, on the
 * cloudformation-custom-resource-response-<region> S3 buckets), and for loopback http only when a
 * test asks for it.
 */
export function isCloudFormationResponseUrl(url: unknown, allowLoopback = false): boolean {
  let target: URL;
  try {
    target = new URL(String(url));
  } catch {
    return false;
  }
  if (target.protocol === 'http:') {
    return allowLoopback && (target.hostname === '127.0.0.1' || target.hostname === 'localhost');
  }
  return target.protocol === 'https:'
    && /^cloudformation-custom-resource-response-[a-z0-9]+\.s3[.-]([a-z0-9-]+\.)*amazonaws\.com(\.cn)?$/.test(target.hostname);
}

/** The event as it may be logged: no response URL, and worker lists only as counts. */
export function redacted(event: CloudFormationEvent): Record<string, unknown> {
  const counts = (properties: any) => properties && {
    ...properties,
    ...(properties.WorkerSources ? {
      WorkerSources: properties.WorkerSources.map((s: any) => (s.Inline ? { Inline: `${s.Inline.length} workers` } : s)),
    } : {}),
  };
  const { ResponseURL: _url, ...rest } = event as Record<string, any>;
  return { ...rest, ResourceProperties: counts(rest.ResourceProperties), OldResourceProperties: counts(rest.OldResourceProperties) };
}

/** Sends the response, trying again on network errors; the last failure makes the Lambda retry. */
async function sendWithRetry(send: ResponseSender, url: string, body: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await send(url, body);
      return;
    } catch (error) {
      if (attempt >= 5) {
        throw new Error(`Could not send the response to CloudFormation after ${attempt} attempts: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
  }
}

/** PUTs the response to the pre-signed URL (https in AWS; http is accepted for local tests). */
export function putResponse(url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const transport = target.protocol === 'http:' ? http : https;
    const request = transport.request(target, {
      method: 'PUT',
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
      timeout: 30_000,
    }, (response) => {
      response.resume();
      response.on('end', () => (response.statusCode && response.statusCode < 300
        ? resolve()
        : reject(new Error(`CloudFormation's response URL answered ${response.statusCode}`))));
    });
    request.on('timeout', () => request.destroy(new Error('timed out sending the response')));
    request.on('error', reject);
    request.end(body);
  });
}
