import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { gunzipSync } from 'zlib';
import * as sdk from '@aws-sdk/client-dynamodb';
import { HttpRequest, HttpResponse } from '@smithy/protocol-http';
import { ApiModel, botocoreDataDir, ModelViolation } from './api-model';
import { fakeClientConfig } from './client-config';
import { seededRandom } from './fake-cognito';
import type { Authorizer } from './iam';
import { cfnLintSchemas } from './registry';
import type { Clock } from '../../src/handlers/clock';

/*
 * DynamoDB tables for tests, spoken to by the real SDK v3 DynamoDBClient (plain AttributeValue
 * maps) through its HTTP handler slot. What it enforces, and where each rule comes from:
 * - every request is checked against the AWS API models (botocore's dynamodb 2012-08-10, and the
 *   pinned SDK's schema); a violation is recorded in `violations` and answered ValidationException;
 * - AttributeValue is a union in the SDK's schema (`AttributeValue$`, kind 4): exactly one of its
 *   members, whose names are read from that schema; NULL is true; Numbers are parsed exactly (at
 *   most 38 significant digits, magnitude 1E-130 to 9.99..E+125: developer guide,
 *   HowItWorks.NamingRulesDataTypes); sets are not empty ("Set type attributes cannot be empty",
 *   PutItem's API reference) and hold no duplicates;
 * - keys: exactly the table's key attributes, of the types its AttributeDefinitions say; key
 *   Strings and Binaries not empty (PutItem's API reference); partition keys at most 2048 bytes,
 *   sort keys at most 1024 (BatchWriteItem's API reference; developer guide, Constraints);
 * - items at most 400 KB, counted as the developer guide counts them (documented limits: Constraints
 *   #limits-items, "The maximum item size in DynamoDB is 400 KB, which includes both attribute name
 *   binary length (UTF-8 length) and attribute value lengths"; sizes per CapacityUnitCalculations);
 * - expressions (Expressions.OperatorsAndFunctions, Expressions.UpdateExpressions, the API
 *   reference of each member): ConditionExpression / FilterExpression with = <> < <= > >= BETWEEN
 *   IN (at most 100 operands), attribute_exists, attribute_not_exists, attribute_type, begins_with,
 *   contains, size, AND, OR, NOT and parentheses (keywords case-insensitive, function names
 *   case-sensitive, precedence NOT > AND > OR); UpdateExpression SET (+, -, if_not_exists,
 *   list_append), REMOVE, ADD (numbers and sets), DELETE (sets), each clause once, no path twice,
 *   no key attribute; KeyConditionExpression as Query's API reference spells it;
 *   ProjectionExpression; each expression at most 4 KB (Constraints #limits-expression-parameters);
 * - `#name` / `:value` placeholders: one that an expression uses and the request does not define,
 *   and one that the request defines and no expression uses, are ValidationExceptions (DynamoDB's
 *   observed behaviour: the API reference is silent; the developer guide says "If you define an
 *   expression attribute value, you must use it consistently throughout the entire expression");
 * - comparisons: values of different types are never equal and never ordered (the API reference of
 *   ComparisonOperator: "{"S":"6"} does not equal {"N":"6"}"); Strings order by UTF-8 bytes,
 *   Binaries by unsigned bytes, Numbers numerically (Query's ScanIndexForward); `a <> b` is the
 *   negation of `a = b`, so it holds for a missing attribute (an inference from "true if a is not
 *   equal to b");
 * - PutItem and DeleteItem take ReturnValues NONE or ALL_OLD only (their API reference); failed
 *   conditions are ConditionalCheckFailedException, with the item under
 *   ReturnValuesOnConditionCheckFailure ALL_OLD;
 * - Query: Limit counts evaluated items, a page also stops past 1 MB (Limit's API reference), and
 *   LastEvaluatedKey is returned whenever a page stopped early, even if nothing follows ("If
 *   LastEvaluatedKey is not empty, it does not necessarily mean that there is more data");
 * - TransactWriteItems: all or nothing; TransactionCanceledException with one CancellationReason
 *   per action in order, Code "None" for the ones that did not fail; no two actions on one item;
 *   ClientRequestToken idempotent for 10 minutes, IdempotentParameterMismatchException for another
 *   payload (ClientRequestToken's API reference);
 * - a table that does not exist is ResourceNotFoundException;
 * - each request is authorized (`authorizer`, set by the simulator) as `dynamodb:<Operation>` on
 *   the table ARN, TransactWriteItems as the actions of its parts (dynamodb:PutItem, UpdateItem,
 *   DeleteItem, ConditionCheckItem; developer guide, transaction-apis-iam), each action checked to
 *   exist in AWS's IAM action list (cfn-lint's Policies.json); AccessDeniedException when denied;
 * - every error the fake answers is one the operation's model lists, or one of DynamoDB's common
 *   errors (developer guide, Programming.Errors); anything else is a fault of the fake and throws.
 * Error types are DynamoDB's; message texts are the fake's own unless quoted from the model.
 *
 * Simulated only on request: stale eventually-consistent reads (`staleReads`: a read without
 * ConsistentRead sees each item as it was before its latest write, until `settle()`; by default
 * every read is strongly consistent), TTL deletion (`expire(now)`; DynamoDB deletes expired items
 * some time after they expire, and they stay readable until then), throttling at a seeded rate,
 * lost responses and injected errors.
 *
 * Refused loudly (UnsupportedOperationException, recorded in `refused`), because the fake does not
 * implement them: operations other than GetItem, PutItem, UpdateItem, DeleteItem, Query and
 * TransactWriteItems; nested document paths (a.b, a[0]); the legacy parameters (Expected,
 * AttributeUpdates, KeyConditions, ...); ReturnConsumedCapacity other than NONE; Select
 * ALL_PROJECTED_ATTRIBUTES; key conditions in forms other than the documented `key op :value`.
 * Tables have no secondary indexes (IndexName is answered as for such a table; the CloudFormation
 * provider refuses GlobalSecondaryIndexes and LocalSecondaryIndexes). Not checked, for
 * want of the data offline: DynamoDB's reserved words (a bare attribute name that is one passes
 * here and fails in AWS; `bareAttributeNames: 'refuse'` makes every bare name a refusal, so code
 * that uses `#name` placeholders throughout can prove it does).
 */

type Json = Record<string, any>;
/** An AttributeValue as it travels in JSON. */
export type AttributeValue = Record<string, any>;
/** An item: attribute name to AttributeValue. */
export type Item = Record<string, AttributeValue>;

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const TARGET_PREFIX = 'DynamoDB_20120810';

/** Documented limits. */
export const LIMITS = {
  /** Constraints #limits-items. */
  itemBytes: 400 * 1024,
  /** Constraints #limits-partition-sort-keys; BatchWriteItem's API reference. */
  partitionKeyBytes: 2048,
  sortKeyBytes: 1024,
  /** Constraints #limits-expression-parameters: "The maximum length of any expression string is 4 KB". */
  expressionBytes: 4 * 1024,
  /** Expressions.OperatorsAndFunctions: IN "The list can contain up to 100 values". */
  inOperands: 100,
  /** Query's Limit: "if the processed dataset size exceeds 1 MB before DynamoDB reaches this limit, it stops". */
  pageBytes: 1024 * 1024,
  /** HowItWorks.NamingRulesDataTypes, Number: up to 38 digits of precision, 1E-130 to 9.9999999999999999999999999999999999999E+125. */
  significantDigits: 38,
  maxMagnitude: 125,
  minMagnitude: -130,
  /** TransactWriteItems ClientRequestToken: "valid for 10 minutes after the first request that uses it is completed". */
  idempotencyMs: 10 * 60 * 1000,
};

const dynamodbModel = ApiModel.load('dynamodb', '2012-08-10', sdk as unknown as Record<string, unknown>);

interface RawModel {
  operations: Record<string, { errors?: Array<{ shape: string }> }>;
  shapes: Record<string, { members?: Record<string, unknown>; exception?: boolean; fault?: boolean }>;
}

/** botocore's model as data, for what ApiModel does not expose: each operation's errors. */
function rawModel(): RawModel {
  const base = join(botocoreDataDir(), 'dynamodb', '2012-08-10', 'service-2.json');
  const text = existsSync(base) ? readFileSync(base, 'utf-8') : gunzipSync(readFileSync(`${base}.gz`)).toString('utf-8');
  return JSON.parse(text);
}
const RAW = rawModel();

/** Errors DynamoDB answers any operation with (developer guide, Programming.Errors), beside the modelled ones. */
const COMMON_ERRORS = ['ValidationException', 'AccessDeniedException', 'UnknownOperationException'];
/** What the fake answers for what it does not implement (recorded in `refused`). */
const REFUSAL = 'UnsupportedOperationException';

/** The errors the model lists for an operation. */
export function modelledErrors(operation: string): string[] {
  return (RAW.operations[operation]?.errors ?? []).map((e) => e.shape);
}

/** The DynamoDB actions of AWS's IAM data (cfn-lint's Policies.json), in lower case. */
const IAM_ACTIONS = new Set(Object.keys(JSON.parse(readFileSync(join(cfnLintSchemas(), '..', 'AdditionalSpecs', 'Policies.json'), 'utf-8')).dynamodb.Actions));

/** `dynamodb:<name>`, once AWS's IAM data confirms that the action exists. */
export function iamAction(name: string): string {
  if (!IAM_ACTIONS.has(name.toLowerCase())) {
    throw new Error(`dynamodb:${name} is not an IAM action (cfn-lint Policies.json); the fake authorizes with a wrong action`);
  }
  return `dynamodb:${name}`;
}

/** The AttributeValue members, as the SDK's union schema lists them. */
const ATTRIBUTE_TYPES: readonly string[] = (sdk as any).AttributeValue$[4];
const SET_TYPES: Record<string, string> = { SS: 'S', NS: 'N', BS: 'B' };

/** An error DynamoDB answers. */
class DynamoError extends Error {
  constructor(public readonly type: string, message: string, public readonly extra: Json = {}) {
    super(message);
    this.name = type;
  }
}

/** Something the fake does not implement. */
class Refusal extends Error {}

const invalid = (message: string) => new DynamoError('ValidationException', message);

// --- numbers ---------------------------------------------------------------------------------------

/** An exact decimal: (neg ? -1 : 1) * coef * 10^exp, coef without trailing zeros (0 is coef 0). */
interface Decimal {
  readonly neg: boolean;
  readonly coef: bigint;
  readonly exp: number;
}

const ZERO: Decimal = { neg: false, coef: 0n, exp: 0 };

function normalize(neg: boolean, coef: bigint, exp: number): Decimal {
  if (coef < 0n) {
    return normalize(!neg, -coef, exp);
  }
  if (coef === 0n) {
    return ZERO;
  }
  while (coef % 10n === 0n) {
    coef /= 10n;
    exp++;
  }
  const decimal = { neg, coef, exp };
  const digits = coef.toString().length;
  if (digits > LIMITS.significantDigits) {
    throw invalid(`Attempting to store more than ${LIMITS.significantDigits} significant digits in a Number`);
  }
  if (exp + digits - 1 > LIMITS.maxMagnitude) {
    throw invalid('Number overflow. Attempting to store a number with magnitude larger than supported range');
  }
  if (exp + digits - 1 < LIMITS.minMagnitude) {
    throw invalid('Number underflow. Attempting to store a number with magnitude smaller than supported range');
  }
  return decimal;
}

function parseNumber(text: unknown): Decimal {
  const match = typeof text === 'string' ? /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text) : null;
  if (!match || `${match[2] ?? ''}${match[3] ?? ''}` === '') {
    throw invalid(`The parameter cannot be converted to a numeric value: ${String(text)}`);
  }
  const fraction = match[3] ?? '';
  return normalize(match[1] === '-', BigInt(`${match[2] ?? ''}${fraction}` || '0'), Number(match[4] ?? 0) - fraction.length);
}

function numberText(d: Decimal): string {
  if (d.coef === 0n) {
    return '0';
  }
  const digits = d.coef.toString();
  let text: string;
  if (d.exp >= 0) {
    text = digits + '0'.repeat(d.exp);
  } else if (-d.exp >= digits.length) {
    text = `0.${'0'.repeat(-d.exp - digits.length)}${digits}`;
  } else {
    text = `${digits.slice(0, digits.length + d.exp)}.${digits.slice(digits.length + d.exp)}`;
  }
  return d.neg ? `-${text}` : text;
}

function aligned(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const exp = Math.min(a.exp, b.exp);
  const scale = (d: Decimal) => (d.neg ? -d.coef : d.coef) * 10n ** BigInt(d.exp - exp);
  return [scale(a), scale(b), exp];
}

function compareNumbers(a: Decimal, b: Decimal): number {
  const [x, y] = aligned(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function addNumbers(a: Decimal, b: Decimal, subtract = false): Decimal {
  const [x, y, exp] = aligned(a, b);
  return normalize(false, subtract ? x - y : x + y, exp);
}

/** The size of a Number: "(1 byte per two significant digits) + (1 byte)" (CapacityUnitCalculations). */
function numberSize(text: string): number {
  const d = parseNumber(text);
  return Math.ceil(d.coef.toString().replace(/^0$/, '').length / 2) + 1;
}

// --- attribute values ------------------------------------------------------------------------------

function typeOf(value: AttributeValue): string {
  return Object.keys(value)[0];
}

const utf8 = (text: string) => Buffer.byteLength(text, 'utf-8');
const bytes = (base64: string) => Buffer.from(base64, 'base64');

/** Validates an AttributeValue as DynamoDB does; returns it with Numbers in canonical form. */
function validateValue(value: unknown, at: string): AttributeValue {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(`Supplied AttributeValue is empty, must contain exactly one of the supported datatypes (${at})`);
  }
  const present = Object.keys(value).filter((k) => (value as Json)[k] !== undefined);
  if (present.length === 0) {
    throw invalid(`Supplied AttributeValue is empty, must contain exactly one of the supported datatypes (${at})`);
  }
  if (present.length > 1) {
    throw invalid(`Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes (${at}: ${present.join(', ')})`);
  }
  const type = present[0];
  const v = (value as Json)[type];
  if (!ATTRIBUTE_TYPES.includes(type)) {
    throw invalid(`Supplied AttributeValue has an unknown datatype ${type} (${at})`);
  }
  switch (type) {
    case 'S':
    case 'B':
      return { [type]: v };
    case 'BOOL':
      return { BOOL: v };
    case 'NULL':
      if (v !== true) {
        throw invalid(`One or more parameter values were invalid: Null attribute value types must have the value of true (${at})`);
      }
      return { NULL: true };
    case 'N':
      return { N: numberText(parseNumber(v)) };
    case 'SS':
    case 'NS':
    case 'BS': {
      const members: string[] = type === 'NS' ? (v as unknown[]).map((n) => numberText(parseNumber(n))) : [...v];
      if (members.length === 0) {
        throw invalid(`One or more parameter values were invalid: An ${type} may not be empty (${at})`);
      }
      const seen = new Set(type === 'BS' ? members.map((b) => bytes(b).toString('base64')) : members);
      if (seen.size !== members.length) {
        throw invalid(`One or more parameter values were invalid: Input collection [${(v as unknown[]).join(', ')}] contains duplicates (${at})`);
      }
      return { [type]: members };
    }
    case 'L':
      return { L: (v as unknown[]).map((e, i) => validateValue(e, `${at}[${i}]`)) };
    case 'M':
      return { M: Object.fromEntries(Object.entries(v as Json).map(([k, e]) => [k, validateValue(e, `${at}.${k}`)])) };
    default:
      throw new Refusal(`AttributeValue type ${type} (${at})`);
  }
}

function validateItem(item: Json, at: string): Item {
  return Object.fromEntries(Object.entries(item ?? {}).map(([name, value]) => [name, validateValue(value, `${at}.${name}`)]));
}

/** The size of a value, per CapacityUnitCalculations. */
function valueSize(value: AttributeValue): number {
  const type = typeOf(value);
  const v = value[type];
  switch (type) {
    case 'S': return utf8(v);
    case 'N': return numberSize(v);
    case 'B': return bytes(v).length;
    case 'BOOL':
    case 'NULL': return 1;
    case 'SS': return (v as string[]).reduce((n, s) => n + utf8(s), 0);
    case 'NS': return (v as string[]).reduce((n, s) => n + numberSize(s), 0);
    case 'BS': return (v as string[]).reduce((n, b) => n + bytes(b).length, 0);
    // "An attribute of type List or Map requires 3 bytes of overhead ... Each List or Map element is also charged 1 byte of overhead."
    case 'L': return 3 + (v as AttributeValue[]).reduce((n, e) => n + 1 + valueSize(e), 0);
    case 'M': return 3 + Object.entries(v as Item).reduce((n, [k, e]) => n + utf8(k) + 1 + valueSize(e), 0);
    default: throw new Refusal(`the size of type ${type}`);
  }
}

/** The size of an item: its attribute names and values (CapacityUnitCalculations). */
export function itemSize(item: Item): number {
  return Object.entries(item).reduce((n, [name, value]) => n + utf8(name) + valueSize(value), 0);
}

function setMembersEqual(type: string, a: string[], b: string[]): boolean {
  const key = (m: string) => (type === 'BS' ? bytes(m).toString('base64') : type === 'NS' ? numberText(parseNumber(m)) : m);
  const left = new Set(a.map(key));
  return a.length === b.length && b.every((m) => left.has(key(m)));
}

/** DynamoDB's equality: same type and same value (sets as sets). */
function equal(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (!a || !b || typeOf(a) !== typeOf(b)) {
    return false;
  }
  const type = typeOf(a);
  const x = a[type];
  const y = b[type];
  switch (type) {
    case 'N': return compareNumbers(parseNumber(x), parseNumber(y)) === 0;
    case 'B': return bytes(x).equals(bytes(y));
    case 'SS':
    case 'NS':
    case 'BS': return setMembersEqual(type, x, y);
    case 'L': return x.length === y.length && (x as AttributeValue[]).every((e, i) => equal(e, y[i]));
    case 'M': return Object.keys(x).length === Object.keys(y).length && Object.keys(x).every((k) => equal(x[k], y[k]));
    default: return x === y;
  }
}

/** The order of two scalars of one type (S by UTF-8 bytes, N numerically, B by unsigned bytes); undefined otherwise. */
function order(a: AttributeValue | undefined, b: AttributeValue | undefined): number | undefined {
  if (!a || !b || typeOf(a) !== typeOf(b)) {
    return undefined;
  }
  switch (typeOf(a)) {
    case 'S': return Buffer.compare(Buffer.from(a.S, 'utf-8'), Buffer.from(b.S, 'utf-8'));
    case 'N': return compareNumbers(parseNumber(a.N), parseNumber(b.N));
    case 'B': return Buffer.compare(bytes(a.B), bytes(b.B));
    default: return undefined;
  }
}

function clone<T>(value: T): T {
  return value === undefined ? value : JSON.parse(JSON.stringify(value));
}

// --- expressions -----------------------------------------------------------------------------------

interface Token {
  /** `index`: the digits of a list index, a[0] (nested paths are refused). */
  readonly kind: 'name' | 'alias' | 'value' | 'index' | 'op' | 'end';
  readonly text: string;
}

const OPERATORS = ['<>', '<=', '>=', '=', '<', '>', '(', ')', ',', '+', '-', '.', '[', ']'];

/** The placeholders of a request, and which of them its expressions use. */
class Placeholders {
  public readonly usedNames = new Set<string>();
  public readonly usedValues = new Set<string>();
  public readonly values: Record<string, AttributeValue>;

  constructor(private readonly names: Record<string, string> | undefined, values: Json | undefined, public readonly bare: 'allow' | 'refuse') {
    this.values = Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, validateValue(v, `ExpressionAttributeValues.${k}`)]));
  }

  public name(alias: string, what: string): string {
    const name = this.names?.[alias];
    if (name === undefined) {
      throw invalid(`Invalid ${what}: An expression attribute name used in the document path is not defined; attribute name: ${alias}`);
    }
    this.usedNames.add(alias);
    return name;
  }

  public value(token: string, what: string): AttributeValue {
    const value = this.values[token];
    if (value === undefined) {
      throw invalid(`Invalid ${what}: An expression attribute value used in expression is not defined; attribute value: ${token}`);
    }
    this.usedValues.add(token);
    return value;
  }

  /** Defined placeholders no expression used, or defined without any expression. */
  public checkAllUsed(anyExpression: boolean, rawNames: Json | undefined, rawValues: Json | undefined): void {
    for (const [label, raw, used] of [['ExpressionAttributeNames', rawNames, this.usedNames], ['ExpressionAttributeValues', rawValues, this.usedValues]] as const) {
      if (raw === undefined) {
        continue;
      }
      if (Object.keys(raw).length === 0) {
        throw invalid(`${label} must not be empty`);
      }
      if (!anyExpression) {
        throw invalid(`${label} can only be specified when using expressions`);
      }
      const unused = Object.keys(raw).filter((k) => !used.has(k));
      if (unused.length > 0) {
        throw invalid(`Value provided in ${label} unused in expressions: keys: {${unused.join(', ')}}`);
      }
    }
  }
}

function tokenize(source: string, what: string): Token[] {
  if (utf8(source) > LIMITS.expressionBytes) {
    throw invalid(`Invalid ${what}: the expression is ${utf8(source)} bytes, more than the ${LIMITS.expressionBytes} bytes allowed`);
  }
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const rest = source.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const word = /^(#[A-Za-z0-9_]+|:[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*|\d+)/.exec(rest);
    if (word) {
      const text = word[0];
      tokens.push({ kind: text.startsWith('#') ? 'alias' : text.startsWith(':') ? 'value' : /^\d/.test(text) ? 'index' : 'name', text });
      i += text.length;
      continue;
    }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (!op) {
      throw invalid(`Invalid ${what}: Syntax error; token: "${rest[0]}", near: "${source.slice(Math.max(0, i - 5), i + 5)}"`);
    }
    tokens.push({ kind: 'op', text: op });
    i += op.length;
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

type Operand =
  | { kind: 'path'; name: string }
  | { kind: 'value'; value: AttributeValue; token: string }
  | { kind: 'size'; name: string };

type Condition =
  | { kind: 'compare'; op: string; left: Operand; right: Operand }
  | { kind: 'between'; operand: Operand; low: Operand; high: Operand }
  | { kind: 'in'; operand: Operand; list: Operand[] }
  | { kind: 'function'; name: string; path: string; operand?: Operand }
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; condition: Condition };

const COMPARATORS = ['=', '<>', '<', '<=', '>', '>='];
const CONDITION_FUNCTIONS = ['attribute_exists', 'attribute_not_exists', 'attribute_type', 'begins_with', 'contains'];
const UPDATE_FUNCTIONS = ['if_not_exists', 'list_append'];

type SetValue =
  | Operand
  | { kind: 'if_not_exists'; name: string; fallback: SetValue }
  | { kind: 'list_append'; first: SetValue; second: SetValue }
  | { kind: 'plus' | 'minus'; left: SetValue; right: SetValue };

interface UpdatePlan {
  readonly set: Array<{ name: string; value: SetValue }>;
  readonly remove: string[];
  readonly add: Array<{ name: string; value: AttributeValue }>;
  readonly delete: Array<{ name: string; value: AttributeValue }>;
  /** Every attribute an action names, in order. */
  readonly paths: string[];
}

class Parser {
  private i = 0;
  private readonly tokens: Token[];

  constructor(source: string, private readonly what: string, private readonly placeholders: Placeholders) {
    this.tokens = tokenize(source, what);
  }

  public condition(): Condition {
    const condition = this.or();
    this.expectEnd();
    return condition;
  }

  public projection(): string[] {
    const names = [this.path()];
    while (this.atOp(',')) {
      this.i++;
      names.push(this.path());
    }
    this.expectEnd();
    return names;
  }

  public update(): UpdatePlan {
    const plan: UpdatePlan = { set: [], remove: [], add: [], delete: [], paths: [] };
    const seen = new Set<string>();
    if (this.peek().kind === 'end') {
      throw this.syntaxError();
    }
    while (this.peek().kind !== 'end') {
      const clause = this.peek().kind === 'name' ? this.peek().text.toUpperCase() : '';
      if (!['SET', 'REMOVE', 'ADD', 'DELETE'].includes(clause)) {
        throw this.syntaxError();
      }
      if (seen.has(clause)) {
        throw invalid(`Invalid ${this.what}: The "${clause}" section can only be used once in an update expression`);
      }
      seen.add(clause);
      this.i++;
      for (;;) {
        const name = this.path();
        plan.paths.push(name);
        switch (clause) {
          case 'SET':
            this.expectOp('=');
            plan.set.push({ name, value: this.setValue() });
            break;
          case 'REMOVE':
            plan.remove.push(name);
            break;
          default: {
            const token = this.next();
            if (token.kind !== 'value') {
              throw invalid(`Invalid ${this.what}: ${clause} takes a path and a value (:placeholder); got "${token.text}"`);
            }
            const value = this.placeholders.value(token.text, this.what);
            const type = typeOf(value);
            const allowed = clause === 'ADD' ? ['N', 'SS', 'NS', 'BS'] : ['SS', 'NS', 'BS'];
            if (!allowed.includes(type)) {
              throw invalid(`Invalid ${this.what}: Incorrect operand type for operator or function; operator: ${clause}, operand type: ${type}`);
            }
            (clause === 'ADD' ? plan.add : plan.delete).push({ name, value });
          }
        }
        if (!this.atOp(',')) {
          break;
        }
        this.i++;
      }
    }
    const counted = new Set<string>();
    for (const path of plan.paths) {
      if (counted.has(path)) {
        throw invalid(`Invalid ${this.what}: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [${path}], path two: [${path}]`);
      }
      counted.add(path);
    }
    return plan;
  }

  private or(): Condition {
    let left = this.and();
    while (this.atKeyword('OR')) {
      this.i++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Condition {
    let left = this.not();
    while (this.atKeyword('AND')) {
      this.i++;
      left = { kind: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Condition {
    if (this.atKeyword('NOT')) {
      this.i++;
      return { kind: 'not', condition: this.not() };
    }
    return this.primary();
  }

  private primary(): Condition {
    if (this.atOp('(')) {
      this.i++;
      const inner = this.or();
      this.expectOp(')');
      return inner;
    }
    const token = this.peek();
    if (token.kind === 'name' && this.tokens[this.i + 1].text === '(' && token.text !== 'size') {
      if (!CONDITION_FUNCTIONS.includes(token.text)) {
        throw invalid(`Invalid ${this.what}: Invalid function name; function: ${token.text}`);
      }
      return this.conditionFunction();
    }
    const operand = this.operand();
    if (this.peek().kind === 'op' && COMPARATORS.includes(this.peek().text)) {
      const op = this.next().text;
      return { kind: 'compare', op, left: operand, right: this.operand() };
    }
    if (this.atKeyword('BETWEEN')) {
      this.i++;
      const low = this.operand();
      if (!this.atKeyword('AND')) {
        throw this.syntaxError();
      }
      this.i++;
      const high = this.operand();
      if (low.kind === 'value' && high.kind === 'value' && (order(low.value, high.value) ?? 0) > 0) {
        throw invalid(`Invalid ${this.what}: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: ${low.token}, upper bound operand: ${high.token}`);
      }
      return { kind: 'between', operand, low, high };
    }
    if (this.atKeyword('IN')) {
      this.i++;
      this.expectOp('(');
      const list = [this.operand()];
      while (this.atOp(',')) {
        this.i++;
        list.push(this.operand());
      }
      this.expectOp(')');
      if (list.length > LIMITS.inOperands) {
        throw invalid(`Invalid ${this.what}: The IN operator is provided with too many operands; number of operands: ${list.length}`);
      }
      return { kind: 'in', operand, list };
    }
    throw this.syntaxError();
  }

  private conditionFunction(): Condition {
    const name = this.next().text;
    this.expectOp('(');
    const first = this.operand();
    if (first.kind !== 'path') {
      throw invalid(`Invalid ${this.what}: Operator or function requires a document path; operator or function: ${name}`);
    }
    let operand: Operand | undefined;
    if (name !== 'attribute_exists' && name !== 'attribute_not_exists') {
      this.expectOp(',');
      operand = this.operand();
    }
    this.expectOp(')');
    if (operand?.kind === 'value') {
      const type = typeOf(operand.value);
      if (name === 'attribute_type' && (type !== 'S' || !ATTRIBUTE_TYPES.includes(operand.value.S))) {
        throw invalid(`Invalid ${this.what}: Invalid attribute type name found; type: ${JSON.stringify(operand.value)}, valid types: {${ATTRIBUTE_TYPES.join(',')}}`);
      }
      if ((name === 'begins_with' && !['S', 'B'].includes(type)) || (name === 'contains' && ['SS', 'NS', 'BS', 'L', 'M'].includes(type))) {
        throw invalid(`Invalid ${this.what}: Incorrect operand type for operator or function; operator or function: ${name}, operand type: ${type}`);
      }
    } else if (name === 'attribute_type') {
      throw invalid(`Invalid ${this.what}: attribute_type takes a value (:placeholder) naming a type`);
    }
    return { kind: 'function', name, path: first.name, operand };
  }

  private operand(): Operand {
    const token = this.peek();
    if (token.kind === 'value') {
      this.i++;
      return { kind: 'value', value: this.placeholders.value(token.text, this.what), token: token.text };
    }
    if (token.kind === 'name' && token.text === 'size' && this.tokens[this.i + 1].text === '(') {
      this.i += 2;
      const inner = this.operand();
      this.expectOp(')');
      if (inner.kind !== 'path') {
        throw invalid(`Invalid ${this.what}: Incorrect operand type for operator or function; operator or function: size, operand type: ${inner.kind === 'value' ? typeOf(inner.value) : 'size'}`);
      }
      return { kind: 'size', name: inner.name };
    }
    if (token.kind === 'name' && this.tokens[this.i + 1].text === '(') {
      throw invalid(`Invalid ${this.what}: Invalid function name; function: ${token.text}`);
    }
    return { kind: 'path', name: this.path() };
  }

  private setValue(): SetValue {
    const left = this.setOperand();
    if (this.atOp('+') || this.atOp('-')) {
      const op = this.next().text;
      return { kind: op === '+' ? 'plus' : 'minus', left, right: this.setOperand() };
    }
    return left;
  }

  private setOperand(): SetValue {
    const token = this.peek();
    if (token.kind === 'name' && this.tokens[this.i + 1].text === '(') {
      if (!UPDATE_FUNCTIONS.includes(token.text)) {
        throw invalid(`Invalid ${this.what}: Invalid function name; function: ${token.text}`);
      }
      this.i += 2;
      const first = this.setOperand();
      this.expectOp(',');
      const second = this.setOperand();
      this.expectOp(')');
      if (token.text === 'if_not_exists') {
        if (first.kind !== 'path') {
          throw invalid(`Invalid ${this.what}: Operator or function requires a document path; operator or function: if_not_exists`);
        }
        return { kind: 'if_not_exists', name: first.name, fallback: second };
      }
      return { kind: 'list_append', first, second };
    }
    if (token.kind === 'value') {
      this.i++;
      return { kind: 'value', value: this.placeholders.value(token.text, this.what), token: token.text };
    }
    return { kind: 'path', name: this.path() };
  }

  /** A top-level attribute name (bare or #alias); nested document paths are refused. */
  private path(): string {
    const token = this.next();
    let name: string;
    if (token.kind === 'alias') {
      name = this.placeholders.name(token.text, this.what);
    } else if (token.kind === 'name' && !['AND', 'OR', 'NOT', 'BETWEEN', 'IN'].includes(token.text.toUpperCase())) {
      if (this.placeholders.bare === 'refuse') {
        throw new Refusal(`the bare attribute name "${token.text}" in ${this.what} (bareAttributeNames: 'refuse'; the fake cannot tell DynamoDB's reserved words)`);
      }
      name = token.text;
    } else {
      this.i--;
      throw this.syntaxError();
    }
    if (this.atOp('.') || this.atOp('[')) {
      throw new Refusal(`nested document paths (${token.text}${this.peek().text}...) in ${this.what}`);
    }
    return name;
  }

  private peek(): Token {
    return this.tokens[this.i];
  }

  private next(): Token {
    return this.tokens[Math.min(this.i++, this.tokens.length - 1)];
  }

  private atOp(op: string): boolean {
    return this.peek().kind === 'op' && this.peek().text === op;
  }

  private atKeyword(keyword: string): boolean {
    return this.peek().kind === 'name' && this.peek().text.toUpperCase() === keyword;
  }

  private expectOp(op: string): void {
    if (!this.atOp(op)) {
      throw this.syntaxError();
    }
    this.i++;
  }

  private expectEnd(): void {
    if (this.peek().kind !== 'end') {
      throw this.syntaxError();
    }
  }

  private syntaxError(): DynamoError {
    const token = this.peek();
    const near = this.tokens.slice(Math.max(0, this.i - 1), this.i + 2).map((t) => t.text).join(' ').trim();
    return invalid(`Invalid ${this.what}: Syntax error; token: "${token.text}", near: "${near}"`);
  }
}

function operandValue(operand: Operand, item: Item): AttributeValue | undefined {
  switch (operand.kind) {
    case 'value':
      return operand.value;
    case 'path':
      return item[operand.name];
    case 'size': {
      // size: String (UTF-8 bytes: "size in bytes", as the PartiQL size function's reference says;
      // an inference for expressions), Binary (bytes), sets (members), List and Map (elements);
      // other types have no size, and a comparison with it is false.
      const value = item[operand.name];
      const type = value && typeOf(value);
      const size = type === 'S' ? utf8(value!.S) : type === 'B' ? bytes(value!.B).length
        : type && ['SS', 'NS', 'BS', 'L'].includes(type) ? value![type].length : type === 'M' ? Object.keys(value!.M).length : undefined;
      return size === undefined ? undefined : { N: String(size) };
    }
  }
}

function evaluate(condition: Condition, item: Item): boolean {
  switch (condition.kind) {
    case 'and':
      return evaluate(condition.left, item) && evaluate(condition.right, item);
    case 'or':
      return evaluate(condition.left, item) || evaluate(condition.right, item);
    case 'not':
      return !evaluate(condition.condition, item);
    case 'compare': {
      const a = operandValue(condition.left, item);
      const b = operandValue(condition.right, item);
      if (condition.op === '=') {
        return equal(a, b);
      }
      if (condition.op === '<>') {
        return !equal(a, b);
      }
      const o = order(a, b);
      if (o === undefined) {
        return false;
      }
      return condition.op === '<' ? o < 0 : condition.op === '<=' ? o <= 0 : condition.op === '>' ? o > 0 : o >= 0;
    }
    case 'between': {
      const a = operandValue(condition.operand, item);
      const low = order(a, operandValue(condition.low, item));
      const high = order(a, operandValue(condition.high, item));
      return low !== undefined && high !== undefined && low >= 0 && high <= 0;
    }
    case 'in': {
      const a = operandValue(condition.operand, item);
      return condition.list.some((o) => equal(a, operandValue(o, item)));
    }
    case 'function': {
      const value = item[condition.path];
      const operand = condition.operand && operandValue(condition.operand, item);
      switch (condition.name) {
        case 'attribute_exists':
          return value !== undefined;
        case 'attribute_not_exists':
          return value === undefined;
        case 'attribute_type':
          return value !== undefined && operand !== undefined && typeOf(value) === operand.S;
        case 'begins_with':
          if (!value || !operand || typeOf(value) !== typeOf(operand)) {
            return false;
          }
          return typeOf(value) === 'S' ? value.S.startsWith(operand.S)
            : typeOf(value) === 'B' ? bytes(value.B).subarray(0, bytes(operand.B).length).equals(bytes(operand.B)) : false;
        case 'contains': {
          if (!value || !operand) {
            return false;
          }
          const type = typeOf(value);
          if (type === 'S' && typeOf(operand) === 'S') {
            return value.S.includes(operand.S);
          }
          if (type === 'B' && typeOf(operand) === 'B') {
            return bytes(value.B).indexOf(bytes(operand.B)) >= 0;
          }
          if (SET_TYPES[type]) {
            return SET_TYPES[type] === typeOf(operand) && (value[type] as string[]).some((m) => equal({ [SET_TYPES[type]]: m }, operand));
          }
          if (type === 'L') {
            return (value.L as AttributeValue[]).some((e) => equal(e, operand));
          }
          return false;
        }
        default:
          throw new Refusal(`the function ${condition.name}`);
      }
    }
  }
}

// --- tables ----------------------------------------------------------------------------------------

/** A key schema element, as CreateTable and AWS::DynamoDB::Table take it. */
export interface KeySchemaElement {
  readonly AttributeName: string;
  readonly KeyType: 'HASH' | 'RANGE';
}

/** An attribute definition. */
export interface AttributeDefinition {
  readonly AttributeName: string;
  readonly AttributeType: 'S' | 'N' | 'B';
}

/** What a table is made with (CreateTable's members that the fake models, and the TTL). */
export interface TableDefinition {
  readonly KeySchema: KeySchemaElement[];
  readonly AttributeDefinitions: AttributeDefinition[];
  readonly BillingMode?: 'PAY_PER_REQUEST' | 'PROVISIONED';
  readonly DeletionProtectionEnabled?: boolean;
  /** As UpdateTimeToLive (and AWS::DynamoDB::Table) take it. */
  readonly TimeToLiveSpecification?: { readonly Enabled: boolean; readonly AttributeName?: string };
  readonly StreamSpecification?: { readonly StreamViewType: string };
}

interface TableState {
  readonly name: string;
  readonly arn: string;
  readonly hash: string;
  readonly range?: string;
  readonly types: Record<string, string>;
  readonly items: Map<string, Item>;
  /** Each written item as it was before its latest write (for stale reads). */
  readonly before: Map<string, Item | undefined>;
  ttlAttribute?: string;
  deletionProtection: boolean;
  readonly streamArn?: string;
}

/** Options of the fake. */
export interface FakeDynamoDBOptions {
  /** Time for the requests log, the idempotency window and stream labels; default: no time passes. */
  readonly clock?: Clock;
  /** Share of calls of `throttledOperations` answered with `throttleError`. */
  readonly throttleRate?: number;
  /** The operations injected throttling applies to (default: all). */
  readonly throttledOperations?: string[];
  /** ProvisionedThroughputExceededException (default), ThrottlingException or RequestLimitExceeded. */
  readonly throttleError?: string;
  /** Seed of the pseudo-random throttling. */
  readonly seed?: number;
  /** Reads without ConsistentRead see each item as it was before its latest write, until settle(). */
  readonly staleReads?: boolean;
  /** 'refuse': every bare attribute name in an expression is a refusal (see the header). */
  readonly bareAttributeNames?: 'allow' | 'refuse';
}

/** The ARN of a table. */
export function tableArn(name: string): string {
  return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
}

/**
 * The fake service; `client()` gives a real DynamoDBClient that talks to it.
 */
export class FakeDynamoDB {
  /** Every request received, in order, with its input. */
  public readonly requests: Array<{ operation: string; input: Json; at: number }> = [];
  /** Requests the API model rejected. */
  public readonly violations: ModelViolation[] = [];
  /** What was asked of the fake that it does not implement; a test should expect none. */
  public readonly refused: Array<{ operation: string; reason: string }> = [];
  /** Calls answered with a throttling error. */
  public throttled = 0;
  /** The API model requests are checked against. */
  public readonly model = dynamodbModel;
  /** Checks each request against the caller's IAM policies; set by the simulator. */
  public authorizer?: Authorizer;

  private readonly tables = new Map<string, TableState>();
  private readonly faults = new Map<string, Array<{ after: number; errorType: string }>>();
  private readonly lostResponses: string[] = [];
  private readonly tokens = new Map<string, { request: string; at: number }>();
  private readonly random: () => number;

  constructor(private readonly options: FakeDynamoDBOptions = {}) {
    this.random = seededRandom(options.seed ?? 42);
  }

  /** A client of this fake: the real SDK client with the fake as its HTTP handler. */
  public client(): sdk.DynamoDBClient {
    return new sdk.DynamoDBClient(fakeClientConfig((request) => this.handle(request)));
  }

  // --- what CloudFormation and tests do (checked against the model, not authorized) -------------

  /** Creates a table as CloudFormation's AWS::DynamoDB::Table handler does (CreateTable, UpdateTimeToLive). */
  public createTable(name: string, definition: TableDefinition): { TableArn: string; LatestStreamArn?: string } {
    const { KeySchema, AttributeDefinitions } = definition;
    this.modelCheck('CreateTable', withoutUndefined({
      TableName: name,
      KeySchema,
      AttributeDefinitions,
      BillingMode: definition.BillingMode,
      DeletionProtectionEnabled: definition.DeletionProtectionEnabled,
      StreamSpecification: definition.StreamSpecification && { StreamEnabled: true, ...definition.StreamSpecification },
    }));
    if (this.tables.has(name)) {
      throw new DynamoError('ResourceInUseException', `Table already exists: ${name}`);
    }
    // "For a composite primary key ... exactly two elements, in this order: The first element must
    // have a KeyType of HASH, and the second element must have a KeyType of RANGE" (CreateTable KeySchema).
    if (KeySchema.length > 2 || KeySchema[0].KeyType !== 'HASH' || (KeySchema[1] && KeySchema[1].KeyType !== 'RANGE')) {
      throw invalid(`Invalid KeySchema: one HASH element, optionally followed by one RANGE element; got ${JSON.stringify(KeySchema)}`);
    }
    // "The attributes in KeySchema must also be defined in the AttributeDefinitions array"; the
    // definitions "describe the key schema for the table and indexes", and the fake has no indexes.
    const keyNames = KeySchema.map((k) => k.AttributeName);
    const defined = AttributeDefinitions.map((d) => d.AttributeName);
    if (keyNames.length !== defined.length || !keyNames.every((k) => defined.includes(k))) {
      throw invalid(`One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions (${keyNames.join(', ')} vs ${defined.join(', ')})`);
    }
    const ttl = definition.TimeToLiveSpecification;
    if (ttl?.Enabled) {
      this.modelCheck('UpdateTimeToLive', { TableName: name, TimeToLiveSpecification: ttl });
    }
    const created = this.options.clock?.now() ?? 0;
    const state: TableState = {
      name,
      arn: tableArn(name),
      hash: KeySchema[0].AttributeName,
      range: KeySchema[1]?.AttributeName,
      types: Object.fromEntries(AttributeDefinitions.map((d) => [d.AttributeName, d.AttributeType])),
      items: new Map(),
      before: new Map(),
      ttlAttribute: ttl?.Enabled ? ttl.AttributeName : undefined,
      deletionProtection: definition.DeletionProtectionEnabled ?? false,
      // The documented form: arn:aws:dynamodb:us-east-1:123456789012:table/<name>/stream/2015-11-30T20:10:00.000.
      streamArn: definition.StreamSpecification ? `${tableArn(name)}/stream/${new Date(created).toISOString().replace(/Z$/, '')}` : undefined,
    };
    this.tables.set(name, state);
    return { TableArn: state.arn, ...(state.streamArn ? { LatestStreamArn: state.streamArn } : {}) };
  }

  /**
   * Changes what an in-place update of AWS::DynamoDB::Table changes here: the TTL (UpdateTimeToLive:
   * an enabled TTL's attribute cannot change in one step, "you must first disable TTL and then enable
   * TTL with the new attribute name" (registry schema, TimeToLiveSpecification.AttributeName)) and
   * deletion protection (UpdateTable).
   */
  public updateTable(name: string, change: { TimeToLiveSpecification?: TableDefinition['TimeToLiveSpecification']; DeletionProtectionEnabled?: boolean }): void {
    const table = this.table_(name);
    const ttl = change.TimeToLiveSpecification;
    const wanted = ttl?.Enabled ? ttl.AttributeName : undefined;
    if (wanted !== table.ttlAttribute) {
      // UpdateTimeToLive takes the attribute name to disable TTL too (required by the model).
      this.modelCheck('UpdateTimeToLive', { TableName: name, TimeToLiveSpecification: { Enabled: wanted !== undefined, AttributeName: wanted ?? table.ttlAttribute } });
      if (table.ttlAttribute !== undefined && wanted !== undefined) {
        throw invalid(`TimeToLive is active on a different AttributeName: current AttributeName is ${table.ttlAttribute}; disable TTL before enabling it on ${wanted}`);
      }
      table.ttlAttribute = wanted;
    }
    if (change.DeletionProtectionEnabled !== undefined) {
      this.modelCheck('UpdateTable', { TableName: name, DeletionProtectionEnabled: change.DeletionProtectionEnabled });
      table.deletionProtection = change.DeletionProtectionEnabled;
    }
  }

  /** Deletes a table and its items (DeleteTable); refused while deletion protection is on. */
  public deleteTable(name: string): void {
    this.modelCheck('DeleteTable', { TableName: name });
    const table = this.table_(name);
    if (table.deletionProtection) {
      throw invalid(`Table ${name} can't be deleted while DeletionProtectionEnabled is set`);
    }
    this.tables.delete(name);
  }

  /** True when the table exists. */
  public hasTable(name: string): boolean {
    return this.tables.has(name);
  }

  /** The TTL attribute of a table (undefined when TTL is off). */
  public ttlAttribute(name: string): string | undefined {
    return this.table_(name).ttlAttribute;
  }

  /** The items of a table (copies), ordered by key. */
  public table(name: string): Item[] {
    const table = this.table_(name);
    return [...table.items.values()].sort((a, b) => compareKeys(table, a, b)).map(clone);
  }

  /** Stores an item as it is, without conditions (validated like a PutItem). */
  public seed(name: string, item: Json): void {
    const table = this.table_(name);
    const valid = validateItem(item, 'Item');
    const key = this.itemKey(table, valid);
    this.write(table, key, valid);
  }

  /** Deletes the items whose TTL attribute (a Number, epoch seconds) is at or before `nowSeconds`; returns how many. */
  public expire(nowSeconds: number): number {
    let deleted = 0;
    for (const table of this.tables.values()) {
      const ttl = table.ttlAttribute;
      if (!ttl) {
        continue;
      }
      for (const [key, item] of [...table.items]) {
        const at = item[ttl];
        if (at && typeOf(at) === 'N' && compareNumbers(parseNumber(at.N), parseNumber(String(nowSeconds))) <= 0) {
          this.write(table, key, undefined);
          deleted++;
        }
      }
    }
    return deleted;
  }

  /** Every eventually-consistent read sees the latest writes from now on. */
  public settle(): void {
    this.tables.forEach((t) => t.before.clear());
  }

  /** Makes the next calls of `operation`, after `after` successful ones, fail with `errorType` (a modelled error). */
  public failAfter(operation: string, after: number, errorType = 'InternalServerError'): void {
    this.faults.set(operation, [...(this.faults.get(operation) ?? []), { after, errorType }]);
  }

  /** Stops injected failures. */
  public clearFaults(): void {
    this.faults.clear();
  }

  /** The next `operation` takes effect, but its caller gets an InternalServerError (a lost response). */
  public loseResponse(operation: string): void {
    this.lostResponses.push(operation);
  }

  /** Changes the share of throttled calls from now on. */
  public setThrottleRate(rate: number, operations?: string[]): void {
    (this.options as { throttleRate?: number }).throttleRate = rate;
    (this.options as { throttledOperations?: string[] }).throttledOperations = operations;
  }

  /** Number of requests of an operation so far. */
  public count(operation: string): number {
    return this.requests.filter((r) => r.operation === operation).length;
  }

  // --- the HTTP side ---------------------------------------------------------------------------

  /** Answers one HTTP request of the real SDK client (also served over HTTP by tests of the bundled handler). */
  public async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    const target = Object.entries(request.headers).find(([h]) => h.toLowerCase() === 'x-amz-target')?.[1] ?? '';
    const [prefix, operation = ''] = target.split('.');
    const body = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array);
    const input = JSON.parse(body || '{}');
    this.requests.push({ operation, input, at: this.options.clock?.now() ?? 0 });
    try {
      if (prefix !== TARGET_PREFIX || !RAW.operations[operation]) {
        throw new DynamoError('UnknownOperationException', `Unknown operation ${target}`);
      }
      this.modelCheck(operation, input);
      this.authorize(operation, input);
      this.maybeThrottle(operation);
      const faults = this.faults.get(operation) ?? [];
      const fault = faults.find((f) => f.after-- <= 0);
      if (fault) {
        throw new DynamoError(fault.errorType, `Injected ${fault.errorType}`);
      }
      const output = this.dispatch(operation, input);
      const lost = this.lostResponses.indexOf(operation);
      if (lost >= 0) {
        this.lostResponses.splice(lost, 1);
        throw new DynamoError('InternalServerError', 'Internal server error (injected: the operation took effect, its response was lost)');
      }
      return respond(200, output);
    } catch (error) {
      if (error instanceof Refusal) {
        this.refused.push({ operation, reason: error.message });
        return respond(400, { __type: `com.amazonaws.dynamodb.v20120810#${REFUSAL}`, message: `The fake does not implement ${error.message}` });
      }
      if (error instanceof DynamoError) {
        return this.errorResponse(operation, error);
      }
      throw error;
    }
  }

  /** The response for a DynamoDB error: a modelled or common error, its message under the member name its shape uses. */
  private errorResponse(operation: string, error: DynamoError): { response: HttpResponse } {
    if (!modelledErrors(operation).includes(error.type) && !COMMON_ERRORS.includes(error.type)) {
      throw new Error(`The fake answered ${operation} with ${error.type}, which the model does not list for it (${modelledErrors(operation).join(', ')}) and which is not a common error: a fault of the fake`);
    }
    const shape = RAW.shapes[error.type];
    const messageKey = shape?.members && 'Message' in shape.members ? 'Message' : 'message';
    const status = shape?.fault ? 500 : 400;
    return respond(status, { __type: `com.amazonaws.dynamodb.v20120810#${error.type}`, [messageKey]: error.message, ...error.extra });
  }

  private modelCheck(operation: string, input: Json): void {
    try {
      this.model.check(operation, input);
    } catch (error) {
      if (error instanceof ModelViolation) {
        this.violations.push(error);
        throw invalid(error.message);
      }
      throw error;
    }
  }

  private authorize(operation: string, input: Json): void {
    if (!this.authorizer) {
      return;
    }
    const checks: Array<[string, string]> = operation === 'TransactWriteItems'
      ? (input.TransactItems as Json[]).map((t) => {
        const [kind, part] = Object.entries(t)[0] as [string, Json];
        const action = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' }[kind]!;
        return [iamAction(action), this.resolveArn(part.TableName)];
      })
      : [[iamAction(operation), this.resolveArn(input.TableName)]];
    for (const [action, resource] of checks) {
      try {
        this.authorizer(action, resource);
      } catch (error) {
        throw new DynamoError('AccessDeniedException', (error as Error).message);
      }
    }
  }

  private maybeThrottle(operation: string): void {
    const rate = this.options.throttleRate ?? 0;
    const applies = !this.options.throttledOperations || this.options.throttledOperations.includes(operation);
    if (rate > 0 && applies && this.random() < rate) {
      this.throttled++;
      const type = this.options.throttleError ?? 'ProvisionedThroughputExceededException';
      throw new DynamoError(type, 'Throughput exceeds the current capacity of your table or index (injected)');
    }
  }

  private dispatch(operation: string, input: Json): Json {
    switch (operation) {
      case 'GetItem': return this.getItem(input);
      case 'PutItem': return this.putItem(input);
      case 'UpdateItem': return this.updateItem(input);
      case 'DeleteItem': return this.deleteItem(input);
      case 'Query': return this.query(input);
      case 'TransactWriteItems': return this.transactWriteItems(input);
      default: throw new Refusal(`the operation ${operation}`);
    }
  }

  // --- operations --------------------------------------------------------------------------------

  private getItem(input: Json): Json {
    refuseMembers(input, ['AttributesToGet']);
    refuseConsumedCapacity(input);
    const placeholders = this.placeholders(input);
    const projection = input.ProjectionExpression !== undefined ? new Parser(input.ProjectionExpression, 'ProjectionExpression', placeholders).projection() : undefined;
    placeholders.checkAllUsed(input.ProjectionExpression !== undefined, input.ExpressionAttributeNames, undefined);
    const table = this.tableOf(input.TableName);
    const key = this.keyOf(table, input.Key);
    const item = this.read(table, key, input.ConsistentRead === true);
    return item ? { Item: project(item, projection) } : {};
  }

  private putItem(input: Json): Json {
    refuseMembers(input, ['Expected', 'ConditionalOperator']);
    refuseConsumedCapacity(input);
    returnValuesOneOf('PutItem', input.ReturnValues, ['NONE', 'ALL_OLD']);
    const placeholders = this.placeholders(input);
    const condition = this.parseCondition(input.ConditionExpression, 'ConditionExpression', placeholders);
    placeholders.checkAllUsed(input.ConditionExpression !== undefined, input.ExpressionAttributeNames, input.ExpressionAttributeValues);
    const item = validateItem(input.Item, 'Item');
    const table = this.tableOf(input.TableName);
    const key = this.itemKey(table, item);
    checkItemSize(item, 'Item size has exceeded the maximum allowed size');
    const old = table.items.get(key);
    this.checkCondition(condition, old, input.ReturnValuesOnConditionCheckFailure);
    this.write(table, key, item);
    return input.ReturnValues === 'ALL_OLD' && old ? { Attributes: clone(old) } : {};
  }

  private updateItem(input: Json): Json {
    refuseMembers(input, ['AttributeUpdates', 'Expected', 'ConditionalOperator']);
    refuseConsumedCapacity(input);
    const placeholders = this.placeholders(input);
    const plan = input.UpdateExpression !== undefined ? new Parser(input.UpdateExpression, 'UpdateExpression', placeholders).update() : undefined;
    const condition = this.parseCondition(input.ConditionExpression, 'ConditionExpression', placeholders);
    const anyExpression = input.UpdateExpression !== undefined || input.ConditionExpression !== undefined;
    placeholders.checkAllUsed(anyExpression, input.ExpressionAttributeNames, input.ExpressionAttributeValues);
    const table = this.tableOf(input.TableName);
    const keyItem = this.keyItem(table, input.Key);
    const key = this.keyOf(table, input.Key);
    refuseKeyUpdates(table, plan);
    const old = table.items.get(key);
    this.checkCondition(condition, old, input.ReturnValuesOnConditionCheckFailure);
    const updated = applyUpdate(plan, old ?? keyItem);
    checkItemSize(updated, 'Item size to update has exceeded the maximum allowed size');
    this.write(table, key, updated);
    return returnValues(input.ReturnValues, plan, old, updated);
  }

  private deleteItem(input: Json): Json {
    refuseMembers(input, ['Expected', 'ConditionalOperator']);
    refuseConsumedCapacity(input);
    returnValuesOneOf('DeleteItem', input.ReturnValues, ['NONE', 'ALL_OLD']);
    const placeholders = this.placeholders(input);
    const condition = this.parseCondition(input.ConditionExpression, 'ConditionExpression', placeholders);
    placeholders.checkAllUsed(input.ConditionExpression !== undefined, input.ExpressionAttributeNames, input.ExpressionAttributeValues);
    const table = this.tableOf(input.TableName);
    const key = this.keyOf(table, input.Key);
    const old = table.items.get(key);
    this.checkCondition(condition, old, input.ReturnValuesOnConditionCheckFailure);
    if (old) {
      this.write(table, key, undefined);
    }
    return input.ReturnValues === 'ALL_OLD' && old ? { Attributes: clone(old) } : {};
  }

  private query(input: Json): Json {
    refuseMembers(input, ['AttributesToGet', 'KeyConditions', 'QueryFilter', 'ConditionalOperator']);
    refuseConsumedCapacity(input);
    if (input.KeyConditionExpression === undefined) {
      throw invalid('Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.');
    }
    const select = input.Select ?? (input.ProjectionExpression !== undefined ? 'SPECIFIC_ATTRIBUTES' : 'ALL_ATTRIBUTES');
    if (select === 'ALL_PROJECTED_ATTRIBUTES' || (select === 'SPECIFIC_ATTRIBUTES') !== (input.ProjectionExpression !== undefined)) {
      throw new Refusal(`Query with Select ${select}${input.ProjectionExpression !== undefined ? ' and a ProjectionExpression' : ''}`);
    }
    const placeholders = this.placeholders(input);
    const keyCondition = new Parser(input.KeyConditionExpression, 'KeyConditionExpression', placeholders).condition();
    const filter = this.parseCondition(input.FilterExpression, 'FilterExpression', placeholders);
    const projection = input.ProjectionExpression !== undefined ? new Parser(input.ProjectionExpression, 'ProjectionExpression', placeholders).projection() : undefined;
    placeholders.checkAllUsed(true, input.ExpressionAttributeNames, input.ExpressionAttributeValues);
    const table = this.tableOf(input.TableName);
    if (input.IndexName !== undefined) {
      throw invalid(`The table does not have the specified index: ${input.IndexName}`);
    }
    const { partition, sortKey } = keyConditionOf(table, keyCondition);
    if (filter) {
      const keyNames = [table.hash, table.range].filter((k): k is string => k !== undefined);
      const used = conditionPaths(filter).find((p) => keyNames.includes(p));
      if (used) {
        throw invalid(`Filter Expression can only contain non-primary key attributes: Primary key attribute: ${used}`);
      }
    }
    let items = this.partitionView(table, input.ConsistentRead === true)
      .filter((item) => equal(item[table.hash], partition) && (!sortKey || evaluate(sortKey, item)))
      .sort((a, b) => compareKeys(table, a, b));
    if (input.ScanIndexForward === false) {
      items = items.reverse();
    }
    if (input.ExclusiveStartKey !== undefined) {
      const start = this.keyItem(table, input.ExclusiveStartKey, 'The provided starting key is invalid: The provided key element does not match the schema');
      if (!equal(start[table.hash], partition)) {
        throw invalid('The provided starting key is invalid: its partition key is not the one the KeyConditionExpression names');
      }
      const forward = input.ScanIndexForward !== false;
      items = items.filter((item) => {
        const c = compareKeys(table, item, start);
        return forward ? c > 0 : c < 0;
      });
    }
    const page: Item[] = [];
    let bytesRead = 0;
    const full = () => (input.Limit !== undefined && page.length >= input.Limit) || bytesRead > LIMITS.pageBytes;
    for (const item of items) {
      if (full()) {
        break;
      }
      page.push(item);
      bytesRead += itemSize(item);
    }
    // A page that stopped at its Limit or past 1 MB has a LastEvaluatedKey, whether or not more follows.
    const stoppedEarly = page.length > 0 && full();
    const matching = filter ? page.filter((item) => evaluate(filter, item)) : page;
    const last = page[page.length - 1];
    return {
      ...(select === 'COUNT' ? {} : { Items: matching.map((item) => project(item, projection)) }),
      Count: matching.length,
      ScannedCount: page.length,
      ...(stoppedEarly && last ? { LastEvaluatedKey: keyAttributes(table, last) } : {}),
    };
  }

  private transactWriteItems(input: Json): Json {
    refuseConsumedCapacity(input);
    const request = JSON.stringify({ ...input, ClientRequestToken: undefined });
    const now = this.options.clock?.now() ?? 0;
    if (input.ClientRequestToken !== undefined) {
      const previous = this.tokens.get(input.ClientRequestToken);
      if (previous && now - previous.at <= LIMITS.idempotencyMs) {
        if (previous.request !== request) {
          throw new DynamoError('IdempotentParameterMismatchException', 'The request uses the same client token as a previous, but non-identical request.');
        }
        return {};
      }
    }
    interface Action {
      kind: string;
      table: TableState;
      key: string;
      keyItem: Item;
      condition?: Condition;
      item?: Item;
      plan?: UpdatePlan;
      returnOld: boolean;
    }
    const actions: Action[] = (input.TransactItems as Json[]).map((entry, index) => {
      const kinds = Object.keys(entry).filter((k) => entry[k] !== undefined);
      if (kinds.length !== 1) {
        throw invalid(`TransactItems[${index}] must hold exactly one of Put, Update, Delete, ConditionCheck; got ${kinds.join(', ') || 'none'}`);
      }
      const kind = kinds[0];
      const part = entry[kind] as Json;
      const placeholders = this.placeholders(part);
      const plan = kind === 'Update' ? new Parser(part.UpdateExpression, 'UpdateExpression', placeholders).update() : undefined;
      const condition = this.parseCondition(part.ConditionExpression, 'ConditionExpression', placeholders);
      const anyExpression = part.ConditionExpression !== undefined || plan !== undefined;
      placeholders.checkAllUsed(anyExpression, part.ExpressionAttributeNames, part.ExpressionAttributeValues);
      const table = this.tableOf(part.TableName);
      let item: Item | undefined;
      let keyItem: Item;
      if (kind === 'Put') {
        item = validateItem(part.Item, `TransactItems[${index}].Put.Item`);
        this.itemKey(table, item);
        keyItem = keyAttributes(table, item);
        checkItemSize(item, 'Item size has exceeded the maximum allowed size');
      } else {
        keyItem = this.keyItem(table, part.Key);
      }
      refuseKeyUpdates(table, plan);
      return { kind, table, key: keyString(table, keyItem), keyItem, condition, item, plan, returnOld: part.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' };
    });
    const targets = new Set<string>();
    for (const action of actions) {
      const target = `${action.table.name}/${action.key}`;
      if (targets.has(target)) {
        throw invalid('Transaction request cannot include multiple operations on one item');
      }
      targets.add(target);
    }
    const results = actions.map((action) => {
      const old = action.table.items.get(action.key);
      if (action.condition && !evaluate(action.condition, old ?? {})) {
        return { reason: { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', ...(action.returnOld && old ? { Item: clone(old) } : {}) } };
      }
      try {
        const next = action.kind === 'Put' ? action.item : action.kind === 'Update' ? applyUpdate(action.plan, old ?? action.keyItem) : action.kind === 'Delete' ? undefined : old;
        if (next) {
          checkItemSize(next, 'Item size to update has exceeded the maximum allowed size');
        }
        return { reason: { Code: 'None' }, next };
      } catch (error) {
        if (error instanceof DynamoError && error.type === 'ValidationException') {
          return { reason: { Code: 'ValidationError', Message: error.message } };
        }
        throw error;
      }
    });
    if (results.some((r) => r.reason.Code !== 'None')) {
      const codes = results.map((r) => r.reason.Code);
      throw new DynamoError('TransactionCanceledException',
        `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
        { CancellationReasons: results.map((r) => r.reason) });
    }
    actions.forEach((action, i) => {
      if (action.kind !== 'ConditionCheck' && (action.kind !== 'Delete' || action.table.items.has(action.key))) {
        this.write(action.table, action.key, results[i].next);
      }
    });
    if (input.ClientRequestToken !== undefined) {
      this.tokens.set(input.ClientRequestToken, { request, at: now });
    }
    return {};
  }

  // --- helpers -----------------------------------------------------------------------------------

  private placeholders(part: Json): Placeholders {
    return new Placeholders(part.ExpressionAttributeNames, part.ExpressionAttributeValues, this.options.bareAttributeNames ?? 'allow');
  }

  private parseCondition(source: string | undefined, what: string, placeholders: Placeholders): Condition | undefined {
    return source === undefined ? undefined : new Parser(source, what, placeholders).condition();
  }

  private checkCondition(condition: Condition | undefined, old: Item | undefined, onFailure: string | undefined): void {
    if (condition && !evaluate(condition, old ?? {})) {
      throw new DynamoError('ConditionalCheckFailedException', 'The conditional request failed',
        onFailure === 'ALL_OLD' && old ? { Item: clone(old) } : {});
    }
  }

  private resolveArn(tableName: string): string {
    return tableName.startsWith('arn:') ? tableName : tableArn(tableName);
  }

  /** The table a request names (by name or ARN). */
  private tableOf(tableName: string): TableState {
    let name = tableName;
    if (tableName.startsWith('arn:')) {
      const match = /^arn:aws:dynamodb:([^:]+):(\d{12}):table\/([^/]+)$/.exec(tableName);
      if (!match) {
        throw new Refusal(`the table ARN ${tableName}`);
      }
      if (match[1] !== REGION || match[2] !== ACCOUNT) {
        throw new Refusal(`tables of other Regions or accounts (${tableName})`);
      }
      name = match[3];
    }
    const table = this.tables.get(name);
    if (!table) {
      throw new DynamoError('ResourceNotFoundException', 'Requested resource not found');
    }
    return table;
  }

  private table_(name: string): TableState {
    const table = this.tables.get(name);
    if (!table) {
      throw new DynamoError('ResourceNotFoundException', `Table ${name} not found`);
    }
    return table;
  }

  /** The key attributes of a Key parameter: exactly the table's key, of its types. */
  private keyItem(table: TableState, key: Json, message = 'The provided key element does not match the schema'): Item {
    const valid = validateItem(key, 'Key');
    const names = [table.hash, table.range].filter((k): k is string => k !== undefined);
    const given = Object.keys(valid);
    if (given.length !== names.length || !names.every((n) => valid[n] && typeOf(valid[n]) === table.types[n])) {
      throw invalid(message);
    }
    this.checkKeyValues(table, valid);
    return valid;
  }

  private keyOf(table: TableState, key: Json): string {
    return keyString(table, this.keyItem(table, key));
  }

  /** The key of an item to write: the key attributes present, of the table's types. */
  private itemKey(table: TableState, item: Item): string {
    for (const name of [table.hash, table.range].filter((k): k is string => k !== undefined)) {
      if (!item[name]) {
        throw invalid(`One or more parameter values were invalid: Missing the key ${name} in the item`);
      }
      if (typeOf(item[name]) !== table.types[name]) {
        throw invalid(`One or more parameter values were invalid: Type mismatch for key ${name} expected: ${table.types[name]} actual: ${typeOf(item[name])}`);
      }
    }
    this.checkKeyValues(table, item);
    return keyString(table, item);
  }

  private checkKeyValues(table: TableState, item: Item): void {
    for (const [name, limit] of [[table.hash, LIMITS.partitionKeyBytes], [table.range, LIMITS.sortKeyBytes]] as const) {
      if (name === undefined) {
        continue;
      }
      const value = item[name];
      const size = valueSize(value);
      if ((typeOf(value) === 'S' || typeOf(value) === 'B') && size === 0) {
        throw invalid(`One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ${typeOf(value) === 'S' ? 'string' : 'binary'} value. Key: ${name}`);
      }
      if (size > limit) {
        throw invalid(`One or more parameter values were invalid: Size of ${name === table.hash ? 'hashkey' : 'rangekey'} has exceeded the maximum size limit of ${limit} bytes`);
      }
    }
  }

  private read(table: TableState, key: string, consistent: boolean): Item | undefined {
    if (!consistent && this.options.staleReads && table.before.has(key)) {
      return clone(table.before.get(key));
    }
    return clone(table.items.get(key));
  }

  private partitionView(table: TableState, consistent: boolean): Item[] {
    if (consistent || !this.options.staleReads) {
      return [...table.items.values()].map(clone);
    }
    const keys = new Set([...table.items.keys(), ...table.before.keys()]);
    return [...keys].map((k) => this.read(table, k, false)).filter((i): i is Item => i !== undefined);
  }

  private write(table: TableState, key: string, item: Item | undefined): void {
    table.before.set(key, clone(table.items.get(key)));
    if (item) {
      table.items.set(key, clone(item));
    } else {
      table.items.delete(key);
    }
  }
}

function keyAttributes(table: TableState, item: Item): Item {
  return Object.fromEntries([table.hash, table.range].filter((k): k is string => k !== undefined).map((k) => [k, clone(item[k])]));
}

function keyString(table: TableState, item: Item): string {
  const part = (name: string | undefined) => {
    if (name === undefined) {
      return null;
    }
    const v = item[name];
    return typeOf(v) === 'B' ? bytes(v.B).toString('base64') : v[typeOf(v)];
  };
  return JSON.stringify([part(table.hash), part(table.range)]);
}

function compareKeys(table: TableState, a: Item, b: Item): number {
  const byHash = keyString({ ...table, range: undefined }, a).localeCompare(keyString({ ...table, range: undefined }, b));
  if (byHash !== 0 || table.range === undefined) {
    return byHash;
  }
  return order(a[table.range], b[table.range]) ?? 0;
}

function project(item: Item, names: string[] | undefined): Item {
  const copy = clone(item);
  return names ? Object.fromEntries(names.filter((n) => copy[n] !== undefined).map((n) => [n, copy[n]])) : copy;
}

function checkItemSize(item: Item, message: string): void {
  const size = itemSize(item);
  if (size > LIMITS.itemBytes) {
    throw invalid(`${message} (${size} bytes; at most ${LIMITS.itemBytes})`);
  }
}

function refuseMembers(input: Json, legacy: string[]): void {
  const present = legacy.filter((m) => input[m] !== undefined);
  if (present.length > 0) {
    throw new Refusal(`the legacy parameter${present.length > 1 ? 's' : ''} ${present.join(', ')} (use expressions)`);
  }
}

function refuseConsumedCapacity(input: Json): void {
  if (input.ReturnConsumedCapacity !== undefined && input.ReturnConsumedCapacity !== 'NONE') {
    throw new Refusal(`ReturnConsumedCapacity ${input.ReturnConsumedCapacity}`);
  }
}

function returnValuesOneOf(operation: string, value: string | undefined, allowed: string[]): void {
  // "PutItem does not recognize any values other than NONE or ALL_OLD" (and DeleteItem likewise).
  if (value !== undefined && !allowed.includes(value)) {
    throw invalid(`ReturnValues can only be ${allowed.join(' or ')} for ${operation}; got ${value}`);
  }
}

function refuseKeyUpdates(table: TableState, plan: UpdatePlan | undefined): void {
  const key = plan?.paths.find((p) => p === table.hash || p === table.range);
  if (key) {
    throw invalid(`One or more parameter values were invalid: Cannot update attribute ${key}. This attribute is part of the key`);
  }
}

function conditionPaths(condition: Condition): string[] {
  const operandPath = (o?: Operand) => (o && o.kind !== 'value' ? [o.name] : []);
  switch (condition.kind) {
    case 'and':
    case 'or': return [...conditionPaths(condition.left), ...conditionPaths(condition.right)];
    case 'not': return conditionPaths(condition.condition);
    case 'compare': return [...operandPath(condition.left), ...operandPath(condition.right)];
    case 'between': return [condition.operand, condition.low, condition.high].flatMap(operandPath);
    case 'in': return [condition.operand, ...condition.list].flatMap(operandPath);
    case 'function': return [condition.path, ...operandPath(condition.operand)];
  }
}

/**
 * A KeyConditionExpression as Query's API reference spells it: `pk = :v`, optionally AND one sort
 * key condition (= < <= > >= BETWEEN begins_with), each with the key attribute first.
 */
function keyConditionOf(table: TableState, condition: Condition): { partition: AttributeValue; sortKey?: Condition } {
  const parts: Condition[] = [];
  const flatten = (c: Condition) => {
    if (c.kind === 'and') {
      flatten(c.left);
      flatten(c.right);
    } else if (c.kind === 'or' || c.kind === 'not' || c.kind === 'in') {
      throw invalid(`Invalid operator used in KeyConditionExpression: ${c.kind.toUpperCase()}`);
    } else {
      parts.push(c);
    }
  };
  flatten(condition);
  let partition: AttributeValue | undefined;
  let sortKey: Condition | undefined;
  for (const part of parts) {
    const { name, values } = keyConditionPart(part);
    if (name !== table.hash && name !== table.range) {
      throw invalid(`Query key condition not supported: ${name} is not a key attribute of the table`);
    }
    if (values.some((v) => typeOf(v) !== table.types[name])) {
      throw invalid('One or more parameter values were invalid: Condition parameter type does not match schema type');
    }
    if (name === table.hash) {
      if (partition || part.kind !== 'compare' || part.op !== '=') {
        throw invalid(partition ? 'KeyConditionExpressions must only contain one condition per key' : `Query key condition not supported: the partition key ${name} takes = only`);
      }
      partition = values[0];
    } else {
      if (sortKey) {
        throw invalid('KeyConditionExpressions must only contain one condition per key');
      }
      if (part.kind === 'compare' && part.op === '<>') {
        throw invalid('Unsupported operator on KeyConditionExpression: operator: <>');
      }
      sortKey = part;
    }
  }
  if (!partition) {
    throw invalid(`Query condition missed key schema element: ${table.hash}`);
  }
  return { partition, sortKey };
}

function keyConditionPart(part: Condition): { name: string; values: AttributeValue[] } {
  const value = (o: Operand) => {
    if (o.kind !== 'value') {
      throw new Refusal('key conditions whose right-hand side is not a :value (the documented form is `key op :value`)');
    }
    return o.value;
  };
  if (part.kind === 'compare') {
    if (part.left.kind !== 'path') {
      throw new Refusal('key conditions that do not start with the key attribute (the documented form is `key op :value`)');
    }
    return { name: part.left.name, values: [value(part.right)] };
  }
  if (part.kind === 'between') {
    if (part.operand.kind !== 'path') {
      throw new Refusal('key conditions that do not start with the key attribute');
    }
    return { name: part.operand.name, values: [value(part.low), value(part.high)] };
  }
  if (part.kind === 'function' && part.name === 'begins_with') {
    return { name: part.path, values: [value(part.operand!)] };
  }
  throw invalid(`Invalid operator used in KeyConditionExpression: ${part.kind === 'function' ? part.name : part.kind}`);
}

/** Applies an update plan to an item; every operand reads the item as it was before the update. */
function applyUpdate(plan: UpdatePlan | undefined, original: Item): Item {
  const next = clone(original);
  if (!plan) {
    return next;
  }
  const wrongType = () => invalid('An operand in the update expression has an incorrect data type');
  const value = (v: SetValue): AttributeValue => {
    switch (v.kind) {
      case 'value':
        return v.value;
      case 'path': {
        const found = original[v.name];
        if (!found) {
          throw invalid('The provided expression refers to an attribute that does not exist in the item');
        }
        return found;
      }
      case 'size':
        throw wrongType();
      case 'if_not_exists':
        return original[v.name] ?? value(v.fallback);
      case 'list_append': {
        const first = value(v.first);
        const second = value(v.second);
        if (typeOf(first) !== 'L' || typeOf(second) !== 'L') {
          throw wrongType();
        }
        return { L: [...first.L, ...second.L] };
      }
      case 'plus':
      case 'minus': {
        const left = value(v.left);
        const right = value(v.right);
        if (typeOf(left) !== 'N' || typeOf(right) !== 'N') {
          throw wrongType();
        }
        return { N: numberText(addNumbers(parseNumber(left.N), parseNumber(right.N), v.kind === 'minus')) };
      }
    }
  };
  const computed = plan.set.map(({ name, value: v }) => [name, clone(value(v))] as const);
  for (const [name, v] of computed) {
    next[name] = v;
  }
  for (const name of plan.remove) {
    delete next[name];
  }
  for (const { name, value: v } of plan.add) {
    const current = original[name];
    const type = typeOf(v);
    if (type === 'N') {
      if (current && typeOf(current) !== 'N') {
        throw wrongType();
      }
      // "If you use ADD ... for an item that doesn't exist before the update, DynamoDB uses 0 as the initial value."
      next[name] = { N: numberText(addNumbers(current ? parseNumber(current.N) : ZERO, parseNumber(v.N))) };
    } else {
      if (current && typeOf(current) !== type) {
        throw wrongType();
      }
      const members: string[] = current ? [...current[type]] : [];
      for (const m of v[type] as string[]) {
        if (!members.some((x) => equal({ [SET_TYPES[type]]: x }, { [SET_TYPES[type]]: m }))) {
          members.push(m);
        }
      }
      next[name] = { [type]: members };
    }
  }
  for (const { name, value: v } of plan.delete) {
    const current = original[name];
    const type = typeOf(v);
    if (!current) {
      continue;
    }
    if (typeOf(current) !== type) {
      throw wrongType();
    }
    const removed = (x: string) => (v[type] as string[]).some((m) => equal({ [SET_TYPES[type]]: x }, { [SET_TYPES[type]]: m }));
    const kept = (current[type] as string[]).filter((x) => !removed(x));
    if (kept.length === 0) {
      delete next[name]; // a set cannot be empty
    } else {
      next[name] = { [type]: kept };
    }
  }
  return next;
}

function returnValues(kind: string | undefined, plan: UpdatePlan | undefined, old: Item | undefined, updated: Item): Json {
  const pick = (item: Item | undefined) => Object.fromEntries((plan?.paths ?? [])
    .filter((p) => item?.[p] !== undefined)
    .map((p) => [p, clone(item![p])]));
  let attributes: Item | undefined;
  switch (kind ?? 'NONE') {
    case 'NONE': return {};
    case 'ALL_OLD': attributes = old && clone(old); break;
    case 'ALL_NEW': attributes = clone(updated); break;
    case 'UPDATED_OLD': attributes = pick(old); break;
    case 'UPDATED_NEW': attributes = pick(updated); break;
    default: throw invalid(`ReturnValues ${kind} is not one of NONE, ALL_OLD, ALL_NEW, UPDATED_OLD, UPDATED_NEW`);
  }
  return attributes && Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
}

function respond(statusCode: number, body: Json): { response: HttpResponse } {
  return {
    response: new HttpResponse({
      statusCode,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'fake-request' },
      body: new TextEncoder().encode(JSON.stringify(body)),
    }),
  };
}

function withoutUndefined(value: Json): Json {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
