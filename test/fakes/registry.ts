import { existsSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import Ajv, { ValidateFunction } from 'ajv';

/*
 * What the CloudFormation simulator knows about resource types, read from AWS's own data and from
 * nothing else:
 * - @aws-cdk/aws-service-spec, the CloudFormation registry data aws-cdk generates from: what Ref
 *   returns (cfnRefIdentifier, else primaryIdentifier), which GetAtt attributes exist, required
 *   properties, which property changes replace the resource, ARN templates;
 * - cfn-lint's copy of the registry's resource provider schemas (pinned in requirements-dev.txt,
 *   in .venv): the replacement strategy (create_then_delete unless the schema says otherwise), the
 *   additional identifiers, and the JSON schema CloudFormation validates properties against.
 */

const REPO = join(__dirname, '..', '..');
const db = loadAwsServiceSpecSync();

/** How CloudFormation replaces a resource (resource schema `replacementStrategy`). */
export type ReplacementStrategy = 'create_then_delete' | 'delete_then_create';

/** What the registry says about one resource type. */
export interface ResourceFacts {
  readonly type: string;
  /** The attributes (or properties) whose values, joined with "|", Ref returns. */
  readonly refIdentifier: readonly string[];
  /** The properties and attributes that identify a resource (primary and additional identifiers). */
  readonly identifiers: readonly string[];
  /**
   * Groups of properties that, set in a template, name the resource (a custom name): the primary
   * identifier when it is made of properties, each additional identifier, and the properties the
   * ARN template is made of when the primary identifier is the ARN.
   */
  readonly nameGroups: ReadonlyArray<readonly string[]>;
  /** The attributes GetAtt accepts; undefined for custom resources (any key of the response Data). */
  readonly attributes?: ReadonlySet<string>;
  /** The property names of the type. */
  readonly properties: ReadonlySet<string>;
  readonly required: readonly string[];
  /** Properties whose change replaces the resource ('yes' or 'maybe'). */
  readonly replacing: ReadonlyMap<string, string>;
  readonly replacementStrategy: ReplacementStrategy;
  readonly arnTemplate?: string;
  /** Validates resolved properties against the registry schema; undefined when it has none. */
  readonly validate?: (properties: unknown) => string[];
}

const cache = new Map<string, ResourceFacts>();

/** The registry facts of a type; `Custom::*` types are `AWS::CloudFormation::CustomResource`. */
export function resourceFacts(type: string): ResourceFacts {
  const registryType = type.startsWith('Custom::') ? 'AWS::CloudFormation::CustomResource' : type;
  let facts = cache.get(type);
  if (!facts) {
    const found = db.lookup('resource', 'cloudFormationType', 'equals', registryType);
    if (found.length !== 1) {
      throw new Error(`Template format error: Unrecognized resource types: [${type}]`);
    }
    const resource = found[0];
    const schema = providerSchema(registryType);
    const additionalGroups: string[][] = (schema?.additionalIdentifiers ?? []).map((g: string[]) => g.map((p) => p.replace('/properties/', '')));
    const additional = additionalGroups.flat();
    const properties = new Set(Object.keys(resource.properties));
    const primary = resource.primaryIdentifier ?? [];
    const arnVariables = [...(resource.arnTemplate ?? '').matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]).filter((v) => properties.has(v));
    const nameGroups = [
      ...(primary.length > 0 && primary.every((p) => properties.has(p)) ? [primary] : []),
      ...additionalGroups,
      ...(primary.some((p) => /Arn$/.test(p)) && arnVariables.length > 0 ? [arnVariables] : []),
    ];
    facts = {
      type,
      refIdentifier: resource.cfnRefIdentifier ?? resource.primaryIdentifier ?? [],
      identifiers: [...primary, ...additional],
      nameGroups,
      attributes: type.startsWith('Custom::') ? undefined : new Set(Object.keys(resource.attributes)),
      properties,
      required: Object.entries(resource.properties).filter(([, p]) => p.required).map(([name]) => name),
      replacing: new Map(Object.entries(resource.properties)
        .filter(([, p]) => p.causesReplacement === 'yes' || p.causesReplacement === 'maybe')
        .map(([name, p]) => [name, p.causesReplacement as string])),
      replacementStrategy: schema?.replacementStrategy ?? 'create_then_delete',
      arnTemplate: resource.arnTemplate,
      validate: schema && !type.startsWith('Custom::') ? schemaValidator(registryType, schema) : undefined,
    };
    cache.set(type, facts);
  }
  return facts;
}

/** The Regions whose registry (cfn-lint's per-Region provider list) has a resource type. */
export function regionsWithType(type: string): string[] {
  const dir = join(cfnLintSchemas(), 'providers');
  return readdirSync(dir).filter((f) => /^[a-z]+(-[a-z]+)+-\d+\.json$/.test(f))
    .filter((f) => type in JSON.parse(readFileSync(join(dir, f), 'utf-8')))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();
}

/** The folder of cfn-lint's registry schemas in .venv. */
export function cfnLintSchemas(): string {
  const lib = join(REPO, '.venv', 'lib');
  const python = existsSync(lib) ? readdirSync(lib).find((d) => d.startsWith('python')) : undefined;
  const dir = python && join(lib, python, 'site-packages', 'cfnlint', 'data', 'schemas');
  if (!dir || !existsSync(dir)) {
    throw new Error('cfn-lint\'s registry schemas are missing from .venv: run scripts/python-env.sh (`npm test` does).');
  }
  return dir;
}

let providers: Record<string, string> | undefined;

/** The registry's resource provider schema of a type (us-east-1), from cfn-lint's copy. */
export function providerSchema(type: string): any {
  providers ??= JSON.parse(readFileSync(join(cfnLintSchemas(), 'providers', 'us-east-1.json'), 'utf-8'));
  const hash = providers![type];
  return hash ? JSON.parse(readFileSync(join(cfnLintSchemas(), 'resources', `${hash}.json`), 'utf-8')) : undefined;
}

const ajv = new Ajv({
  strict: false,
  allErrors: true,
  validateFormats: false,
  // Registry patterns are written for Java/Python engines: translate their anchors and flags.
  code: { regExp: registryRegExp as any },
});

function schemaValidator(type: string, schema: any): (properties: unknown) => string[] {
  const { $schema: _draft, $id: _id, ...rest } = schema;
  let compiled: ValidateFunction;
  try {
    compiled = ajv.compile({ ...rest, $id: `registry:${type}` });
  } catch (error) {
    throw new Error(`The registry schema of ${type} does not compile: ${(error as Error).message}`);
  }
  return (properties) => {
    if (compiled(properties ?? {})) {
      return [];
    }
    return (compiled.errors ?? []).map((e) => `#${e.instancePath}: ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${e.params.additionalProperty})` : ''}`);
  };
}

/** A JavaScript RegExp for a registry pattern: \A and \Z anchors, leading inline flags such as (?s). */
function registryRegExp(pattern: string, flags: string): RegExp {
  let source = pattern.replace(/\\A/g, '^').replace(/\\Z/g, '$');
  let extra = '';
  const inline = /^(\^?)\(\?([a-z]+)\)/.exec(source);
  if (inline) {
    source = inline[1] + source.slice(inline[0].length);
    extra = inline[2].replace(/[^imsu]/g, '');
  }
  try {
    return new RegExp(source, [...new Set(`${flags}${extra}`)].join(''));
  } catch {
    return new RegExp(source, [...new Set(`${flags}${extra}`)].join('').replace('u', ''));
  }
}
