import { createHash } from 'crypto';
import { readFileSync } from 'fs';
import { join } from 'path';
import { FakeCognito } from './fake-cognito';
import { FakeS3 } from './fake-s3';
import { VirtualClock } from './virtual-clock';
import type { HandlerResponse, ResourceEvent } from '../../src/handlers/dispatch';

type Json = Record<string, any>;
type Handler = (event: ResourceEvent<any>, context: { getRemainingTimeInMillis(): number }) => Promise<HandlerResponse<any>>;

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
const STACK_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/Test/5a3e1c10-8d2f-11ef-9e4b-0a1b2c3d4e5f`;

/** One custom resource event the simulator sent, and how it ended. */
export interface Invocation {
  readonly logicalId: string;
  readonly requestType: 'Create' | 'Update' | 'Delete';
  readonly resourceType: string;
  readonly error?: string;
  readonly data?: Json;
}

/** A synthesized stack: its template and cloud assembly folder (for assets). */
export interface SynthesizedStack {
  readonly template: Json;
  readonly assemblyDir: string;
  readonly stackName: string;
}

/**
 * A small CloudFormation for tests: deploys successive versions of a synthesized template against
 * the fake Cognito, doing what CloudFormation does where it matters here.
 * - A user pool or app client whose properties changed is updated with all its template
 *   properties (so the placeholder callback URL and the template invitation come back).
 * - A workforce whose name or Cognito config changed is replaced, with a new SubDomain.
 * - A custom resource gets Create when new, Update only when its resolved properties changed
 *   (with OldResourceProperties), Delete when removed; every scalar property arrives as a string.
 * Resources it does not model (IAM, Lambda, WAF, logs...) just get a physical id.
 */
export class CloudFormationSim {
  public readonly invocations: Invocation[] = [];
  private template: Json = { Resources: {} };
  private readonly physicalIds = new Map<string, string>();
  private readonly attributes = new Map<string, Json>();
  private readonly applied = new Map<string, Json>();
  private workforceGeneration = 0;

  constructor(
    private readonly cognito: FakeCognito,
    private readonly s3: FakeS3,
    private readonly handler: Handler,
    private readonly clock: VirtualClock,
  ) {}

  /** The physical id of a resource, found by type (the only one of its type). */
  public physicalIdOf(type: string): string {
    const ids = Object.keys(this.template.Resources).filter((id) => this.template.Resources[id].Type === type);
    if (ids.length !== 1) {
      throw new Error(`expected one ${type}, found ${ids.length}`);
    }
    return this.physicalIds.get(ids[0])!;
  }

  /** The attributes of a resource, found by type. */
  public attributesOf(type: string): Json {
    const id = Object.keys(this.template.Resources).find((k) => this.template.Resources[k].Type === type)!;
    return this.attributes.get(id) ?? {};
  }

  /** Deploys a version of the stack. Throws when a custom resource fails (as the deploy would). */
  public async deploy(stack: SynthesizedStack): Promise<Invocation[]> {
    this.publishAssets(stack);
    const previous = this.template;
    this.template = stack.template;
    const started = this.invocations.length;
    for (const id of this.order(stack.template.Resources)) {
      await this.apply(id, stack.template.Resources[id], previous.Resources[id]);
    }
    for (const id of Object.keys(previous.Resources).reverse()) {
      if (!stack.template.Resources[id]) {
        await this.remove(id, previous.Resources[id]);
      }
    }
    return this.invocations.slice(started);
  }

  /** Deletes the stack: custom resources get Delete, in reverse dependency order. */
  public async deleteStack(): Promise<Invocation[]> {
    const started = this.invocations.length;
    for (const id of this.order(this.template.Resources).reverse()) {
      await this.remove(id, this.template.Resources[id]);
    }
    this.template = { Resources: {} };
    return this.invocations.slice(started);
  }

  /** Sends one custom resource event straight to the handler (CloudFormation retrying, say). */
  public async send(event: ResourceEvent<any>): Promise<HandlerResponse<any>> {
    return this.clock.run(this.handler(stringify(event), { getRemainingTimeInMillis: () => 15 * 60_000 }));
  }

  /** The last event properties of a custom resource, by logical id. */
  public propertiesOf(logicalId: string): Json {
    return this.applied.get(logicalId)!;
  }

  private async apply(id: string, resource: Json, before: Json | undefined): Promise<void> {
    const properties = this.resolve(resource.Properties ?? {});
    const old = this.applied.get(id);
    const changed = !old || JSON.stringify(old) !== JSON.stringify(properties);
    switch (resource.Type) {
      case 'AWS::Cognito::UserPool':
        if (!before) {
          const poolId = this.cognito.createUserPool(properties);
          this.physicalIds.set(id, poolId);
          this.attributes.set(id, { Arn: `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${poolId}`, ProviderName: `cognito-idp.${REGION}.amazonaws.com/${poolId}` });
        } else if (changed) {
          this.cognito.cloudFormationUpdateUserPool(this.physicalIds.get(id)!, properties);
        }
        break;
      case 'AWS::Cognito::UserPoolClient':
        if (!before) {
          this.physicalIds.set(id, this.cognito.createUserPoolClient(properties.UserPoolId, properties));
        } else if (changed) {
          this.cognito.cloudFormationUpdateUserPoolClient(properties.UserPoolId, this.physicalIds.get(id)!, properties);
        }
        break;
      case 'AWS::Cognito::UserPoolGroup':
        if (!before) {
          this.cognito.createGroup(properties.UserPoolId, properties.GroupName);
          this.physicalIds.set(id, properties.GroupName);
        }
        break;
      case 'AWS::SageMaker::Workforce': {
        const replaced = !before || JSON.stringify(old?.WorkforceName) !== JSON.stringify(properties.WorkforceName)
          || JSON.stringify(old?.CognitoConfig) !== JSON.stringify(properties.CognitoConfig);
        this.physicalIds.set(id, properties.WorkforceName);
        if (replaced) {
          const generation = ++this.workforceGeneration;
          const sub = createHash('sha256').update(`${properties.WorkforceName}/${generation}`).digest('hex').slice(0, 10);
          this.attributes.set(id, {
            SubDomain: `${sub}.labeling.${REGION}.sagemaker.aws`,
            WorkforceArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:workforce/${properties.WorkforceName}`,
          });
        }
        break;
      }
      default:
        if (resource.Type.startsWith('Custom::')) {
          if (!before || changed) {
            this.applied.set(id, properties);
            await this.invoke(id, resource.Type, before ? 'Update' : 'Create', properties, old);
          }
        } else {
          this.physicalIds.set(id, this.physicalIds.get(id) ?? `${id}-physical`);
        }
    }
    this.applied.set(id, properties);
  }

  private async remove(id: string, resource: Json): Promise<void> {
    if (resource.Type.startsWith('Custom::') && this.physicalIds.has(id)) {
      await this.invoke(id, resource.Type, 'Delete', this.applied.get(id)!, undefined);
    }
    this.physicalIds.delete(id);
    this.applied.delete(id);
  }

  private async invoke(id: string, resourceType: string, requestType: 'Create' | 'Update' | 'Delete', properties: Json, old: Json | undefined): Promise<void> {
    const event: Json = {
      RequestType: requestType,
      ResourceType: resourceType,
      LogicalResourceId: id,
      RequestId: `request-${this.invocations.length + 1}`,
      StackId: STACK_ID,
      ResourceProperties: properties,
      ...(requestType !== 'Create' ? { PhysicalResourceId: this.physicalIds.get(id) } : {}),
      ...(requestType === 'Update' ? { OldResourceProperties: old } : {}),
    };
    try {
      const response = await this.send(event as ResourceEvent<any>);
      this.physicalIds.set(id, response.PhysicalResourceId);
      this.attributes.set(id, response.Data ?? {});
      this.invocations.push({ logicalId: id, requestType, resourceType, data: response.Data });
    } catch (error) {
      this.invocations.push({ logicalId: id, requestType, resourceType, error: (error as Error).message });
      throw new Error(`${requestType} of ${id} (${resourceType}) failed: ${(error as Error).message}`);
    }
  }

  /** Resources in an order that puts every dependency first. */
  private order(resources: Json): string[] {
    const done = new Set<string>();
    const result: string[] = [];
    const visit = (id: string, path: string[]) => {
      if (done.has(id)) {
        return;
      }
      if (path.includes(id)) {
        throw new Error(`dependency cycle: ${[...path, id].join(' -> ')}`);
      }
      for (const dep of dependencies(resources[id], resources)) {
        visit(dep, [...path, id]);
      }
      done.add(id);
      result.push(id);
    };
    Object.keys(resources).forEach((id) => visit(id, []));
    return result;
  }

  private resolve(value: any): any {
    if (Array.isArray(value)) {
      return value.map((v) => this.resolve(v)).filter((v) => v !== NO_VALUE);
    }
    if (!value || typeof value !== 'object') {
      return value;
    }
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [fn] = keys;
      const arg = value[fn];
      switch (fn) {
        case 'Ref':
          return this.ref(arg);
        case 'Fn::GetAtt': {
          const [target, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
          return this.attributes.get(target)?.[attribute] ?? `${target}.${attribute}`;
        }
        case 'Fn::Join':
          return (this.resolve(arg[1]) as any[]).join(arg[0]);
        case 'Fn::Select':
          return this.resolve(arg[1])[Number(this.resolve(arg[0]))];
        case 'Fn::Split':
          return String(this.resolve(arg[1])).split(arg[0]);
        case 'Fn::Sub': {
          const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
          return String(text).replace(/\$\{([^}]+)\}/g, (_, name: string) => String(vars[name] !== undefined ? this.resolve(vars[name]) : this.ref(name)));
        }
      }
    }
    const result: Json = {};
    for (const [k, v] of Object.entries(value)) {
      const resolved = this.resolve(v);
      if (resolved !== NO_VALUE) {
        result[k] = resolved;
      }
    }
    return result;
  }

  private ref(name: string): any {
    switch (name) {
      case 'AWS::AccountId': return ACCOUNT;
      case 'AWS::Region': return REGION;
      case 'AWS::Partition': return 'aws';
      case 'AWS::URLSuffix': return 'amazonaws.com';
      case 'AWS::StackId': return STACK_ID;
      case 'AWS::StackName': return 'Test';
      case 'AWS::NoValue': return NO_VALUE;
      default: {
        const physical = this.physicalIds.get(name);
        if (physical === undefined) {
          throw new Error(`Ref to ${name}, which has no physical id yet`);
        }
        return physical;
      }
    }
  }

  /** Puts the stack's file assets where the template says they are. */
  private publishAssets(stack: SynthesizedStack): void {
    const manifest = JSON.parse(readFileSync(join(stack.assemblyDir, `${stack.stackName}.assets.json`), 'utf-8'));
    for (const file of Object.values<any>(manifest.files ?? {})) {
      if (file.source.packaging !== 'file' || !String(file.source.path).endsWith('.json')) {
        continue;
      }
      for (const destination of Object.values<any>(file.destinations)) {
        const bucket = String(destination.bucketName).replace('${AWS::AccountId}', ACCOUNT).replace('${AWS::Region}', REGION);
        this.s3.put(bucket, destination.objectKey, readFileSync(join(stack.assemblyDir, file.source.path), 'utf-8'));
      }
    }
  }
}

const NO_VALUE = Symbol('AWS::NoValue');

function dependencies(resource: Json, resources: Json): string[] {
  const found = new Set<string>();
  const walk = (value: any) => {
    if (Array.isArray(value)) {
      value.forEach(walk);
    } else if (value && typeof value === 'object') {
      if (typeof value.Ref === 'string' && resources[value.Ref]) {
        found.add(value.Ref);
      }
      if (value['Fn::GetAtt']) {
        const target = Array.isArray(value['Fn::GetAtt']) ? value['Fn::GetAtt'][0] : String(value['Fn::GetAtt']).split('.')[0];
        found.add(target);
      }
      Object.values(value).forEach(walk);
    }
  };
  walk(resource.Properties ?? {});
  for (const dep of [resource.DependsOn ?? []].flat()) {
    found.add(dep);
  }
  return [...found].filter((id) => resources[id]);
}

/** CloudFormation hands custom resources every scalar as a string. */
function stringify(value: any): any {
  if (Array.isArray(value)) {
    return value.map(stringify);
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stringify(v)]));
  }
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
}
