import { DeleteItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { HandlerContext } from './dispatch';

/*
 * Who the sender disabled, kept in the stack's fence table (one item per user, by the pool and the
 * user's `sub`), whatever the removal policy is now: a worker the sender disabled is enabled again
 * when listed again, also after a switch from DISABLE to another policy; a user an administrator
 * disabled has no record and stays disabled. `sub` is opaque and survives renames; a user deleted
 * and created again is someone else.
 */

type RecordsContext = Pick<HandlerContext, 'dynamodb' | 'fenceTable' | 'call' | 'clock'>;

const partition = (userPoolId: string): AttributeValue => ({ S: `disabled#${userPoolId}` });

/** The `sub`s of the users the sender disabled in a pool, with when it did (epoch ms). */
export async function disabledBySender(userPoolId: string, ctx: RecordsContext): Promise<Map<string, number>> {
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

/** Records that the sender disabled a user (before it does, so that no disable goes unrecorded). */
export async function recordDisabled(userPoolId: string, sub: string, ctx: RecordsContext): Promise<void> {
  await ctx.call('PutItem (disabled record)', () => ctx.dynamodb.send(new PutItemCommand({
    TableName: ctx.fenceTable,
    Item: { pk: partition(userPoolId), sk: { S: sub }, disabledAt: { N: String(ctx.clock.now()) } },
  })));
}

/** Drops the record of a user enabled again (by the sender, or by an administrator since). */
export async function forgetDisabled(userPoolId: string, sub: string, ctx: RecordsContext): Promise<void> {
  await ctx.call('DeleteItem (disabled record)', () => ctx.dynamodb.send(new DeleteItemCommand({
    TableName: ctx.fenceTable,
    Key: { pk: partition(userPoolId), sk: { S: sub } },
  })));
}
