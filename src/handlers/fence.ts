import { randomUUID } from 'crypto';
import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock } from './clock';

/*
 * The fence: every write belongs to exactly one CloudFormation operation on one resource.
 *
 * Lambda delivers asynchronous events at least once, and an event may wait in its queue (up to the
 * function's maximum event age) while a later operation runs; a continuation the handler queued
 * itself is such an event too. Each event therefore claims its operation in the stack's fence table
 * (DynamoDB) before it writes anything:
 * - `request#<RequestId>[#<run>]` is put with `attribute_not_exists`: a conditional write is atomic
 *   (DynamoDB developer guide, condition expressions), so of two deliveries of one event exactly one
 *   claims it; the other writes nothing and does not answer (the first one answers).
 * - `operation` holds the resource's current operation (its RequestId, run and holder). A new
 *   RequestId takes it over; a continuation takes it only from its own operation's previous run.
 *   Every write first checks a lease on it (renewed with a conditional update, `holder = me`), so an
 *   invocation whose operation was superseded stops before its next write. A new operation that
 *   takes over from a live holder waits until that holder's lease has run out (plus a margin for a
 *   request in flight), so no write of the old operation lands after the new one began.
 * CloudFormation sends a resource's next event only after the previous one answered or timed out
 * (ServiceTimeout), and the function's maximum event age is shorter than that, so a first delivery
 * is never overtaken by a later operation's event.
 */

/** How long a lease lasts; renewed when half of it is left. */
export const LEASE_MS = 30_000;
/** Time a request started within its lease may take to land, which a successor waits for. */
export const IN_FLIGHT_MARGIN_MS = 10_000;
/** Claims are kept this long (DynamoDB TTL): longer than any event can wait in Lambda's queue (6 hours at most). */
const CLAIM_TTL_SECONDS = 7 * 24 * 3600;

/** Thrown by a guarded write once another operation (or a later run of this one) holds the resource. */
export class Superseded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Superseded';
  }
}

/** The event facts a claim needs. */
export interface ClaimRequest {
  readonly stackId: string;
  readonly logicalId: string;
  readonly requestId: string;
  readonly requestType: string;
  /** 1 for CloudFormation's own delivery; n for the n-th invocation of a continued event. */
  readonly run: number;
}

/** What a claim needs from the handler. */
export interface FenceDependencies {
  readonly dynamodb: DynamoDBClient;
  readonly table: string;
  readonly clock: Clock;
  /** Runs one call with the handler's retries. */
  call<T>(what: string, fn: () => Promise<T>): Promise<T>;
  log(message: string): void;
}

/** The operation a claim took, and what it found before it. */
export interface OperationFence {
  readonly requestId: string;
  readonly run: number;
  /** The operation that held the resource before this one took it (run 1 only). */
  readonly previous?: { readonly requestId: string; readonly requestType: string; readonly startedAt: number };
  /** Resolves when a write may start now; throws Superseded when the resource is no longer this invocation's. */
  guard(): Promise<void>;
  /** Gives the operation to its next run (a continuation), which must claim it before it writes. */
  handOff(): Promise<void>;
  /** Ends this invocation's hold (its operation is answered). */
  release(): Promise<void>;
}

/** Why an event writes nothing. */
export type Unclaimed = 'duplicate' | 'superseded';

const s = (value: string): AttributeValue => ({ S: value });
const n = (value: number): AttributeValue => ({ N: String(value) });
/** Every attribute goes by a placeholder: none of them can then collide with a DynamoDB reserved word. */
const NAMES = {
  '#pk': 'pk',
  '#requestId': 'requestId',
  '#requestType': 'requestType',
  '#startedAt': 'startedAt',
  '#run': 'run',
  '#holder': 'holder',
  '#leaseUntil': 'leaseUntil',
  '#prevRequestId': 'prevRequestId',
  '#prevRequestType': 'prevRequestType',
  '#prevStartedAt': 'prevStartedAt',
  '#prevHolder': 'prevHolder',
  '#prevLeaseUntil': 'prevLeaseUntil',
};
/** The placeholders an expression uses (DynamoDB refuses unused ones). */
const names = (expression: string) => Object.fromEntries(Object.entries(NAMES).filter(([k]) => new RegExp(`${k}\\b`).test(expression)));

/**
 * Claims the resource for one invocation of an event: `'duplicate'` when this delivery was claimed
 * before, `'superseded'` when its operation is no longer the resource's (a continuation that came
 * too late), or the fence its writes go through.
 */
export async function claimOperation(request: ClaimRequest, deps: FenceDependencies): Promise<OperationFence | Unclaimed> {
  const pk = s(`${request.stackId}|${request.logicalId}`);
  const now = deps.clock.now();
  // This invocation's token: a retry whose first attempt took effect (a lost response) finds its
  // own token and goes on; another delivery of the event finds someone else's.
  const holder = randomUUID();
  try {
    await deps.call('PutItem (claim)', () => deps.dynamodb.send(new PutItemCommand({
      TableName: deps.table,
      Item: {
        pk,
        sk: s(`request#${request.requestId}${request.run > 1 ? `#${request.run}` : ''}`),
        holder: s(holder),
        claimedAt: n(now),
        expiresAt: n(Math.floor(now / 1000) + CLAIM_TTL_SECONDS),
      },
      ConditionExpression: 'attribute_not_exists(#pk) OR #holder = :h',
      ExpressionAttributeNames: names('#pk #holder'),
      ExpressionAttributeValues: { ':h': s(holder) },
    })));
  } catch (error) {
    if (isConditionFailure(error)) {
      return 'duplicate';
    }
    throw error;
  }

  const key = { pk, sk: s('operation') };
  let leaseUntil = now + LEASE_MS;
  /** Set once the resource is no longer this invocation's (taken over, handed on or released). */
  let lost = false;
  let renewal: Promise<void> | undefined;
  let previous: OperationFence['previous'];
  if (request.run === 1) {
    // The item keeps what it held before (previous*), so that a retried take, whose first attempt
    // took effect, still learns which operation it took over from.
    const take = 'SET #prevRequestId = if_not_exists(#requestId, :none), #prevRequestType = if_not_exists(#requestType, :none), ' +
      '#prevStartedAt = if_not_exists(#startedAt, :zero), #prevHolder = if_not_exists(#holder, :none), #prevLeaseUntil = if_not_exists(#leaseUntil, :zero), ' +
      '#requestId = :r, #requestType = :t, #startedAt = :now, #run = :run, #holder = :h, #leaseUntil = :until';
    const condition = 'attribute_not_exists(#requestId) OR #requestId <> :r';
    let item: Record<string, AttributeValue> | undefined;
    try {
      const taken = await deps.call('UpdateItem (take)', () => deps.dynamodb.send(new UpdateItemCommand({
        TableName: deps.table,
        Key: key,
        UpdateExpression: take,
        ConditionExpression: condition,
        ExpressionAttributeNames: names(take + condition),
        ExpressionAttributeValues: {
          ':r': s(request.requestId),
          ':t': s(request.requestType),
          ':now': n(now),
          ':run': n(1),
          ':h': s(holder),
          ':until': n(leaseUntil),
          ':none': s(''),
          ':zero': n(0),
        },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      })));
      item = taken.Attributes;
    } catch (error) {
      if (!isConditionFailure(error)) {
        throw error;
      }
      // This RequestId holds the resource already: this invocation's own take, whose answer was
      // lost (its token), or another delivery's.
      item = (error as { Item?: Record<string, AttributeValue> }).Item;
      if (item?.holder?.S !== holder) {
        return 'duplicate';
      }
    }
    if (item?.prevRequestId?.S) {
      previous = { requestId: item.prevRequestId.S, requestType: item.prevRequestType?.S || 'unknown', startedAt: Number(item.prevStartedAt?.N ?? 0) };
    }
    // A live holder of another operation may still have a write in flight: wait until its lease is over.
    const theirs = item?.prevHolder?.S ? Number(item.prevLeaseUntil?.N ?? 0) : 0;
    if (theirs > now) {
      deps.log(`another operation (${previous?.requestId}) held the resource: waiting ${Math.ceil((theirs - now + IN_FLIGHT_MARGIN_MS) / 1000)} s for its lease to end`);
      await deps.clock.sleep(theirs - now + IN_FLIGHT_MARGIN_MS);
      leaseUntil = deps.clock.now() + LEASE_MS;
      await renew();
    }
  } else {
    const condition = '#requestId = :r AND #run = :run AND (attribute_not_exists(#holder) OR #holder = :h)';
    try {
      await deps.call('UpdateItem (continue)', () => deps.dynamodb.send(new UpdateItemCommand({
        TableName: deps.table,
        Key: key,
        UpdateExpression: 'SET #holder = :h, #leaseUntil = :until',
        ConditionExpression: condition,
        ExpressionAttributeNames: names('SET #holder = :h, #leaseUntil = :until' + condition),
        ExpressionAttributeValues: { ':r': s(request.requestId), ':run': n(request.run), ':h': s(holder), ':until': n(leaseUntil) },
      })));
    } catch (error) {
      if (isConditionFailure(error)) {
        return 'superseded';
      }
      throw error;
    }
  }

  async function renew(): Promise<void> {
    const until = deps.clock.now() + LEASE_MS;
    try {
      await deps.call('UpdateItem (lease)', () => deps.dynamodb.send(new UpdateItemCommand({
        TableName: deps.table,
        Key: key,
        UpdateExpression: 'SET #leaseUntil = :until',
        ConditionExpression: '#requestId = :r AND #holder = :h',
        ExpressionAttributeNames: names('SET #leaseUntil = :until' + '#requestId = :r AND #holder = :h'),
        ExpressionAttributeValues: { ':r': s(request.requestId), ':h': s(holder), ':until': n(until) },
      })));
      leaseUntil = until;
    } catch (error) {
      if (isConditionFailure(error)) {
        lost = true;
        throw new Superseded(`A later operation took over ${request.logicalId}: this invocation of ${request.requestId} stops before its next write.`);
      }
      throw error;
    }
  }

  return {
    requestId: request.requestId,
    run: request.run,
    previous,
    async guard() {
      if (lost) {
        throw new Superseded(`A later operation took over ${request.logicalId}.`);
      }
      if (leaseUntil - deps.clock.now() > LEASE_MS / 2) {
        return;
      }
      renewal ??= renew().finally(() => { renewal = undefined; });
      await renewal;
    },
    async handOff() {
      // Idempotent (a retry after a lost answer finds the hand-off done), and sent directly, with one
      // retry, not through `call`: a hand-off happens in the time kept back from the deadline.
      const condition = '#requestId = :r AND ((#holder = :h AND #run = :run) OR (attribute_not_exists(#holder) AND #run = :next))';
      const send = () => deps.dynamodb.send(new UpdateItemCommand({
        TableName: deps.table,
        Key: key,
        UpdateExpression: 'SET #run = :next REMOVE #holder',
        ConditionExpression: condition,
        ExpressionAttributeNames: names('SET #run = :next REMOVE #holder' + condition),
        ExpressionAttributeValues: { ':r': s(request.requestId), ':h': s(holder), ':run': n(request.run), ':next': n(request.run + 1) },
      }));
      try {
        await send().catch((error) => (isConditionFailure(error) ? Promise.reject(error) : send()));
      } catch (error) {
        if (isConditionFailure(error)) {
          lost = true;
          throw new Superseded(`A later operation took over ${request.logicalId} before this invocation of ${request.requestId} could hand it on.`);
        }
        throw error;
      }
      lost = true; // the next run holds it now
    },
    async release() {
      if (lost) {
        return;
      }
      lost = true;
      // Best effort, and past the deadline too: a lease that is not released runs out by itself.
      await deps.dynamodb.send(new UpdateItemCommand({
        TableName: deps.table,
        Key: key,
        UpdateExpression: 'SET #leaseUntil = :now REMOVE #holder',
        ConditionExpression: '#requestId = :r AND #holder = :h',
        ExpressionAttributeNames: names('SET #leaseUntil = :now REMOVE #holder' + '#requestId = :r AND #holder = :h'),
        ExpressionAttributeValues: { ':r': s(request.requestId), ':h': s(holder), ':now': n(deps.clock.now()) },
      })).catch((error) => {
        if (!isConditionFailure(error)) {
          deps.log(`the lease on ${request.logicalId} was not released (${(error as Error).name}); it runs out within ${LEASE_MS / 1000} s`);
        }
      });
    },
  };
}

/** DynamoDB's answer to a condition that does not hold. */
export function isConditionFailure(error: unknown): boolean {
  return (error as Error)?.name === 'ConditionalCheckFailedException';
}
