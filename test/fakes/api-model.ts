import { existsSync, readFileSync } from 'fs';

// The official AWS API models as Debian's python3-botocore ships them (botocore 1.29): shapes with
// their required members, lengths, patterns, enums and ranges. Every request a handler sends in
// the tests is checked against them, so a request real AWS would refuse fails the test.
const BOTOCORE_DATA = '/usr/lib/python3/dist-packages/botocore/data';

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
  readonly operations: Record<string, { input?: { shape: string } }>;
  readonly shapes: Record<string, Shape>;
}

/**
 * Members AWS added after botocore 1.29: the model does not know them, so they are accepted only
 * when the current SDK's own schema of the same structure has them (a second, newer model).
 */
export type NewerMembers = (structure: string) => readonly string[];

/** A request that the API model rejects. */
export class ModelViolation extends Error {
  constructor(public readonly operation: string, public readonly problems: string[]) {
    super(`${operation} request violates the AWS API model:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ModelViolation';
  }
}

/** The API model of one service. */
export class ApiModel {
  /** Loads `<service>/<version>/service-2.json` from python3-botocore. */
  public static load(service: string, version: string, newerMembers: NewerMembers = () => []): ApiModel {
    const file = `${BOTOCORE_DATA}/${service}/${version}/service-2.json`;
    if (!existsSync(file)) {
      throw new Error(`The AWS API model ${file} is missing: install Debian's python3-botocore (sudo apt-get install -y python3-botocore).`);
    }
    return new ApiModel(JSON.parse(readFileSync(file, 'utf-8')), newerMembers);
  }

  /** Members accepted because only the newer SDK schema knows them, with where they were seen. */
  public readonly acceptedNewerMembers = new Set<string>();
  private readonly patterns = new Map<string, RegExp>();

  private constructor(private readonly model: ServiceModel, private readonly newerMembers: NewerMembers) {}

  /** The operation's input structure name. */
  public inputShape(operation: string): string {
    const input = this.model.operations[operation]?.input?.shape;
    if (!input) {
      throw new Error(`The API model has no operation ${operation}.`);
    }
    return input;
  }

  /** The member names of a structure. */
  public members(structure: string): string[] {
    return Object.keys(this.model.shapes[structure]?.members ?? {});
  }

  /** Throws a ModelViolation unless `input` is a valid request of `operation`. */
  public check(operation: string, input: unknown): void {
    const problems: string[] = [];
    this.checkShape(this.inputShape(operation), input, operation, problems);
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
          } else if (this.newerMembers(name).includes(member)) {
            this.acceptedNewerMembers.add(`${name}.${member}`);
          } else {
            problems.push(`${at}.${member}: not a member of ${name}`);
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
      re = new RegExp(`^(?:${source})$`, 'u');
      this.patterns.set(source, re);
    }
    return re;
  }
}

/**
 * The member names the current SDK v3 client knows for a structure, read off its schema
 * (`<Structure>$` exports: [kind, namespace, name, traits, memberNames, memberSchemas]).
 */
export function sdkSchemaMembers(sdk: Record<string, unknown>): NewerMembers {
  return (structure) => {
    const schema = sdk[`${structure}$`];
    return Array.isArray(schema) && Array.isArray(schema[4]) ? (schema[4] as string[]) : [];
  };
}
