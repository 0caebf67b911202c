import { createHash } from 'crypto';
import * as sdk from '@aws-sdk/client-sagemaker';
import { HttpRequest, HttpResponse } from '@smithy/protocol-http';
import { ApiModel, ModelViolation } from './api-model';
import { fakeClientConfig } from './client-config';
import type { Authorizer } from './iam';

/*
 * SageMaker's private workforces and work teams for tests, as the API reference describes them
 * (sagemaker API_CreateWorkforce, API_DeleteWorkforce, API_UpdateWorkforce, API_CreateWorkteam):
 * - one private workforce per account and Region: CreateWorkforce fails while one exists;
 * - DeleteWorkforce fails with ResourceInUse while the workforce has work teams;
 * - a work team names an existing workforce (by name, matching the WorkforceName pattern);
 * - at most 25 work teams;
 * - UpdateWorkforce changes only what it is sent; the OIDC configuration only without work teams.
 * Every request, the ones CloudFormation's resource handlers make included, is checked against the
 * AWS API models (botocore, and the pinned SDK's schema).
 */

type Json = Record<string, any>;

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const MAX_WORKTEAMS = 25;

/** An error SageMaker returns. */
class ServiceError extends Error {
  constructor(public readonly type: string, message: string, public readonly status = 400) {
    super(message);
    this.name = type;
  }
}

const sagemakerModel = ApiModel.load('sagemaker', '2017-07-24', sdk as unknown as Record<string, unknown>);

/** The fake service; `client()` gives a real SageMakerClient that talks to it. */
export class FakeSageMaker {
  /** Every request, in order (CloudFormation's handler calls included). */
  public readonly requests: Array<{ operation: string; input: Json }> = [];
  public readonly violations: ModelViolation[] = [];
  /** Checks each API request of the handler (not CloudFormation's own calls); set by the simulator. */
  public authorizer?: Authorizer;
  private readonly workforces = new Map<string, Json>();
  private readonly workteams = new Map<string, Json>();
  private generation = 0;

  public client(): sdk.SageMakerClient {
    return new sdk.SageMakerClient(fakeClientConfig((request) => this.handle(request)));
  }

  // --- what CloudFormation's resource handlers call (checked against the model, not authorized) --

  /** CreateWorkforce, as the AWS::SageMaker::Workforce handler calls it. */
  public createWorkforce(input: Json): Json {
    return this.call('CreateWorkforce', input);
  }

  /** DeleteWorkforce. */
  public deleteWorkforce(name: string): void {
    this.call('DeleteWorkforce', { WorkforceName: name });
  }

  /** UpdateWorkforce. */
  public updateWorkforce(input: Json): void {
    this.call('UpdateWorkforce', input);
  }

  /** CreateWorkteam, as the AWS::SageMaker::Workteam handler calls it. */
  public createWorkteam(input: Json): Json {
    return this.call('CreateWorkteam', input);
  }

  /** DeleteWorkteam. */
  public deleteWorkteam(name: string): void {
    this.call('DeleteWorkteam', { WorkteamName: name });
  }

  /** The workforce, as DescribeWorkforce returns it; undefined when there is none of that name. */
  public workforce(name: string): Json | undefined {
    const found = this.workforces.get(name);
    return found && JSON.parse(JSON.stringify(found));
  }

  /** Names of the work teams. */
  public workteamNames(): string[] {
    return [...this.workteams.keys()].sort();
  }

  /** Runs one operation with the model check; throws the service's error. */
  private call(operation: string, input: Json): Json {
    this.requests.push({ operation, input });
    try {
      sagemakerModel.check(operation, input);
    } catch (error) {
      if (error instanceof ModelViolation) {
        this.violations.push(error);
        throw new ServiceError('ValidationException', error.message);
      }
      throw error;
    }
    return this.dispatch(operation, input);
  }

  // --- the HTTP side (the handler's SageMakerClient) ---------------------------------------------

  public async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    const target = Object.entries(request.headers).find(([h]) => h.toLowerCase() === 'x-amz-target')?.[1] ?? '';
    const operation = target.split('.')[1] ?? '';
    const body = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array);
    const input = JSON.parse(body || '{}');
    try {
      this.authorizer?.(`sagemaker:${operation}`, this.arnOf(operation, input));
      return respond(200, this.call(operation, input));
    } catch (error) {
      const e = error as ServiceError;
      return respond(e.status ?? 400, { __type: e.type ?? e.name, message: e.message }, e.type ?? e.name);
    }
  }

  private arnOf(operation: string, input: Json): string {
    if (operation.includes('Workteam')) {
      return `arn:aws:sagemaker:${REGION}:${ACCOUNT}:workteam/private-crowd/${input.WorkteamName ?? '*'}`;
    }
    return `arn:aws:sagemaker:${REGION}:${ACCOUNT}:workforce/${input.WorkforceName ?? '*'}`;
  }

  private dispatch(operation: string, input: Json): Json {
    switch (operation) {
      case 'CreateWorkforce': {
        if (this.workforces.size > 0) {
          throw new ServiceError('ResourceLimitExceeded', `Cannot create more than one workforce per account and Region; ${[...this.workforces.keys()][0]} exists.`);
        }
        const name = input.WorkforceName;
        const sub = createHash('sha256').update(`${name}/${++this.generation}`).digest('hex').slice(0, 10);
        const workforce: Json = {
          WorkforceName: name,
          WorkforceArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:workforce/${name}`,
          SubDomain: `${sub}.labeling.${REGION}.sagemaker.aws`,
          Status: 'Active',
          ...(input.CognitoConfig ? { CognitoConfig: input.CognitoConfig } : {}),
          ...(input.OidcConfig ? { OidcConfig: withoutSecret(input.OidcConfig) } : {}),
          ...(input.SourceIpConfig ? { SourceIpConfig: input.SourceIpConfig } : { SourceIpConfig: { Cidrs: [] } }),
          ...(input.WorkforceVpcConfig ? { WorkforceVpcConfig: { ...input.WorkforceVpcConfig, VpcEndpointId: 'vpce-0fake' } } : {}),
          IpAddressType: input.IpAddressType ?? 'ipv4',
        };
        this.workforces.set(name, workforce);
        return { WorkforceArn: workforce.WorkforceArn };
      }
      case 'DeleteWorkforce': {
        this.existingWorkforce(input.WorkforceName);
        const teams = [...this.workteams.values()].filter((t) => t.WorkforceName === input.WorkforceName);
        if (teams.length > 0) {
          throw new ServiceError('ResourceInUse', `Workforce ${input.WorkforceName} has work teams (${teams.map((t) => t.WorkteamName).join(', ')}); delete them first.`);
        }
        this.workforces.delete(input.WorkforceName);
        return {};
      }
      case 'DescribeWorkforce':
        return { Workforce: this.existingWorkforce(input.WorkforceName) };
      case 'ListWorkforces':
        return { Workforces: [...this.workforces.values()].filter((w) => !input.NameContains || w.WorkforceName.includes(input.NameContains)) };
      case 'UpdateWorkforce': {
        const workforce = this.existingWorkforce(input.WorkforceName);
        if (input.OidcConfig && [...this.workteams.values()].some((t) => t.WorkforceName === input.WorkforceName)) {
          throw new ServiceError('ConflictException', 'The OIDC configuration can only be updated while the workforce has no work teams.');
        }
        for (const field of ['SourceIpConfig', 'WorkforceVpcConfig', 'IpAddressType']) {
          if (input[field] !== undefined) {
            workforce[field] = input[field];
          }
        }
        if (input.OidcConfig) {
          workforce.OidcConfig = withoutSecret(input.OidcConfig);
        }
        return { Workforce: JSON.parse(JSON.stringify(workforce)) };
      }
      case 'CreateWorkteam': {
        const workforceName = input.WorkforceName ?? [...this.workforces.keys()][0];
        if (!workforceName || !this.workforces.has(workforceName)) {
          throw new ServiceError('ResourceNotFound', `Workforce ${JSON.stringify(input.WorkforceName)} does not exist.`);
        }
        if (this.workteams.has(input.WorkteamName)) {
          throw new ServiceError('ResourceInUse', `Work team ${input.WorkteamName} exists.`);
        }
        if (this.workteams.size >= MAX_WORKTEAMS) {
          throw new ServiceError('ResourceLimitExceeded', `At most ${MAX_WORKTEAMS} work teams per account and Region.`);
        }
        const arn = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:workteam/private-crowd/${input.WorkteamName}`;
        this.workteams.set(input.WorkteamName, { ...input, WorkforceName: workforceName, WorkteamArn: arn });
        return { WorkteamArn: arn };
      }
      case 'DeleteWorkteam':
        if (!this.workteams.delete(input.WorkteamName)) {
          throw new ServiceError('ResourceNotFound', `Work team ${input.WorkteamName} does not exist.`);
        }
        return { Success: true };
      default:
        throw new ServiceError('UnknownOperationException', `The fake does not implement ${operation}.`);
    }
  }

  private existingWorkforce(name: string): Json {
    const workforce = this.workforces.get(name);
    if (!workforce) {
      // DescribeWorkforce of an unknown name: SageMaker answers ValidationException (inference; not modeled).
      throw new ServiceError('ValidationException', `Workforce ${name} does not exist.`);
    }
    return workforce;
  }
}

function withoutSecret(oidc: Json): Json {
  const { ClientSecret: _secret, ...rest } = oidc;
  return rest;
}

function respond(statusCode: number, body: Json, errorType?: string): { response: HttpResponse } {
  return {
    response: new HttpResponse({
      statusCode,
      headers: { 'content-type': 'application/x-amz-json-1.1', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) },
      body: new TextEncoder().encode(JSON.stringify(body)),
    }),
  };
}
