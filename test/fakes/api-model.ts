import { existsSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { gunzipSync } from 'zlib';

// Every request a handler sends in the tests is checked against two of AWS's own models:
// - botocore's service-2.json (pinned in requirements-dev.txt, installed into .venv): members,
//   required members, lengths, patterns, enums and ranges;
// - the schema the pinned SDK v3 client itself serializes with (`<Shape>$` exports): members,
//   required members and types. A member this SDK does not know is one it would silently drop.
// A member one model knows and the other does not is a violation, never waved through.

const REPO = join(__dirname, '..', '..');

/** The botocore data folder of .venv (scripts/python-env.sh creates it; `npm test` runs that). */
export function botocoreDataDir(): string {
  const lib = join(REPO, '.venv', 'lib');
  const python = existsSync(lib) ? readdirSync(lib).find((d) => d.startsWith('python')) : undefined;
  const dir = python && join(lib, python, 'site-packages', 'botocore', 'data');
  if (!dir || !existsSync(dir)) {
    throw new Error('The AWS API models (botocore) are missing from .venv: run scripts/python-env.sh (`npm test` does).');
  }
  return dir;
}

/** The version of the botocore models. */
export function botocoreVersion(): string {
  const init = readFileSync(join(botocoreDataDir(), '..', '__init__.py'), 'utf-8');
  return /__version__ = '([^']+)'/.exec(init)?.[1] ?? 'unknown';
}

interface Shape {
  readonly type: string;
  readonly members?: Record<string, { shape: string }>;
  readonly required?: string[];
  readonly member?: { shape: string };
  readonly key?: { shape: string };
  readonly value?: { shape: string };
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: string[];
}

interface ServiceModel {
  readonly metadata: { readonly serviceId: string };
  readonly operations: Record<string, { input?: { shape: string } }>;
  readonly shapes: Record<string, Shape>;
}

/** A request that the API models reject. */
export class ModelViolation extends Error {
  constructor(public readonly operation: string, public readonly problems: string[]) {
    super(`${operation} request violates the AWS API model:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ModelViolation';
  }
}

/** The API models of one service: botocore's, and the pinned SDK client's schema. */
export class ApiModel {
  /**
   * Loads `<service>/<version>/service-2.json(.gz)` from botocore in .venv, and the schema of the
   * SDK client module `sdk` (for example `require('@aws-sdk/client-cognito-identity-provider')`).
   */
  public static load(service: string, version: string, sdk: Record<string, unknown>): ApiModel {
    const base = join(botocoreDataDir(), service, version, 'service-2.json');
    const text = existsSync(base) ? readFileSync(base, 'utf-8') : gunzipSync(readFileSync(`${base}.gz`)).toString('utf-8');
    return new ApiModel(JSON.parse(text), new SdkSchema(sdk));
  }

  private readonly patterns = new Map<string, RegExp>();

  private constructor(private readonly model: ServiceModel, public readonly sdk: SdkSchema) {}

  /** The operation's input structure name. */
  public inputShape(operation: string): string {
    const input = this.model.operations[operation]?.input?.shape;
    if (!input) {
      throw new Error(`The API model has no operation ${operation}.`);
    }
    return input;
  }

  /** The member names of a structure in botocore's model. */
  public members(structure: string): string[] {
    return Object.keys(this.model.shapes[structure]?.members ?? {});
  }

  /** The documentation of a member in botocore's model, without HTML tags. */
  public documentation(structure: string, member: string): string {
    const doc = (this.model.shapes[structure]?.members?.[member] as { documentation?: string } | undefined)?.documentation ?? '';
    return doc.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
  }

  /** Throws a ModelViolation unless `input` is a valid request of `operation` in both models. */
  public check(operation: string, input: unknown): void {
    const problems: string[] = [];
    this.checkShape(this.inputShape(operation), input, operation, problems);
    problems.push(...this.sdk.check(operation, input));
    if (problems.length > 0) {
      throw new ModelViolation(operation, problems);
    }
  }

  private checkShape(name: string, value: unknown, at: string, problems: string[]): void {
    const shape = this.model.shapes[name];
    switch (shape.type) {
      case 'structure': {
        if (!value || typeof value !== 'object' || Array.isArray(value)) {
          problems.push(`${at}: expected a ${name} object, got ${JSON.stringify(value)}`);
          return;
        }
        const record = value as Record<string, unknown>;
        for (const required of shape.required ?? []) {
          if (record[required] === undefined) {
            problems.push(`${at}.${required}: required by ${name}, missing`);
          }
        }
        for (const [member, memberValue] of Object.entries(record)) {
          const target = shape.members?.[member];
          if (target) {
            this.checkShape(target.shape, memberValue, `${at}.${member}`, problems);
          } else {
            problems.push(`${at}.${member}: not a member of ${name} (botocore ${botocoreVersion()})`);
          }
        }
        return;
      }
      case 'list':
        if (!Array.isArray(value)) {
          problems.push(`${at}: expected a list, got ${JSON.stringify(value)}`);
          return;
        }
        this.checkSize(shape, value.length, 'items', at, problems);
        value.forEach((item, i) => this.checkShape(shape.member!.shape, item, `${at}[${i}]`, problems));
        return;
      case 'map':
        if (!value || typeof value !== 'object') {
          problems.push(`${at}: expected a map, got ${JSON.stringify(value)}`);
          return;
        }
        this.checkSize(shape, Object.keys(value).length, 'entries', at, problems);
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          this.checkShape(shape.key!.shape, k, `${at} key`, problems);
          this.checkShape(shape.value!.shape, v, `${at}.${k}`, problems);
        }
        return;
      case 'string':
        if (typeof value !== 'string') {
          problems.push(`${at}: expected a string, got ${JSON.stringify(value)}`);
          return;
        }
        this.checkSize(shape, [...value].length, 'characters', at, problems);
        if (shape.enum && !shape.enum.includes(value)) {
          problems.push(`${at}: ${JSON.stringify(value)} is not one of ${shape.enum.join(', ')}`);
        }
        if (shape.pattern && !this.pattern(shape.pattern).test(value)) {
          problems.push(`${at}: ${JSON.stringify(value)} does not match ${shape.pattern}`);
        }
        return;
      case 'integer':
      case 'long':
        if (typeof value !== 'number' || !Number.isInteger(value)) {
          problems.push(`${at}: expected an integer, got ${JSON.stringify(value)}`);
          return;
        }
        if ((shape.min !== undefined && value < shape.min) || (shape.max !== undefined && value > shape.max)) {
          problems.push(`${at}: ${value} is outside ${shape.min ?? '-inf'}..${shape.max ?? 'inf'}`);
        }
        return;
      case 'boolean':
        if (typeof value !== 'boolean') {
          problems.push(`${at}: expected a boolean, got ${JSON.stringify(value)}`);
        }
        return;
      case 'timestamp':
        if (typeof value !== 'number' && typeof value !== 'string') {
          problems.push(`${at}: expected a timestamp, got ${JSON.stringify(value)}`);
        }
        return;
      default:
        return; // blobs and documents: nothing the handlers send
    }
  }

  private checkSize(shape: Shape, size: number, unit: string, at: string, problems: string[]): void {
    if (shape.min !== undefined && size < shape.min) {
      problems.push(`${at}: ${size} ${unit}, fewer than ${shape.min}`);
    }
    if (shape.max !== undefined && size > shape.max) {
      problems.push(`${at}: ${size} ${unit}, more than ${shape.max}`);
    }
  }

  /** Model patterns are Java regular expressions matched against the whole value. */
  private pattern(source: string): RegExp {
    let re = this.patterns.get(source);
    if (!re) {
      // Java's leading inline flags, such as (?s), become JavaScript flags.
      const inline = /^\(\?([a-z]+)\)/.exec(source);
      re = new RegExp(`^(?:${inline ? source.slice(inline[0].length) : source})$`, `u${inline?.[1] ?? ''}`);
      this.patterns.set(source, re);
    }
    return re;
  }
}

/*
 * The schema an SDK v3 client serializes with, as its `<Shape>$` exports hold it (smithy's
 * "static schema" arrays): [9, ns, name, traits, input, output] for an operation;
 * [3, ns, name, traits, memberNames, memberSchemas, requiredCount?] for a structure;
 * [1, ns, name, traits, memberSchema] for a list; [2, ns, name, traits, keySchema, valueSchema] for a
 * map; [0, ns, name, traits, baseSchema] for a simple shape with traits. A member schema is a number
 * (0 string, 1 number, 2 boolean, 4/5/6/7 timestamps, 21 blob, 15 document; 64|n a list of n,
 * 128|n a map of n), a function returning a schema, or [schema, memberTraits].
 */
type SchemaRef = number | (() => unknown) | unknown[];

/** The serialization schema of a pinned SDK v3 client module. */
export class SdkSchema {
  constructor(private readonly sdk: Record<string, unknown>) {}

  /** The member names of a structure, as this SDK knows them. */
  public members(structure: string): string[] {
    const schema = this.sdk[`${structure}$`];
    return Array.isArray(schema) && schema[0] === 3 ? [...(schema[4] as string[])] : [];
  }

  /** Problems of `input` as a request of `operation` under this SDK's schema. */
  public check(operation: string, input: unknown): string[] {
    const op = this.sdk[`${operation}$`];
    if (!Array.isArray(op) || op[0] !== 9) {
      return [`${operation}: the pinned SDK has no such operation`];
    }
    const problems: string[] = [];
    this.checkValue(op[4] as SchemaRef, input, operation, problems);
    return problems;
  }

  private checkValue(ref: SchemaRef, value: unknown, at: string, problems: string[]): void {
    const schema = deref(ref);
    if (typeof schema === 'number') {
      this.checkSimple(schema, value, at, problems);
      return;
    }
    const [kind, , name] = schema as [number, string, string];
    switch (kind) {
      case 0:
        this.checkValue((schema as unknown[])[4] as SchemaRef, value, at, problems);
        return;
      case 3:
      case -3: {
        if (!value || typeof value !== 'object' || Array.isArray(value)) {
          problems.push(`${at}: expected a ${name} object (SDK schema), got ${JSON.stringify(value)}`);
          return;
        }
        const names = (schema as unknown[])[4] as string[];
        const refs = (schema as unknown[])[5] as SchemaRef[];
        const required = ((schema as unknown[])[6] as number | undefined) ?? 0;
        const record = value as Record<string, unknown>;
        names.slice(0, required).filter((m) => record[m] === undefined)
          .forEach((m) => problems.push(`${at}.${m}: required by ${name} (SDK schema), missing`));
        for (const [member, memberValue] of Object.entries(record)) {
          const index = names.indexOf(member);
          if (index < 0) {
            problems.push(`${at}.${member}: not a member of ${name} in the pinned SDK (it would drop it)`);
          } else {
            this.checkValue(refs[index], memberValue, `${at}.${member}`, problems);
          }
        }
        return;
      }
      case 1:
        if (!Array.isArray(value)) {
          problems.push(`${at}: expected a list (SDK schema), got ${JSON.stringify(value)}`);
          return;
        }
        value.forEach((item, i) => this.checkValue((schema as unknown[])[4] as SchemaRef, item, `${at}[${i}]`, problems));
        return;
      case 2:
        if (!value || typeof value !== 'object' || Array.isArray(value)) {
          problems.push(`${at}: expected a map (SDK schema), got ${JSON.stringify(value)}`);
          return;
        }
        Object.entries(value as Record<string, unknown>).forEach(([k, v]) => this.checkValue((schema as unknown[])[5] as SchemaRef, v, `${at}.${k}`, problems));
        return;
      default:
        return;
    }
  }

  private checkSimple(code: number, value: unknown, at: string, problems: string[]): void {
    /* eslint-disable no-bitwise */
    if (code & 64) {
      this.checkValue([1, '', 'list', 0, code & 63], value, at, problems);
      return;
    }
    if (code & 128) {
      this.checkValue([2, '', 'map', 0, 0, code & 127], value, at, problems);
      return;
    }
    /* eslint-enable no-bitwise */
    const expected = code === 0 ? 'string' : code === 1 ? 'number' : code === 2 ? 'boolean' : undefined;
    if (expected && typeof value !== expected) {
      problems.push(`${at}: expected a ${expected} (SDK schema), got ${JSON.stringify(value)}`);
    }
  }
}

function deref(ref: SchemaRef): unknown {
  let schema: unknown = ref;
  while (typeof schema === 'function') {
    schema = (schema as () => unknown)();
  }
  if (Array.isArray(schema) && schema.length === 2 && (typeof schema[0] === 'function' || typeof schema[0] === 'number')) {
    return deref(schema[0] as SchemaRef); // [schema, member traits]
  }
  return schema;
}
