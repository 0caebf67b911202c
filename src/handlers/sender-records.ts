import { DeleteItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { HandlerContext } from './dispatch';

/*
 * What the sender keeps in the stack's fence table besides the operations' claims.
 *
 * Who the sender disabled, kept in the stack's fence table (one item per user, by the pool and the
 * user's `sub`), whatever the removal policy is now: a worker the sender disabled is enabled again
 * when listed again, also after a switch from DISABLE to another policy; a user an administrator
 * disabled has no record and stays disabled. `sub` is opaque and survives renames; a user deleted
 * and created again is someone else.
 */

type RecordsContext = Pick<HandlerContext, 'dynamodb' | 'fenceTable' | 'call' | 'write' | 'clock'>;

const partition = (userPoolId: string): AttributeValue => ({ S: `disabled#${userPoolId}` });

/** The `sub`s of the users the sender disabled in a pool, with when it did (epoch ms). */
export async function disabledBySender(userPoolId: string, ctx: Omit<RecordsContext, 'write'>): Promise<Map<string, number>> {
  const subs = new Map<string, number>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await ctx.call('Query (disabled records)', () => ctx.dynamodb.send(new QueryCommand({
      TableName: ctx.fenceTable,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#at': 'disabledAt' },
      ExpressionAttributeValues: { ':pk': partition(userPoolId) },
      ProjectionExpression: '#sk, #at',
      ConsistentRead: true,
      ExclusiveStartKey: start,
    })));
    for (const item of page.Items ?? []) {
      subs.set(item.sk.S!, Number(item.disabledAt?.N ?? 0));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return subs;
}

/**
 * Records that the sender disabled a user (before it does, so that no disable goes unrecorded),
 * at `at` (now, unless given: a legacy group's member was disabled when last modified).
 */
export async function recordDisabled(userPoolId: string, sub: string, ctx: RecordsContext, at = ctx.clock.now()): Promise<void> {
  await ctx.write('PutItem (disabled record)', () => ctx.dynamodb.send(new PutItemCommand({
    TableName: ctx.fenceTable,
    Item: { pk: partition(userPoolId), sk: { S: sub }, disabledAt: { N: String(at) } },
  })));
}

/** Drops the record of a user enabled again (by the sender, or by an administrator since). */
export async function forgetDisabled(userPoolId: string, sub: string, ctx: RecordsContext): Promise<void> {
  await ctx.write('DeleteItem (disabled record)', () => ctx.dynamodb.send(new DeleteItemCommand({
    TableName: ctx.fenceTable,
    Key: { pk: partition(userPoolId), sk: { S: sub } },
  })));
}

/*
 * How many emails Cognito sent for the pool's invitations today (UTC), over every deploy and
 * invocation of the stack: Cognito's default sender allows about 50 a day for the whole account,
 * so this is a lower bound of what is used, which keeps resends from spending more.
 */
const emailsKey = (userPoolId: string, now: number) => ({ pk: { S: `emails#${userPoolId}` }, sk: { S: new Date(now).toISOString().slice(0, 10) } });

/** Emails sent today for the pool's invitations (as far as this stack knows). */
export async function emailsSentToday(userPoolId: string, ctx: Omit<RecordsContext, 'write'>): Promise<number> {
  const key = emailsKey(userPoolId, ctx.clock.now());
  const page = await ctx.call('Query (emails sent)', () => ctx.dynamodb.send(new QueryCommand({
    TableName: ctx.fenceTable,
    KeyConditionExpression: '#pk = :pk AND #sk = :sk',
    ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#count': 'count' },
    ExpressionAttributeValues: { ':pk': key.pk, ':sk': key.sk },
    ProjectionExpression: '#count',
    ConsistentRead: true,
  })));
  return Number(page.Items?.[0]?.count?.N ?? 0);
}

/**
 * Adds an operation's emails to today's count, when it ends. Best effort, and sent directly (also in
 * the time kept back from the deadline): a lost count only lets a later deploy's resends go sooner.
 */
export async function countEmails(userPoolId: string, sent: number, ctx: Pick<HandlerContext, 'dynamodb' | 'fenceTable' | 'clock' | 'log'>): Promise<void> {
  if (sent <= 0) {
    return;
  }
  const now = ctx.clock.now();
  await ctx.dynamodb.send(new UpdateItemCommand({
    TableName: ctx.fenceTable,
    Key: emailsKey(userPoolId, now),
    UpdateExpression: 'ADD #count :n SET #expiresAt = :expires',
    ExpressionAttributeNames: { '#count': 'count', '#expiresAt': 'expiresAt' },
    ExpressionAttributeValues: { ':n': { N: String(sent) }, ':expires': { N: String(Math.floor(now / 1000) + 2 * 86_400) } },
  })).catch((error) => ctx.log(`today's count of emails sent was not updated (${(error as Error).name}: ${(error as Error).message})`));
}
