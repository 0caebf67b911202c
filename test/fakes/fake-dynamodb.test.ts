import {
  DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, QueryCommandInput,
  TransactWriteItemsCommand, UpdateItemCommand, UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { HttpRequest } from '@smithy/protocol-http';
import { ACCOUNT, createResource, deleteResource, ProviderContext, updateResource } from './cfn-providers';
import { FakeDynamoDB, FakeDynamoDBOptions, iamAction, itemSize, LIMITS, modelledErrors, tableArn } from './fake-dynamodb';
import { serveOverHttp } from './http-bridge';
import { IamPolicies } from './iam';
import { resourceFacts } from './registry';
import { VirtualClock } from './virtual-clock';

// Each rule the fake enforces comes from AWS's data (the API model, the developer guide's documented
// limits, the registry); each has a request here that breaks it and the fake refusing it, beside
// the request that keeps it and is accepted.

type Json = Record<string, any>;

const TABLE = 'fence';
const S = (s: string) => ({ S: s });
const N = (n: number | string) => ({ N: String(n) });
const key = (pk: string, sk: string) => ({ pk: S(pk), sk: S(sk) });
const FENCE_TABLE = {
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }, { AttributeName: 'sk', KeyType: 'RANGE' as const }],
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' as const }, { AttributeName: 'sk', AttributeType: 'S' as const }],
  BillingMode: 'PAY_PER_REQUEST' as const,
  TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' },
};

/** The fence table as the library makes it, and a real client of it. */
function fence(options: FakeDynamoDBOptions = {}): { fake: FakeDynamoDB; client: DynamoDBClient } {
  const fake = new FakeDynamoDB(options);
  fake.createTable(TABLE, FENCE_TABLE);
  return { fake, client: fake.client() };
}

/** The error a request fails with. */
async function failure(request: Promise<unknown>): Promise<any> {
  try {
    await request;
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to fail');
}

/** A request as raw JSON, past the SDK's own serializer (which would drop or reshape some mistakes). */
async function raw(fake: FakeDynamoDB, operation: string, body: Json): Promise<{ status: number; body: Json }> {
  const { response } = await fake.handle(new HttpRequest({
    method: 'POST',
    hostname: 'dynamodb.us-east-1.amazonaws.com',
    path: '/',
    headers: { 'x-amz-target': `DynamoDB_20120810.${operation}`, 'content-type': 'application/x-amz-json-1.0' },
    body: JSON.stringify(body),
  }));
  return { status: response.statusCode, body: JSON.parse(new TextDecoder().decode(response.body as Uint8Array)) };
}

const errorType = (body: Json) => String(body.__type).split('#')[1];

const ITEM = {
  ...key('p', 's'),
  n: N(10),
  s: S('abc'),
  b: { B: Buffer.from('hello') },
  yes: { BOOL: true },
  nothing: { NULL: true },
  list: { L: [S('x'), N(1)] },
  map: { M: { inner: S('v') } },
  ss: { SS: ['a', 'b'] },
  ns: { NS: ['1', '2'] },
  bs: { BS: [Buffer.from('z')] },
};

/** Whether a ConditionExpression holds on ITEM (an UpdateItem that changes nothing when it does). */
async function holds(client: DynamoDBClient, condition: string, values?: Json, names?: Record<string, string>): Promise<boolean> {
  try {
    await client.send(new UpdateItemCommand({ TableName: TABLE, Key: key('p', 's'), ConditionExpression: condition, ExpressionAttributeValues: values, ExpressionAttributeNames: names }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') {
      return false;
    }
    throw error;
  }
}

async function withItem(options: FakeDynamoDBOptions = {}) {
  const setup = fence(options);
  await setup.client.send(new PutItemCommand({ TableName: TABLE, Item: ITEM as any }));
  return setup;
}

describe('items through the real DynamoDBClient', () => {
  test('PutItem and GetItem carry every AttributeValue type; the requests are logged', async () => {
    const { fake, client } = await withItem();
    const { Item } = await client.send(new GetItemCommand({ TableName: TABLE, Key: key('p', 's'), ConsistentRead: true }));
    expect(Item).toEqual({ ...ITEM, b: { B: new Uint8Array(Buffer.from('hello')) }, bs: { BS: [new Uint8Array(Buffer.from('z'))] } });
    expect(fake.requests.map((r) => r.operation)).toEqual(['PutItem', 'GetItem']);
    expect(fake.requests[1].input).toMatchObject({ TableName: TABLE, ConsistentRead: true });
    expect(fake.violations).toEqual([]);
    expect(fake.refused).toEqual([]);
  });

  test('GetItem of a missing item has no Item; ProjectionExpression picks top-level attributes', async () => {
    const { client } = await withItem();
    expect((await client.send(new GetItemCommand({ TableName: TABLE, Key: key('p', 'other') }))).Item).toBeUndefined();
    const { Item } = await client.send(new GetItemCommand({ TableName: TABLE, Key: key('p', 's'), ProjectionExpression: '#n, s, absent', ExpressionAttributeNames: { '#n': 'n' } }));
    expect(Item).toEqual({ n: N(10), s: S('abc') });
  });

  test('the table can be named by its ARN', async () => {
    const { client } = await withItem();
    const { Item } = await client.send(new GetItemCommand({ TableName: tableArn(TABLE), Key: key('p', 's') }));
    expect(Item?.s).toEqual(S('abc'));
  });

  test('a table that does not exist is ResourceNotFoundException, also after deleteTable', async () => {
    const { fake, client } = fence();
    expect((await failure(client.send(new GetItemCommand({ TableName: 'nope', Key: key('p', 's') })))).name).toBe('ResourceNotFoundException');
    fake.deleteTable(TABLE);
    expect((await failure(client.send(new GetItemCommand({ TableName: TABLE, Key: key('p', 's') })))).name).toBe('ResourceNotFoundException');
  });

  test('PutItem replaces the whole item; DeleteItem removes it and is idempotent', async () => {
    const { fake, client } = await withItem();
    await client.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('p', 's'), only: S('this') } }));
    expect(fake.table(TABLE)).toEqual([{ ...key('p', 's'), only: S('this') }]);
    await client.send(new DeleteItemCommand({ TableName: TABLE, Key: key('p', 's') }));
    await client.send(new DeleteItemCommand({ TableName: TABLE, Key: key('p', 's') }));
    expect(fake.table(TABLE)).toEqual([]);
  });

  test('ReturnValues: PutItem and DeleteItem give ALL_OLD, and refuse the UpdateItem-only values (their API reference)', async () => {
    const { client } = await withItem();
    const put = await client.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('p', 's'), v: N(2) }, ReturnValues: 'ALL_OLD' }));
    expect(put.Attributes?.n).toEqual(N(10));
    const first = await client.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('p', 'new'), v: N(1) }, ReturnValues: 'ALL_OLD' }));
    expect(first.Attributes).toBeUndefined();
    expect((await failure(client.send(new PutItemCommand({ TableName: TABLE, Item: key('p', 's'), ReturnValues: 'ALL_NEW' })))).name).toBe('ValidationException');
    expect((await failure(client.send(new DeleteItemCommand({ TableName: TABLE, Key: key('p', 's'), ReturnValues: 'UPDATED_OLD' })))).name).toBe('ValidationException');
    const deleted = await client.send(new DeleteItemCommand({ TableName: TABLE, Key: key('p', 's'), ReturnValues: 'ALL_OLD' }));
    expect(deleted.Attributes).toEqual({ ...key('p', 's'), v: N(2) });
  });
});

describe('over real HTTP (as the bundled handler reaches the fakes)', () => {
  test('a DynamoDBClient with an endpoint URL: items, a failed condition with its item, a transaction cancellation', async () => {
    const fake = new FakeDynamoDB();
    fake.createTable(TABLE, FENCE_TABLE);
    const bridge = await serveOverHttp((request) => fake.handle(request));
    try {
      const client = new DynamoDBClient({ region: 'us-east-1', endpoint: bridge.url, credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' }, maxAttempts: 1 });
      await client.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('p', 's'), n: N(1) }, ConditionExpression: 'attribute_not_exists(pk)' }));
      const again = await failure(client.send(new PutItemCommand({ TableName: TABLE, Item: key('p', 's'), ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' })));
      expect([again.name, again.Item]).toEqual(['ConditionalCheckFailedException', { ...key('p', 's'), n: N(1) }]);
      const cancelled = await failure(client.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: TABLE, Item: key('p', 's'), ConditionExpression: 'attribute_not_exists(pk)' } }] })));
      expect(cancelled.CancellationReasons).toEqual([{ Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' }]);
      expect((await client.send(new GetItemCommand({ TableName: TABLE, Key: key('p', 's'), ConsistentRead: true }))).Item?.n).toEqual(N(1));
      expect(bridge.errors).toEqual([]);
      expect(bridge.received.map((r) => r.headers['x-amz-target'])).toEqual(['PutItem', 'PutItem', 'TransactWriteItems', 'GetItem'].map((o) => `DynamoDB_20120810.${o}`));
    } finally {
      await bridge.close();
    }
  });
});

describe('keys', () => {
  test('a Key must be exactly the key schema, of its types', async () => {
    const { client } = fence();
    const keys: Json[] = [{ pk: S('p') }, { ...key('p', 's'), extra: S('x') }, { pk: S('p'), sk: N(1) }];
    for (const Key of keys) {
      const error = await failure(client.send(new GetItemCommand({ TableName: TABLE, Key })));
      expect([error.name, error.message]).toEqual(['ValidationException', 'The provided key element does not match the schema']);
    }
    await client.send(new GetItemCommand({ TableName: TABLE, Key: key('p', 's') }));
  });

  test('an item to write has every key attribute, of its type', async () => {
    const { client } = fence();
    expect((await failure(client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: S('p') } })))).message).toMatch(/Missing the key sk/);
    expect((await failure(client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: S('p'), sk: N(1) } })))).message).toMatch(/Type mismatch for key sk expected: S actual: N/);
  });

  test('key Strings are not empty (PutItem API reference), partition keys at most 2048 bytes and sort keys 1024 (Constraints)', async () => {
    const { client } = fence();
    expect((await failure(client.send(new PutItemCommand({ TableName: TABLE, Item: key('', 's') })))).message).toMatch(/cannot contain an empty string value. Key: pk/);
    await client.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('é'.repeat(1024), 'x'.repeat(1024)) } }));
    expect((await failure(client.send(new PutItemCommand({ TableName: TABLE, Item: key('x'.repeat(2049), 's') })))).message).toMatch(/hashkey has exceeded the maximum size limit of 2048 bytes/);
    expect((await failure(client.send(new PutItemCommand({ TableName: TABLE, Item: key('p', 'x'.repeat(1025)) })))).message).toMatch(/rangekey has exceeded the maximum size limit of 1024 bytes/);
  });
});

describe('the item size limit (documented: 400 KB, developer guide Constraints and CapacityUnitCalculations)', () => {
  const sized = (bytes: number) => {
    const base = { ...key('p', 's'), d: S('') };
    return { ...base, d: S('x'.repeat(bytes - itemSize(base as any))) };
  };

  test('an item of exactly 400 KB is stored, one byte more is refused', async () => {
    const { client } = fence();
    expect(itemSize(sized(LIMITS.itemBytes) as any)).toBe(400 * 1024);
    await client.send(new PutItemCommand({ TableName: TABLE, Item: sized(LIMITS.itemBytes) }));
    const error = await failure(client.send(new PutItemCommand({ TableName: TABLE, Item: sized(LIMITS.itemBytes + 1) })));
    expect([error.name, error.message]).toEqual(['ValidationException', expect.stringMatching(/Item size has exceeded the maximum allowed size/)]);
  });

  test('an update that grows the item past 400 KB is refused and writes nothing', async () => {
    const { fake, client } = fence();
    await client.send(new PutItemCommand({ TableName: TABLE, Item: sized(LIMITS.itemBytes - 10) }));
    const error = await failure(client.send(new UpdateItemCommand({ TableName: TABLE, Key: key('p', 's'), UpdateExpression: 'SET more = :m', ExpressionAttributeValues: { ':m': S('x'.repeat(20)) } })));
    expect(error.message).toMatch(/Item size to update has exceeded the maximum allowed size/);
    expect(fake.table(TABLE)[0].more).toBeUndefined();
  });

  test('sizes are counted as the developer guide counts them', () => {
    expect(itemSize({ ab: S('é') })).toBe(2 + 2);
    expect(itemSize({ n: N('12345') })).toBe(1 + 3 + 1);
    expect(itemSize({ t: { BOOL: true }, z: { NULL: true } })).toBe(2 + 2);
    expect(itemSize({ l: { L: [S('ab'), N(1)] } })).toBe(1 + 3 + (1 + 2) + (1 + 2));
    expect(itemSize({ m: { M: { k: S('v') } } })).toBe(1 + 3 + (1 + 1 + 1));
    expect(itemSize({ s: { SS: ['a', 'bc'] } })).toBe(1 + 3);
  });
});

describe('AttributeValues (a union in the SDK schema; Numbers and sets per the developer guide)', () => {
  test('exactly one type per AttributeValue', async () => {
    const { fake } = fence();
    const two = await raw(fake, 'PutItem', { TableName: TABLE, Item: { ...key('p', 's'), v: { S: 'a', N: '1' } } });
    expect([two.status, errorType(two.body), two.body.message]).toEqual([400, 'ValidationException', expect.stringMatching(/more than one datatypes/)]);
    const none = await raw(fake, 'PutItem', { TableName: TABLE, Item: { ...key('p', 's'), v: {} } });
    expect(none.body.message).toMatch(/AttributeValue is empty/);
    const ok = await raw(fake, 'PutItem', { TableName: TABLE, Item: { ...key('p', 's'), v: { S: 'a' } } });
    expect(ok.status).toBe(200);
  });

  test('NULL is true', async () => {
    const { client } = fence();
    expect((await failure(client.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('p', 's'), v: { NULL: false } } })))).message).toMatch(/Null attribute value types must have the value of true/);
  });

  test('Numbers: exact, canonical, at most 38 significant digits, within 1E-130..9.99E+125', async () => {
    const { client } = fence();
    const put = (n: string) => client.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('p', n), v: N(n) } }));
    await put('1.50');
    await put('-0.000');
    await put('1'.repeat(38));
    await put('1E-130');
    await put('9.9999999999999999999999999999999999999E+125');
    const stored = await client.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('p') } }));
    expect(stored.Items!.map((i) => i.v.N).sort()).toEqual(['-0', '0', '1.5', '1'.repeat(38), `0.${'0'.repeat(129)}1`, `99999999999999999999999999999999999999${'0'.repeat(88)}`].filter((n) => n !== '-0').sort());
    expect((await failure(put('1'.repeat(39)))).message).toMatch(/more than 38 significant digits/);
    expect((await failure(put('1E+126'))).message).toMatch(/Number overflow/);
    expect((await failure(put('1E-131'))).message).toMatch(/Number underflow/);
    expect((await failure(put('12abc'))).message).toMatch(/cannot be converted to a numeric value/);
  });

  test('sets are not empty and hold no duplicates (Numbers compared as numbers)', async () => {
    const { client } = fence();
    const put = (v: Json) => client.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('p', 's'), v: v as any } }));
    expect((await failure(put({ SS: [] }))).message).toMatch(/may not be empty/);
    expect((await failure(put({ SS: ['a', 'a'] }))).message).toMatch(/contains duplicates/);
    expect((await failure(put({ NS: ['1', '1.0'] }))).message).toMatch(/contains duplicates/);
    await put({ NS: ['1', '2'] });
  });
});

describe('ConditionExpression (Expressions.OperatorsAndFunctions)', () => {
  let client: DynamoDBClient;
  beforeAll(async () => {
    client = (await withItem()).client;
  });

  test('comparators on Numbers compare numerically, on Strings by UTF-8 bytes', async () => {
    expect(await holds(client, 'n > :v', { ':v': N(9) })).toBe(true); // "10" < "9" as strings
    expect(await holds(client, 'n = :v', { ':v': N('10.0') })).toBe(true);
    expect(await holds(client, 'n <> :v', { ':v': N(10) })).toBe(false);
    expect(await holds(client, 'n < :v', { ':v': N(10) })).toBe(false);
    expect(await holds(client, 'n <= :v', { ':v': N(10) })).toBe(true);
    expect(await holds(client, 'n >= :v', { ':v': N(11) })).toBe(false);
    expect(await holds(client, 's > :v', { ':v': S('ABC') })).toBe(true); // 'a' (0x61) > 'A' (0x41)
    expect(await holds(client, 's < :v', { ':v': S('abd') })).toBe(true);
  });

  test('values of different types are never equal nor ordered; <> holds for them and for a missing attribute', async () => {
    expect(await holds(client, 'n = :v', { ':v': S('10') })).toBe(false);
    expect(await holds(client, 'n < :v', { ':v': S('99') })).toBe(false);
    expect(await holds(client, 'n > :v', { ':v': S('0') })).toBe(false);
    expect(await holds(client, 'ns = :v', { ':v': N(1) })).toBe(false);
    expect(await holds(client, 'n <> :v', { ':v': S('10') })).toBe(true);
    expect(await holds(client, 'absent = :v', { ':v': N(1) })).toBe(false);
    expect(await holds(client, 'absent <> :v', { ':v': N(1) })).toBe(true);
    expect(await holds(client, 'absent < :v', { ':v': N(1) })).toBe(false);
  });

  test('sets, lists and maps compare as values', async () => {
    expect(await holds(client, 'ss = :v', { ':v': { SS: ['b', 'a'] } })).toBe(true);
    expect(await holds(client, 'list = :v', { ':v': { L: [S('x'), N(1)] } })).toBe(true);
    expect(await holds(client, 'list = :v', { ':v': { L: [N(1), S('x')] } })).toBe(false);
    expect(await holds(client, '#m = :v', { ':v': { M: { inner: S('v') } } }, { '#m': 'map' })).toBe(true);
  });

  test('attribute_exists, attribute_not_exists, attribute_type', async () => {
    expect(await holds(client, 'attribute_exists(n)')).toBe(true);
    expect(await holds(client, 'attribute_exists(absent)')).toBe(false);
    expect(await holds(client, 'attribute_not_exists(absent)')).toBe(true);
    expect(await holds(client, 'attribute_exists(nothing)')).toBe(true); // NULL is an attribute
    expect(await holds(client, 'attribute_type(ns, :t)', { ':t': S('NS') })).toBe(true);
    expect(await holds(client, 'attribute_type(ns, :t)', { ':t': S('SS') })).toBe(false);
    expect((await failure(holds(client, 'attribute_type(ns, :t)', { ':t': S('SET') }))).message).toMatch(/Invalid attribute type name/);
  });

  test('begins_with and contains', async () => {
    expect(await holds(client, 'begins_with(s, :v)', { ':v': S('ab') })).toBe(true);
    expect(await holds(client, 'begins_with(s, :v)', { ':v': S('b') })).toBe(false);
    expect(await holds(client, 'begins_with(b, :v)', { ':v': { B: Buffer.from('he') } })).toBe(true);
    expect(await holds(client, 'begins_with(n, :v)', { ':v': S('1') })).toBe(false);
    expect((await failure(holds(client, 'begins_with(s, :v)', { ':v': N(1) }))).message).toMatch(/Incorrect operand type.*begins_with/);
    expect(await holds(client, 'contains(s, :v)', { ':v': S('bc') })).toBe(true);
    expect(await holds(client, 'contains(ss, :v)', { ':v': S('b') })).toBe(true);
    expect(await holds(client, 'contains(ns, :v)', { ':v': N('2.0') })).toBe(true);
    expect(await holds(client, 'contains(ns, :v)', { ':v': S('2') })).toBe(false);
    expect(await holds(client, 'contains(list, :v)', { ':v': N(1) })).toBe(true);
    expect(await holds(client, 'contains(b, :v)', { ':v': { B: Buffer.from('ll') } })).toBe(true);
    expect((await failure(holds(client, 'contains(ss, :v)', { ':v': { SS: ['a'] } }))).message).toMatch(/Incorrect operand type.*contains/);
  });

  test('size: String bytes, Binary bytes, set members, list and map elements', async () => {
    expect(await holds(client, 'size(s) = :v', { ':v': N(3) })).toBe(true);
    expect(await holds(client, 'size(b) = :v', { ':v': N(5) })).toBe(true);
    expect(await holds(client, 'size(ss) = :v', { ':v': N(2) })).toBe(true);
    expect(await holds(client, 'size(list) > :v', { ':v': N(1) })).toBe(true);
    expect(await holds(client, 'size(#m) = :v', { ':v': N(1) }, { '#m': 'map' })).toBe(true);
    expect(await holds(client, 'size(absent) >= :v', { ':v': N(0) })).toBe(false);
    expect((await failure(holds(client, 'size(:v) = :v', { ':v': N(1) }))).message).toMatch(/Incorrect operand type.*size/);
  });

  test('BETWEEN and IN', async () => {
    expect(await holds(client, 'n BETWEEN :a AND :b', { ':a': N(10), ':b': N(20) })).toBe(true);
    expect(await holds(client, 'n BETWEEN :a AND :b', { ':a': N(11), ':b': N(20) })).toBe(false);
    expect(await holds(client, 'n BETWEEN :a AND :b', { ':a': S('1'), ':b': S('2') })).toBe(false);
    expect((await failure(holds(client, 'n BETWEEN :a AND :b', { ':a': N(20), ':b': N(10) }))).message).toMatch(/upper bound to be greater than or equal to lower bound/);
    expect(await holds(client, 's IN (:a, :b)', { ':a': S('x'), ':b': S('abc') })).toBe(true);
    expect(await holds(client, 's IN (:a)', { ':a': S('x') })).toBe(false);
    const values = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`:v${i}`, N(i)]));
    const list = Object.keys(values).join(', ');
    expect((await failure(holds(client, `n IN (${list})`, values))).message).toMatch(/too many operands/);
    const hundred = Object.fromEntries(Object.entries(values).slice(0, 100));
    expect(await holds(client, `n IN (${Object.keys(hundred).join(', ')})`, hundred)).toBe(true);
  });

  test('AND, OR, NOT and parentheses, with NOT > AND > OR; keywords in any case', async () => {
    const t = { ':t': N(10) };
    const f = { ':f': N(0) };
    expect(await holds(client, 'n = :t OR n = :f AND n = :f', { ...t, ...f })).toBe(true); // OR (AND)
    expect(await holds(client, '(n = :t OR n = :f) AND n = :f', { ...t, ...f })).toBe(false);
    expect(await holds(client, 'NOT n = :f AND n = :t', { ...t, ...f })).toBe(true); // (NOT) AND
    expect(await holds(client, 'NOT (n = :t AND n = :f)', { ...t, ...f })).toBe(true);
    expect(await holds(client, 'not n = :t or n = :t and attribute_exists(s)', t)).toBe(true);
  });

  test('function names are case-sensitive; a syntax error is a ValidationException', async () => {
    expect((await failure(holds(client, 'ATTRIBUTE_EXISTS(n)'))).message).toMatch(/Invalid function name; function: ATTRIBUTE_EXISTS/);
    expect((await failure(holds(client, 'frobnicate(n)'))).message).toMatch(/Invalid function name/);
    for (const bad of ['n =', 'n = :v AND', '(n = :v', 'n = :v n', 'n', '1 = :v']) {
      const error = await failure(holds(client, bad, { ':v': N(1) }));
      expect([bad, error.name, error.message]).toEqual([bad, 'ValidationException', expect.stringMatching(/Syntax error/)]);
    }
  });

  test('a failed condition is ConditionalCheckFailedException, with the item only under ReturnValuesOnConditionCheckFailure ALL_OLD', async () => {
    const base = { TableName: TABLE, Item: key('p', 's'), ConditionExpression: 'attribute_not_exists(pk)' };
    const bare = await failure(client.send(new PutItemCommand(base)));
    expect([bare.name, bare.message, bare.Item, bare.$metadata.httpStatusCode]).toEqual(['ConditionalCheckFailedException', 'The conditional request failed', undefined, 400]);
    const withItem_ = await failure(client.send(new PutItemCommand({ ...base, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' })));
    expect(withItem_.Item.n).toEqual(N(10));
    const absent = await failure(client.send(new DeleteItemCommand({ TableName: TABLE, Key: key('p', 'none'), ConditionExpression: 'attribute_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' })));
    expect([absent.name, absent.Item]).toEqual(['ConditionalCheckFailedException', undefined]);
  });

  test('nested document paths are refused loudly', async () => {
    const { fake, client: other } = await withItem();
    const error = await failure(holds(other, '#m.inner = :v', { ':v': S('v') }, { '#m': 'map' }));
    expect(error.name).toBe('UnsupportedOperationException');
    expect(fake.refused).toEqual([{ operation: 'UpdateItem', reason: expect.stringMatching(/nested document paths/) }]);
    await failure(holds(other, 'list[0] = :v', { ':v': S('x') }));
    expect(fake.refused).toHaveLength(2);
  });

  test('an expression is at most 4 KB (Constraints)', async () => {
    const names = { '#a': 'n' };
    const fits = `#a = :v${' '.repeat(LIMITS.expressionBytes - 7)}`;
    expect(await holds(client, fits, { ':v': N(10) }, names)).toBe(true);
    expect((await failure(holds(client, `${fits} `, { ':v': N(10) }, names))).message).toMatch(/more than the 4096 bytes allowed/);
  });
});

describe('placeholders', () => {
  test('an undefined #name or :value is a ValidationException', async () => {
    const { client } = await withItem();
    expect((await failure(holds(client, '#x = :v', { ':v': N(1) }))).message).toMatch(/attribute name used in the document path is not defined; attribute name: #x/);
    expect((await failure(holds(client, 'n = :x', undefined))).message).toMatch(/attribute value used in expression is not defined; attribute value: :x/);
  });

  test('a defined #name or :value no expression uses is a ValidationException, as are placeholders without expressions and empty maps', async () => {
    const { client } = await withItem();
    expect((await failure(holds(client, 'n = :v', { ':v': N(10), ':unused': N(1) }))).message).toBe('Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}');
    expect((await failure(holds(client, 'n = :v', { ':v': N(10) }, { '#unused': 'n' }))).message).toBe('Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}');
    expect((await failure(client.send(new GetItemCommand({ TableName: TABLE, Key: key('p', 's'), ExpressionAttributeNames: { '#a': 'n' } })))).message).toMatch(/can only be specified when using expressions/);
    expect((await failure(holds(client, 'n = n', {}))).message).toBe('ExpressionAttributeValues must not be empty');
    expect(await holds(client, 'n = :v', { ':v': N(10) })).toBe(true);
  });

  test('placeholder values are validated like any AttributeValue', async () => {
    const { client } = await withItem();
    expect((await failure(holds(client, 'n = :v', { ':v': { N: 'ten' } }))).message).toMatch(/cannot be converted to a numeric value/);
  });

  test("bareAttributeNames: 'refuse' makes every bare name a refusal, so #name-only code can prove it", async () => {
    const { fake, client } = await withItem({ bareAttributeNames: 'refuse' });
    expect(await holds(client, '#n = :v', { ':v': N(10) }, { '#n': 'n' })).toBe(true);
    expect((await failure(holds(client, 'n = :v', { ':v': N(10) }))).name).toBe('UnsupportedOperationException');
    expect(fake.refused[0].reason).toMatch(/bare attribute name "n"/);
  });
});

describe('UpdateExpression (Expressions.UpdateExpressions)', () => {
  const update = async (expression: string, values?: Json, extra: Partial<UpdateItemCommandInput> = {}) => {
    const { fake, client } = await withItem();
    const output = await client.send(new UpdateItemCommand({ TableName: TABLE, Key: key('p', 's'), UpdateExpression: expression, ExpressionAttributeValues: values, ...extra }));
    return { item: fake.table(TABLE)[0], output, fake, client };
  };

  test('SET values, sums and differences, if_not_exists, list_append', async () => {
    const { item } = await update('SET a = :v, n = n + :one, m2 = n - :one, c = if_not_exists(c, :v), s = if_not_exists(s, :v), list = list_append(list, :l), l2 = list_append(:l, list)', {
      ':v': S('new'), ':one': N('0.5'), ':l': { L: [S('y')] },
    });
    expect(item).toMatchObject({ a: S('new'), n: N('10.5'), m2: N('9.5'), c: S('new'), s: S('abc'), list: { L: [S('x'), N(1), S('y')] }, l2: { L: [S('y'), S('x'), N(1)] } });
  });

  test('every operand reads the item as it was before the update', async () => {
    const { item } = await update('SET n = :v, copy = n', { ':v': N(1) });
    expect([item.n, item.copy]).toEqual([N(1), N(10)]);
  });

  test('Number arithmetic is exact', async () => {
    const { item } = await update('SET f = :a + :b', { ':a': N('0.1'), ':b': N('0.2') });
    expect(item.f).toEqual(N('0.3'));
  });

  test('REMOVE, ADD to numbers (from 0 when absent) and sets, DELETE from sets (the attribute goes when empty)', async () => {
    const { item } = await update('REMOVE s, yes ADD n :five, counter :five, ss :more, fresh :more DELETE ns :gone, bs :allb', {
      ':five': N(5), ':more': { SS: ['b', 'c'] }, ':gone': { NS: ['1'] }, ':allb': { BS: [Buffer.from('z')] },
    });
    expect(item.s).toBeUndefined();
    expect(item.yes).toBeUndefined();
    expect([item.n, item.counter]).toEqual([N(15), N(5)]);
    expect(item.ss).toEqual({ SS: ['a', 'b', 'c'] });
    expect(item.fresh).toEqual({ SS: ['b', 'c'] });
    expect(item.ns).toEqual({ NS: ['2'] });
    expect(item.bs).toBeUndefined();
  });

  test('operands of the wrong type are ValidationExceptions', async () => {
    const cases: Array<[string, Json]> = [
      ['SET s = s + :v', { ':v': N(1) }],
      ['SET x = list_append(s, :l)', { ':l': { L: [] } }],
      ['ADD s :v', { ':v': N(1) }],
      ['ADD ss :v', { ':v': { NS: ['1'] } }],
      ['DELETE ss :v', { ':v': { NS: ['1'] } }],
    ];
    for (const [expression, values] of cases) {
      const error = await failure(update(expression, values));
      expect([expression, error.name, error.message]).toEqual([expression, 'ValidationException', 'An operand in the update expression has an incorrect data type']);
    }
    expect((await failure(update('ADD n :v', { ':v': S('x') }))).message).toMatch(/Incorrect operand type for operator or function; operator: ADD, operand type: S/);
    expect((await failure(update('DELETE ss :v', { ':v': S('a') }))).message).toMatch(/operator: DELETE, operand type: S/);
  });

  test('SET from an attribute the item does not have is a ValidationException (the API model quotes the message)', async () => {
    expect((await failure(update('SET x = absent + :v', { ':v': N(1) }))).message).toBe('The provided expression refers to an attribute that does not exist in the item');
  });

  test('each clause once, no path twice, no key attribute', async () => {
    expect((await failure(update('SET a = :v SET b = :v', { ':v': N(1) }))).message).toMatch(/"SET" section can only be used once/);
    expect((await failure(update('SET a = :v REMOVE a', { ':v': N(1) }))).message).toMatch(/Two document paths overlap/);
    expect((await failure(update('SET sk = :v', { ':v': S('x') }))).message).toMatch(/Cannot update attribute sk. This attribute is part of the key/);
    expect((await failure(update('SET a = :v,', { ':v': N(1) }))).message).toMatch(/Syntax error/);
    expect((await failure(update('PUT a = :v', { ':v': N(1) }))).message).toMatch(/Syntax error/);
    expect((await failure(update('SET a = frob(:v)', { ':v': N(1) }))).message).toMatch(/Invalid function name; function: frob/);
  });

  test('UpdateItem makes the item when it does not exist', async () => {
    const { fake, client } = fence();
    await client.send(new UpdateItemCommand({ TableName: TABLE, Key: key('new', 'item'), UpdateExpression: 'ADD hits :one', ExpressionAttributeValues: { ':one': N(1) } }));
    expect(fake.table(TABLE)).toEqual([{ ...key('new', 'item'), hits: N(1) }]);
  });

  test('ReturnValues NONE, ALL_OLD, ALL_NEW, UPDATED_OLD, UPDATED_NEW', async () => {
    const expression = 'SET n = :v, added = :v REMOVE s';
    const values = { ':v': N(1) };
    expect((await update(expression, values, { ReturnValues: 'NONE' })).output.Attributes).toBeUndefined();
    expect((await update(expression, values, { ReturnValues: 'ALL_OLD' })).output.Attributes).toMatchObject({ n: N(10), s: S('abc'), ss: ITEM.ss });
    const allNew = (await update(expression, values, { ReturnValues: 'ALL_NEW' })).output.Attributes!;
    expect([allNew.n, allNew.added, allNew.s, allNew.pk]).toEqual([N(1), N(1), undefined, S('p')]);
    expect((await update(expression, values, { ReturnValues: 'UPDATED_OLD' })).output.Attributes).toEqual({ n: N(10), s: S('abc') });
    expect((await update(expression, values, { ReturnValues: 'UPDATED_NEW' })).output.Attributes).toEqual({ n: N(1), added: N(1) });
  });

  test('a failed condition leaves the item as it was', async () => {
    const { fake, client } = await withItem();
    await failure(client.send(new UpdateItemCommand({ TableName: TABLE, Key: key('p', 's'), UpdateExpression: 'SET n = :v', ConditionExpression: 'n = :v', ExpressionAttributeValues: { ':v': N(1) } })));
    expect(fake.table(TABLE)[0].n).toEqual(N(10));
  });
});

describe('Query', () => {
  const seeded = async (sortKeys: string[], options: FakeDynamoDBOptions = {}) => {
    const setup = fence(options);
    for (const sk of sortKeys) {
      await setup.client.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('p', sk), v: S(sk) } }));
    }
    await setup.client.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('other', 'a') } }));
    return setup;
  };
  const sks = (items?: Json[]) => (items ?? []).map((i) => i.sk.S);
  const query = (client: DynamoDBClient, condition: string, values: Json, extra: Partial<QueryCommandInput> = {}) =>
    client.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: condition, ExpressionAttributeValues: values, ...extra }));

  test('the partition, ordered by sort key in UTF-8 byte order, forwards and backwards', async () => {
    const { client } = await seeded(['b', 'a', 'B', 'é', 'aa']);
    expect(sks((await query(client, 'pk = :p', { ':p': S('p') })).Items)).toEqual(['B', 'a', 'aa', 'b', 'é']);
    expect(sks((await query(client, 'pk = :p', { ':p': S('p') }, { ScanIndexForward: false })).Items)).toEqual(['é', 'b', 'aa', 'a', 'B']);
  });

  test('sort key conditions =, <, <=, >, >=, BETWEEN, begins_with (in either order of the two conditions)', async () => {
    const { client } = await seeded(['a', 'ab', 'b', 'c']);
    const cases: Array<[string, Json, string[]]> = [
      ['pk = :p AND sk = :s', { ':s': S('b') }, ['b']],
      ['pk = :p AND sk < :s', { ':s': S('b') }, ['a', 'ab']],
      ['pk = :p AND sk <= :s', { ':s': S('b') }, ['a', 'ab', 'b']],
      ['pk = :p AND sk > :s', { ':s': S('ab') }, ['b', 'c']],
      ['pk = :p AND sk >= :s', { ':s': S('ab') }, ['ab', 'b', 'c']],
      ['pk = :p AND sk BETWEEN :s AND :t', { ':s': S('ab'), ':t': S('b') }, ['ab', 'b']],
      ['pk = :p AND begins_with(sk, :s)', { ':s': S('a') }, ['a', 'ab']],
      ['begins_with(sk, :s) AND pk = :p', { ':s': S('a') }, ['a', 'ab']],
      ['#k = :p and #r > :s', { ':s': S('b') }, ['c']],
    ];
    for (const [condition, values, expected] of cases) {
      const names = condition.includes('#') ? { '#k': 'pk', '#r': 'sk' } : undefined;
      expect([condition, sks((await query(client, condition, { ':p': S('p'), ...values }, { ExpressionAttributeNames: names })).Items)]).toEqual([condition, expected]);
    }
  });

  test('a Number sort key orders numerically', async () => {
    const fake = new FakeDynamoDB();
    fake.createTable('numbers', { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'n', KeyType: 'RANGE' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'n', AttributeType: 'N' }] });
    const client = fake.client();
    for (const n of ['10', '9', '-1', '100']) {
      await client.send(new PutItemCommand({ TableName: 'numbers', Item: { pk: S('p'), n: N(n) } }));
    }
    const { Items } = await client.send(new QueryCommand({ TableName: 'numbers', KeyConditionExpression: 'pk = :p AND n > :z', ExpressionAttributeValues: { ':p': S('p'), ':z': N(0) } }));
    expect(Items!.map((i) => i.n.N)).toEqual(['9', '10', '100']);
    const error = await failure(client.send(new QueryCommand({ TableName: 'numbers', KeyConditionExpression: 'pk = :p AND begins_with(n, :z)', ExpressionAttributeValues: { ':p': S('p'), ':z': N(1) } })));
    expect(error.message).toMatch(/begins_with, operand type: N/);
  });

  test('Limit pages with LastEvaluatedKey and ExclusiveStartKey; a page that stops at its Limit has a key even when nothing follows', async () => {
    const { client } = await seeded(['a', 'b', 'c', 'd']);
    const pages: string[][] = [];
    let start: Json | undefined;
    let keys = 0;
    do {
      const page = await query(client, 'pk = :p', { ':p': S('p') }, { Limit: 2, ExclusiveStartKey: start });
      pages.push(sks(page.Items));
      start = page.LastEvaluatedKey;
      keys += start ? 1 : 0;
    } while (start);
    expect(pages).toEqual([['a', 'b'], ['c', 'd'], []]);
    expect(keys).toBe(2);
    const backwards = await query(client, 'pk = :p', { ':p': S('p') }, { Limit: 3, ScanIndexForward: false });
    expect(backwards.LastEvaluatedKey).toEqual(key('p', 'b'));
    const rest = await query(client, 'pk = :p', { ':p': S('p') }, { ScanIndexForward: false, ExclusiveStartKey: backwards.LastEvaluatedKey });
    expect([sks(rest.Items), rest.LastEvaluatedKey]).toEqual([['a'], undefined]);
  });

  test('a page stops past 1 MB even without Limit (Query Limit API reference)', async () => {
    const { client } = fence();
    const big = 'x'.repeat(300 * 1024);
    for (const sk of ['a', 'b', 'c', 'd', 'e']) {
      await client.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('p', sk), big: S(big) } }));
    }
    const first = await query(client, 'pk = :p', { ':p': S('p') });
    expect([sks(first.Items), first.LastEvaluatedKey]).toEqual([['a', 'b', 'c', 'd'], key('p', 'd')]);
    const second = await query(client, 'pk = :p', { ':p': S('p') }, { ExclusiveStartKey: first.LastEvaluatedKey });
    expect([sks(second.Items), second.LastEvaluatedKey]).toEqual([['e'], undefined]);
  });

  test('FilterExpression applies after Limit (Count and ScannedCount) and may not name key attributes; Select COUNT', async () => {
    const { client } = await seeded(['a', 'b', 'c']);
    const filtered = await query(client, 'pk = :p', { ':p': S('p'), ':v': S('b') }, { FilterExpression: 'v <> :v', Limit: 2 });
    expect([sks(filtered.Items), filtered.Count, filtered.ScannedCount]).toEqual([['a'], 1, 2]);
    expect((await failure(query(client, 'pk = :p', { ':p': S('p'), ':v': S('b') }, { FilterExpression: 'sk = :v' }))).message).toMatch(/can only contain non-primary key attributes: Primary key attribute: sk/);
    const counted = await query(client, 'pk = :p', { ':p': S('p') }, { Select: 'COUNT' });
    expect([counted.Items, counted.Count]).toEqual([undefined, 3]);
    const projected = await query(client, 'pk = :p', { ':p': S('p') }, { ProjectionExpression: 'v', Limit: 1 });
    expect(projected.Items).toEqual([{ v: S('a') }]);
  });

  test('key conditions outside the documented forms are ValidationExceptions', async () => {
    const { client } = await seeded(['a']);
    const cases: Array<[string, Json, RegExp]> = [
      ['sk = :s', { ':s': S('a') }, /missed key schema element: pk/],
      ['pk = :p OR sk = :s', { ':p': S('p'), ':s': S('a') }, /Invalid operator used in KeyConditionExpression: OR/],
      ['pk = :p AND v = :s', { ':p': S('p'), ':s': S('a') }, /v is not a key attribute/],
      ['pk > :p', { ':p': S('p') }, /partition key pk takes = only/],
      ['pk = :p AND sk = :s AND sk = :s', { ':p': S('p'), ':s': S('a') }, /one condition per key/],
      ['pk = :p', { ':p': N(1) }, /Condition parameter type does not match schema type/],
      ['pk = :p AND sk <> :s', { ':p': S('p'), ':s': S('a') }, /Unsupported operator/],
      ['pk = :p AND attribute_exists(sk)', { ':p': S('p') }, /Invalid operator used in KeyConditionExpression: attribute_exists/],
    ];
    for (const [condition, values, message] of cases) {
      const error = await failure(query(client, condition, values));
      expect([condition, error.name, error.message]).toEqual([condition, 'ValidationException', expect.stringMatching(message)]);
    }
    expect((await failure(client.send(new QueryCommand({ TableName: TABLE })))).message).toMatch(/KeyConditionExpression parameter must be specified/);
    expect((await failure(query(client, 'pk = :p', { ':p': S('p') }, { IndexName: 'byOwner' }))).message).toMatch(/does not have the specified index/);
    expect((await failure(query(client, 'pk = :p', { ':p': S('p') }, { ExclusiveStartKey: { pk: S('p') } }))).message).toMatch(/starting key is invalid/);
    expect((await failure(query(client, 'pk = :p', { ':p': S('p') }, { ExclusiveStartKey: key('other', 'a') }))).message).toMatch(/starting key is invalid/);
  });
});

describe('read consistency', () => {
  test('by default every read is strongly consistent, with or without ConsistentRead', async () => {
    const { client } = await withItem();
    await client.send(new UpdateItemCommand({ TableName: TABLE, Key: key('p', 's'), UpdateExpression: 'SET n = :v', ExpressionAttributeValues: { ':v': N(11) } }));
    expect((await client.send(new GetItemCommand({ TableName: TABLE, Key: key('p', 's') }))).Item?.n).toEqual(N(11));
  });

  test('staleReads: a read without ConsistentRead sees the item before its latest write until settle()', async () => {
    const { fake, client } = fence({ staleReads: true });
    const get = (ConsistentRead?: boolean) => client.send(new GetItemCommand({ TableName: TABLE, Key: key('p', 's'), ConsistentRead })).then((o) => o.Item?.v);
    await client.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('p', 's'), v: N(1) } }));
    expect([await get(), await get(true)]).toEqual([undefined, N(1)]);
    await client.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('p', 's'), v: N(2) } }));
    expect([await get(), await get(true)]).toEqual([N(1), N(2)]);
    const eventual = await client.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('p') } }));
    expect(eventual.Items!.map((i) => i.v)).toEqual([N(1)]);
    fake.settle();
    expect(await get()).toEqual(N(2));
  });
});

describe('TransactWriteItems', () => {
  const put = (sk: string, condition?: string) => ({ Put: { TableName: TABLE, Item: { ...key('t', sk), v: N(1) }, ConditionExpression: condition } });

  test('all actions apply together: Put, Update, Delete, ConditionCheck', async () => {
    const { fake, client } = await withItem();
    await client.send(new TransactWriteItemsCommand({
      TransactItems: [
        put('a', 'attribute_not_exists(pk)'),
        { Update: { TableName: TABLE, Key: key('p', 's'), UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': N(1) } } },
        { ConditionCheck: { TableName: TABLE, Key: key('p', 'check'), ConditionExpression: 'attribute_not_exists(pk)' } },
        { Delete: { TableName: TABLE, Key: key('p', 'missing') } },
      ],
    }));
    expect(fake.table(TABLE).map((i) => [i.pk.S, i.sk.S, i.n ?? i.v])).toEqual([['p', 's', N(11)], ['t', 'a', N(1)]]);
  });

  test('a failed condition cancels everything, with one reason per action in order', async () => {
    const { fake, client } = await withItem();
    const error = await failure(client.send(new TransactWriteItemsCommand({
      TransactItems: [put('a'), { ConditionCheck: { TableName: TABLE, Key: key('p', 's'), ConditionExpression: 'n = :v', ExpressionAttributeValues: { ':v': N(0) }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } }],
    })));
    expect(error.name).toBe('TransactionCanceledException');
    expect(error.message).toMatch(/\[None, ConditionalCheckFailed\]/);
    expect(error.CancellationReasons).toEqual([{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', Item: expect.objectContaining({ n: N(10) }) }]);
    expect(fake.table(TABLE)).toHaveLength(1);
  });

  test('a data error of one action is a ValidationError reason; two actions on one item are a ValidationException', async () => {
    const { fake, client } = await withItem();
    const error = await failure(client.send(new TransactWriteItemsCommand({
      TransactItems: [put('a'), { Update: { TableName: TABLE, Key: key('p', 's'), UpdateExpression: 'SET s = s + :one', ExpressionAttributeValues: { ':one': N(1) } } }],
    })));
    expect(error.CancellationReasons).toEqual([{ Code: 'None' }, { Code: 'ValidationError', Message: 'An operand in the update expression has an incorrect data type' }]);
    const twice = await failure(client.send(new TransactWriteItemsCommand({ TransactItems: [put('a'), put('a')] })));
    expect([twice.name, twice.message]).toEqual(['ValidationException', 'Transaction request cannot include multiple operations on one item']);
    expect(fake.table(TABLE)).toHaveLength(1);
  });

  test('ClientRequestToken: a repeat within 10 minutes writes nothing more, another payload is IdempotentParameterMismatchException, later it is a new request', async () => {
    const clock = new VirtualClock();
    const { fake, client } = fence({ clock });
    const add = (by: number) => client.send(new TransactWriteItemsCommand({
      ClientRequestToken: 'token-1',
      TransactItems: [{ Update: { TableName: TABLE, Key: key('t', 'a'), UpdateExpression: 'ADD n :by', ExpressionAttributeValues: { ':by': N(by) } } }],
    }));
    await add(1);
    await add(1);
    expect(fake.table(TABLE)[0].n).toEqual(N(1));
    expect((await failure(add(2))).name).toBe('IdempotentParameterMismatchException');
    await clock.run(clock.sleep(LIMITS.idempotencyMs + 1));
    await add(2);
    expect(fake.table(TABLE)[0].n).toEqual(N(3));
  });
});

describe('the API model', () => {
  test('a request the model rejects is recorded and answered ValidationException', async () => {
    const { fake, client } = fence();
    const limit = await failure(client.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('p') }, Limit: 0 })));
    expect([limit.name, limit.message]).toEqual(['ValidationException', expect.stringMatching(/Query.Limit: 0 is outside 1..inf/)]);
    const returnValues = await raw(fake, 'PutItem', { TableName: TABLE, Item: key('p', 's'), ReturnValues: 'EVERYTHING' });
    expect(returnValues.body.message).toMatch(/is not one of NONE, ALL_OLD/);
    const unknown = await raw(fake, 'GetItem', { TableName: TABLE, Key: key('p', 's'), Consistent: true });
    expect(unknown.body.message).toMatch(/Consistent: not a member of GetItemInput/);
    const missing = await raw(fake, 'PutItem', { TableName: TABLE });
    expect(missing.body.message).toMatch(/PutItem.Item: required by PutItemInput, missing/);
    expect(fake.violations.map((v) => v.operation)).toEqual(['Query', 'PutItem', 'GetItem', 'PutItem']);
    expect(fake.table(TABLE)).toEqual([]);
  });

  test('CloudFormation-side calls are checked too (CreateTable)', () => {
    const fake = new FakeDynamoDB();
    expect(() => fake.createTable('t1', { ...FENCE_TABLE, KeySchema: [{ AttributeName: 'pk', KeyType: 'PRIMARY' as any }] })).toThrow(/KeyType: "PRIMARY" is not one of HASH, RANGE/);
    expect(() => fake.createTable('t2', { ...FENCE_TABLE, AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'BOOL' as any }, FENCE_TABLE.AttributeDefinitions[1]] })).toThrow(/AttributeType: "BOOL" is not one of S, N, B/);
    expect(fake.violations).toHaveLength(2);
    // The model sets no maximum on KeySchema; CreateTable's API reference allows one HASH and one RANGE element.
    const three = [...FENCE_TABLE.KeySchema, { AttributeName: 'x', KeyType: 'RANGE' as const }];
    expect(() => fake.createTable('t3', { ...FENCE_TABLE, KeySchema: three })).toThrow(/one HASH element, optionally followed by one RANGE element/);
  });

  test('an operation DynamoDB does not have is UnknownOperationException; one the fake does not implement is refused loudly', async () => {
    const { fake } = fence();
    expect(errorType((await raw(fake, 'GetThing', {})).body)).toBe('UnknownOperationException');
    const scan = await raw(fake, 'Scan', { TableName: TABLE });
    expect([errorType(scan.body), scan.body.message]).toEqual(['UnsupportedOperationException', 'The fake does not implement the operation Scan']);
    expect(fake.refused).toEqual([{ operation: 'Scan', reason: 'the operation Scan' }]);
  });

  test('legacy parameters and ReturnConsumedCapacity are refused loudly', async () => {
    const { fake, client } = fence();
    await failure(client.send(new PutItemCommand({ TableName: TABLE, Item: key('p', 's'), Expected: { pk: { Exists: false } } })));
    await failure(client.send(new GetItemCommand({ TableName: TABLE, Key: key('p', 's'), ReturnConsumedCapacity: 'TOTAL' })));
    expect(fake.refused.map((r) => r.reason)).toEqual(['the legacy parameter Expected (use expressions)', 'ReturnConsumedCapacity TOTAL']);
    await client.send(new GetItemCommand({ TableName: TABLE, Key: key('p', 's'), ReturnConsumedCapacity: 'NONE' }));
  });

  test('forms the fake does not implement are refused loudly, not guessed', async () => {
    const { fake, client } = await withItem();
    const values = { ':p': S('p') };
    await failure(client.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: ':p = pk', ExpressionAttributeValues: values })));
    await failure(client.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: values, Select: 'ALL_PROJECTED_ATTRIBUTES' })));
    await failure(client.send(new GetItemCommand({ TableName: 'arn:aws:dynamodb:us-east-1:210987654321:table/fence', Key: key('p', 's') })));
    expect(fake.refused.map((r) => r.reason)).toEqual([
      expect.stringMatching(/key conditions that do not start with the key attribute/),
      'Query with Select ALL_PROJECTED_ATTRIBUTES',
      expect.stringMatching(/tables of other Regions or accounts/),
    ]);
    const empty = await raw(fake, 'TransactWriteItems', { TransactItems: [{}] });
    expect(empty.body.message).toMatch(/must hold exactly one of Put, Update, Delete, ConditionCheck; got none/);
  });

  test('every error the fake answers is modelled for the operation or common; anything else is a fault of the fake', async () => {
    const { fake, client } = fence();
    expect(modelledErrors('PutItem')).toEqual(expect.arrayContaining(['ConditionalCheckFailedException', 'ProvisionedThroughputExceededException', 'ThrottlingException']));
    fake.failAfter('GetItem', 0, 'ConditionalCheckFailedException'); // GetItem has no conditions
    await expect(client.send(new GetItemCommand({ TableName: TABLE, Key: key('p', 's') }))).rejects.toThrow(/which the model does not list for it/);
  });
});

describe('IAM', () => {
  const policies = (actions: string[]) => {
    const iam = new IamPolicies();
    iam.attach('HandlerPolicy', ['handler-role'], { Statement: [{ Effect: 'Allow', Action: actions, Resource: tableArn(TABLE) }] });
    return iam.authorizerFor(() => 'handler-role', ACCOUNT);
  };

  test('each request is authorized as dynamodb:<Operation> on the table ARN; a denied one is AccessDeniedException and writes nothing', async () => {
    const { fake, client } = fence();
    const asked: string[] = [];
    const allow = policies(['dynamodb:GetItem']);
    fake.authorizer = (action, resource) => {
      asked.push(`${action} ${resource}`);
      allow(action, resource);
    };
    await client.send(new GetItemCommand({ TableName: TABLE, Key: key('p', 's') }));
    const denied = await failure(client.send(new PutItemCommand({ TableName: tableArn(TABLE), Item: key('p', 's') })));
    expect([denied.name, denied.message]).toEqual(['AccessDeniedException', expect.stringMatching(/not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table\/fence/)]);
    expect(asked).toEqual([`dynamodb:GetItem ${tableArn(TABLE)}`, `dynamodb:PutItem ${tableArn(TABLE)}`]);
    expect(fake.table(TABLE)).toEqual([]);
  });

  test('TransactWriteItems is authorized as the actions of its parts (there is no dynamodb:TransactWriteItems)', async () => {
    const { fake, client } = fence();
    fake.authorizer = policies(['dynamodb:PutItem', 'dynamodb:UpdateItem']);
    const transact = () => client.send(new TransactWriteItemsCommand({
      TransactItems: [
        { Put: { TableName: TABLE, Item: key('t', 'a') } },
        { ConditionCheck: { TableName: TABLE, Key: key('t', 'b'), ConditionExpression: 'attribute_not_exists(pk)' } },
      ],
    }));
    expect((await failure(transact())).message).toMatch(/dynamodb:ConditionCheckItem/);
    fake.authorizer = policies(['dynamodb:PutItem', 'dynamodb:ConditionCheckItem']);
    await transact();
    expect(() => iamAction('TransactWriteItems')).toThrow(/is not an IAM action/);
    expect(iamAction('ConditionCheckItem')).toBe('dynamodb:ConditionCheckItem');
  });
});

describe('throttling and faults', () => {
  test('throttleRate 1 answers ProvisionedThroughputExceededException (a modelled error); a seeded rate is repeatable', async () => {
    const { fake, client } = fence({ throttleRate: 1 });
    const error = await failure(client.send(new GetItemCommand({ TableName: TABLE, Key: key('p', 's') })));
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(['ProvisionedThroughputExceededException', 400]);
    expect(fake.throttled).toBe(1);
    const pattern = async (seed: number) => {
      const setup = fence({ throttleRate: 0.5, seed });
      const outcomes: boolean[] = [];
      for (let i = 0; i < 20; i++) {
        outcomes.push(await setup.client.send(new GetItemCommand({ TableName: TABLE, Key: key('p', 's') })).then(() => true, () => false));
      }
      return outcomes;
    };
    const first = await pattern(7);
    expect(first).toEqual(await pattern(7));
    expect(first.filter((ok) => !ok).length).toBeGreaterThan(3);
    expect(first.filter((ok) => ok).length).toBeGreaterThan(3);
  });

  test('the throttling error and the operations it applies to can be chosen', async () => {
    const { fake, client } = fence({ throttleRate: 1, throttleError: 'ThrottlingException', throttledOperations: ['PutItem'] });
    await client.send(new GetItemCommand({ TableName: TABLE, Key: key('p', 's') }));
    expect((await failure(client.send(new PutItemCommand({ TableName: TABLE, Item: key('p', 's') })))).name).toBe('ThrottlingException');
    fake.setThrottleRate(0);
    await client.send(new PutItemCommand({ TableName: TABLE, Item: key('p', 's') }));
  });

  test('negative control: a throttling error the model does not list (Cognito\'s TooManyRequestsException) is a fault of the fake, not an answer', async () => {
    expect(modelledErrors('GetItem')).not.toContain('TooManyRequestsException');
    const { client } = fence({ throttleRate: 1, throttleError: 'TooManyRequestsException' });
    await expect(client.send(new GetItemCommand({ TableName: TABLE, Key: key('p', 's') }))).rejects.toThrow(/TooManyRequestsException, which the model does not list/);
  });

  test('a lost response: the write took effect, the caller saw InternalServerError (500)', async () => {
    const { fake, client } = fence();
    fake.loseResponse('PutItem');
    const error = await failure(client.send(new PutItemCommand({ TableName: TABLE, Item: key('p', 's') })));
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(['InternalServerError', 500]);
    expect(fake.table(TABLE)).toHaveLength(1);
  });

  test('failAfter injects a modelled error after some successes', async () => {
    const { fake, client } = fence();
    fake.failAfter('PutItem', 1, 'TransactionConflictException');
    await client.send(new PutItemCommand({ TableName: TABLE, Item: key('p', '1') }));
    expect((await failure(client.send(new PutItemCommand({ TableName: TABLE, Item: key('p', '2') })))).name).toBe('TransactionConflictException');
    fake.clearFaults();
    await client.send(new PutItemCommand({ TableName: TABLE, Item: key('p', '3') }));
    expect(fake.table(TABLE).map((i) => i.sk.S)).toEqual(['1', '3']);
  });
});

describe('TTL', () => {
  test('expire(now) deletes the items whose TTL attribute is a Number at or before now, and nothing else', async () => {
    const { fake, client } = fence();
    for (const [sk, expiresAt] of [['old', N(100)], ['now', N(200)], ['later', N(300)], ['text', S('100')]] as const) {
      await client.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('p', sk), expiresAt } }));
    }
    await client.send(new PutItemCommand({ TableName: TABLE, Item: key('p', 'none') }));
    expect(fake.expire(200)).toBe(2);
    expect(fake.table(TABLE).map((i) => i.sk.S)).toEqual(['later', 'none', 'text']);
  });
});

describe('tables (CreateTable semantics)', () => {
  test('a second table of a name is ResourceInUseException; key attributes are defined, and only they; HASH comes first', () => {
    const fake = new FakeDynamoDB();
    fake.createTable('one', FENCE_TABLE);
    expect(() => fake.createTable('one', FENCE_TABLE)).toThrow(/Table already exists: one/);
    expect(() => fake.createTable('two', { ...FENCE_TABLE, AttributeDefinitions: [FENCE_TABLE.AttributeDefinitions[0]] })).toThrow(/does not exactly match/);
    expect(() => fake.createTable('two', { ...FENCE_TABLE, AttributeDefinitions: [...FENCE_TABLE.AttributeDefinitions, { AttributeName: 'x', AttributeType: 'S' }] })).toThrow(/does not exactly match/);
    expect(() => fake.createTable('two', { ...FENCE_TABLE, KeySchema: [...FENCE_TABLE.KeySchema].reverse() })).toThrow(/one HASH element, optionally followed by one RANGE element/);
    expect(fake.hasTable('two')).toBe(false);
  });

  test('an enabled TTL attribute changes only through disabling it; deletion protection blocks deleteTable', () => {
    const fake = new FakeDynamoDB();
    fake.createTable(TABLE, FENCE_TABLE);
    expect(() => fake.updateTable(TABLE, { TimeToLiveSpecification: { Enabled: true, AttributeName: 'ttl' } })).toThrow(/TimeToLive is active on a different AttributeName/);
    fake.updateTable(TABLE, { TimeToLiveSpecification: { Enabled: false } });
    fake.updateTable(TABLE, { TimeToLiveSpecification: { Enabled: true, AttributeName: 'ttl' } });
    expect(fake.ttlAttribute(TABLE)).toBe('ttl');
    fake.updateTable(TABLE, { DeletionProtectionEnabled: true });
    expect(() => fake.deleteTable(TABLE)).toThrow(/DeletionProtectionEnabled/);
    fake.updateTable(TABLE, { DeletionProtectionEnabled: false });
    fake.deleteTable(TABLE);
    expect(fake.hasTable(TABLE)).toBe(false);
  });
});

describe('AWS::DynamoDB::Table in the CloudFormation providers', () => {
  const facts = resourceFacts('AWS::DynamoDB::Table');
  const context = (dynamodb?: FakeDynamoDB): ProviderContext => ({ cognito: {} as any, sagemaker: {} as any, iam: new IamPolicies(), dynamodb, stackName: 'Stack' });
  const props = { ...FENCE_TABLE, TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' } };

  test('registry facts: Ref is the table name, GetAtt has Arn and StreamArn, KeySchema and TableName replace', () => {
    expect(facts.refIdentifier).toEqual(['TableName']);
    expect([...facts.attributes!].sort()).toEqual(['Arn', 'StreamArn']);
    expect([...facts.replacing.keys()]).toEqual(expect.arrayContaining(['KeySchema', 'TableName']));
  });

  test('create: the table, named by the template or generated; Arn from the ARN template; StreamArn only with StreamSpecification', () => {
    const fake = new FakeDynamoDB();
    const ctx = context(fake);
    const named = createResource(ctx, facts, 'Fence', { ...props, TableName: 'my-fence' }, 1);
    expect(named).toEqual({ TableName: 'my-fence', Arn: 'arn:aws:dynamodb:us-east-1:123456789012:table/my-fence' });
    expect(fake.ttlAttribute('my-fence')).toBe('expiresAt');
    const generated = createResource(ctx, facts, 'FenceTable', props, 2);
    expect(generated.TableName).toMatch(/^Stack-FenceTable-[0-9A-F]{8}$/);
    expect(generated.Arn).toBe(tableArn(generated.TableName));
    const streamed = createResource(ctx, facts, 'Streamed', { ...props, StreamSpecification: { StreamViewType: 'NEW_IMAGE' } }, 3);
    expect(streamed.StreamArn).toMatch(new RegExp(`^${tableArn(streamed.TableName)}/stream/\\d{4}-\\d\\d-\\d\\dT`));
  });

  test('create refuses what the fake does not model, and needs the fake', () => {
    const fake = new FakeDynamoDB();
    const gsi = [{ IndexName: 'byOwner', KeySchema: [{ AttributeName: 'owner', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }];
    expect(() => createResource(context(fake), facts, 'Fence', { ...props, GlobalSecondaryIndexes: gsi }, 1)).toThrow(/does not model GlobalSecondaryIndexes/);
    expect(() => createResource(context(), facts, 'Fence', props, 1)).toThrow(/has no FakeDynamoDB/);
  });

  test('update: TTL and deletion protection apply, what is not modelled is a no-op, a KeySchema change fails loudly', () => {
    const fake = new FakeDynamoDB();
    const ctx = context(fake);
    const values = createResource(ctx, facts, 'Fence', props, 1);
    const current = { logicalId: 'Fence', type: facts.type, values, properties: props };
    updateResource(ctx, facts, current, { ...props, Tags: [{ Key: 'team', Value: 'labeling' }], PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
    expect(() => updateResource(ctx, facts, current, { ...props, TimeToLiveSpecification: { Enabled: true, AttributeName: 'other' } })).toThrow(/TimeToLive is active on a different AttributeName/);
    updateResource(ctx, facts, current, { ...props, TimeToLiveSpecification: { Enabled: false }, DeletionProtectionEnabled: true });
    expect(fake.ttlAttribute(values.TableName)).toBeUndefined();
    const rekeyed = { ...props, KeySchema: [FENCE_TABLE.KeySchema[0]], AttributeDefinitions: [FENCE_TABLE.AttributeDefinitions[0]] };
    expect(() => updateResource(ctx, facts, current, rekeyed)).toThrow(/a change of KeySchema replaces an AWS::DynamoDB::Table/);
  });

  test('delete: the table goes with its items (deletion protection first off); an absent table is fine', async () => {
    const fake = new FakeDynamoDB();
    const ctx = context(fake);
    const values = createResource(ctx, facts, 'Fence', { ...props, DeletionProtectionEnabled: true }, 1);
    fake.seed(values.TableName, key('p', 's'));
    const current = { logicalId: 'Fence', type: facts.type, values, properties: props };
    expect(() => deleteResource(ctx, facts, current)).toThrow(/DeletionProtectionEnabled/);
    updateResource(ctx, facts, { ...current, properties: { ...props, DeletionProtectionEnabled: true } }, props);
    deleteResource(ctx, facts, current);
    expect(fake.hasTable(values.TableName)).toBe(false);
    deleteResource(ctx, facts, current);
    const recreated = createResource(ctx, facts, 'Fence', { ...props, TableName: values.TableName }, 2);
    expect(fake.table(recreated.TableName)).toEqual([]);
  });
});

describe('the fence: claims made with conditional writes', () => {
  const CLAIM_KEY = key('Stack/InvitationSender', 'claim');
  const claim = (client: DynamoDBClient, requestId: string, conditional = true) => client.send(new PutItemCommand({
    TableName: TABLE,
    Item: { ...CLAIM_KEY, requestId: S(requestId), run: N(1), expiresAt: N(1_700_000_000) },
    ...(conditional ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
  }));
  const advance = (client: DynamoDBClient, requestId: string, previous: number, next: number) => client.send(new UpdateItemCommand({
    TableName: TABLE,
    Key: CLAIM_KEY,
    UpdateExpression: 'SET requestId = :r, #run = :n',
    ConditionExpression: 'requestId = :r AND #run = :prev',
    ExpressionAttributeNames: { '#run': 'run' },
    ExpressionAttributeValues: { ':r': S(requestId), ':n': N(next), ':prev': N(previous) },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  }));

  test('the first claim wins, a late duplicate fails; a continuation advances once and a stale one fails', async () => {
    const { fake, client } = fence();
    await claim(client, 'request-1');
    expect((await failure(claim(client, 'request-1'))).name).toBe('ConditionalCheckFailedException');
    await advance(client, 'request-1', 1, 2);
    const stale = await failure(advance(client, 'request-1', 1, 2));
    expect([stale.name, stale.Item.run]).toEqual(['ConditionalCheckFailedException', N(2)]);
    const superseded = await failure(advance(client, 'request-0', 2, 3));
    expect(superseded.name).toBe('ConditionalCheckFailedException');
    expect(fake.table(TABLE)).toEqual([{ ...CLAIM_KEY, requestId: S('request-1'), run: N(2), expiresAt: N(1_700_000_000) }]);
    expect(fake.violations).toEqual([]);
    expect(fake.refused).toEqual([]);
  });

  test('negative control: a claim without its condition lets the late duplicate write', async () => {
    const { fake, client } = fence();
    await claim(client, 'request-1', false);
    await advance(client, 'request-1', 1, 2);
    await claim(client, 'request-1', false); // the planted bug: the duplicate overwrites the advanced claim
    expect(fake.table(TABLE)[0].run).toEqual(N(1));
  });

  test('a claim whose response was lost: the retry fails its condition, and a consistent read shows the claim is ours', async () => {
    const { fake, client } = fence({ staleReads: true });
    fake.loseResponse('PutItem');
    expect((await failure(claim(client, 'request-1'))).name).toBe('InternalServerError');
    expect((await failure(claim(client, 'request-1'))).name).toBe('ConditionalCheckFailedException');
    const eventual = await client.send(new GetItemCommand({ TableName: TABLE, Key: CLAIM_KEY }));
    const consistent = await client.send(new GetItemCommand({ TableName: TABLE, Key: CLAIM_KEY, ConsistentRead: true }));
    expect([eventual.Item, consistent.Item?.requestId]).toEqual([undefined, S('request-1')]);
  });
});
