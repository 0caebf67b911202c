import { createHash } from 'crypto';
import * as sdk from '@aws-sdk/client-sagemaker';
import { HttpRequest, HttpResponse } from '@smithy/protocol-http';
import { ApiModel, ModelViolation } from './api-model';
import { fakeClientConfig } from './client-config';
import type { Authorizer } from './iam';
import { providerSchema } from './registry';

/*
 * SageMaker's private workforces and work teams for tests, as the API reference describes them
 * (sagemaker API_CreateWorkforce, API_DeleteWorkforce, API_UpdateWorkforce, API_CreateWorkteam):
 * - one private workforce per account and Region: CreateWorkforce fails while one exists;
 * - DeleteWorkforce fails with ResourceInUse while the workforce has work teams;
 * - a work team names an existing workforce (by name, matching the WorkforceName pattern);
 * - at most 25 work teams;
 * - UpdateWorkforce changes only what it is sent; the OIDC configuration only without work teams;
 *   no source-IP restriction for a portal in a VPC ("SageMaker does not support Source Ip
 *   restriction for worker portals in VPC"); IPv6 CIDRs only with IpAddressType dualstack ("When
 *   using an IpAddressType of dualstack, you can specify both the IPv4 and IPv6 CIDR blocks");
 * - UpdateWorkforce leaves the workforce `Updating` (a WorkforceStatus) for the next two
 *   DescribeWorkforce calls, and a second UpdateWorkforce meanwhile fails with ConflictException
 *   (its one modelled error). This is inferred, not documented: CloudFormation's own update handler
 *   waits for the workforce to stabilize, so the library's handler must too. A workforce left
 *   `Failed` (a test's fault injection) takes the next UpdateWorkforce, also an inference;
 * - UpdateWorkforce with a VPC configuration is made with the caller's EC2 permissions: the EC2
 *   actions of CloudFormation's own update handler (registry data) are authorized for the caller.
 * Every request, the ones CloudFormation's resource handlers make included, is checked against the
 * AWS API models (botocore, and the pinned SDK's schema).
 */

type Json = Record<string, any>;

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const MAX_WORKTEAMS = 25;
/** DescribeWorkforce calls that still see `Updating` after an UpdateWorkforce. */
const UPDATING_POLLS = 2;
/** The EC2 actions of AWS::SageMaker::Workforce's update handler (registry data). */
const VPC_UPDATE_EC2_ACTIONS = (providerSchema('AWS::SageMaker::Workforce').handlers.update.permissions as string[]).filter((p) => p.startsWith('ec2:'));

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
  /** DescribeWorkforce calls that see `Updating` after an UpdateWorkforce (a test makes an update slow with more). */
  public updatingPolls = UPDATING_POLLS;
  /** DescribeWorkforce calls left before an updating workforce is Active, by name. */
  private readonly updating = new Map<string, number>();
  /** Operations whose next response is lost after the operation took effect (a 500 instead). */
  private readonly lostResponses: string[] = [];
  /** Why the next UpdateWorkforce leaves the workforce Failed, when it should. */
  private nextUpdateFailure?: string;
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

  /** UpdateWorkforce; CloudFormation's handler returns once the workforce is Active again. */
  public updateWorkforce(input: Json): void {
    this.call('UpdateWorkforce', input);
    this.settle(input.WorkforceName);
  }

  /** Makes an updating workforce Active at once. */
  public settle(name: string): void {
    this.updating.delete(name);
    const workforce = this.workforces.get(name);
    if (workforce) {
      workforce.Status = 'Active';
    }
  }

  /** The next `operation` takes effect, but its caller gets an InternalFailure (a lost response). */
  public loseResponse(operation: string): void {
    this.lostResponses.push(operation);
  }

  /** The next UpdateWorkforce takes effect and leaves the workforce Failed (WorkforceStatus), with `reason` as its FailureReason. */
  public failNextUpdate(reason: string): void {
    this.nextUpdateFailure = reason;
  }

  /** Adds a workforce as someone made it outside the stack (a vendor one in ListWorkforces, say). */
  public seed(workforce: Json): void {
    this.workforces.set(workforce.WorkforceName, JSON.parse(JSON.stringify(workforce)));
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
      if (operation === 'UpdateWorkforce' && input.WorkforceVpcConfig) {
        for (const action of VPC_UPDATE_EC2_ACTIONS) {
          this.authorizer?.(action, '*');
        }
      }
      const output = this.call(operation, input);
      const lost = this.lostResponses.indexOf(operation);
      if (lost >= 0) {
        this.lostResponses.splice(lost, 1);
        return respond(500, { __type: 'InternalFailure', message: 'We encountered an internal error. Please try again.' }, 'InternalFailure');
      }
      return respond(200, output);
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
        // One private workforce (ListWorkforces: "you can only have one private workforce per Region"); vendor ones do not count.
        const private_ = [...this.workforces.values()].find((w) => w.CognitoConfig || w.OidcConfig);
        if (private_) {
          throw new ServiceError('ResourceLimitExceeded', `Cannot create more than one workforce per account and Region; ${private_.WorkforceName} exists.`);
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
      case 'DescribeWorkforce': {
        const workforce = this.existingWorkforce(input.WorkforceName);
        const left = this.updating.get(input.WorkforceName);
        if (left !== undefined) {
          if (left <= 1) {
            this.settle(input.WorkforceName);
          } else {
            this.updating.set(input.WorkforceName, left - 1);
          }
        }
        const described = JSON.parse(JSON.stringify(workforce));
        described.Status = left !== undefined ? 'Updating' : workforce.Status;
        return { Workforce: described };
      }
      case 'ListWorkforces': {
        // Pages of MaxResults (1 to 100, the model's range), so that callers must follow NextToken.
        const matching = [...this.workforces.values()].filter((w) => !input.NameContains || w.WorkforceName.includes(input.NameContains));
        const start = input.NextToken ? Number(input.NextToken) : 0;
        const end = start + (input.MaxResults ?? 10);
        return { Workforces: matching.slice(start, end), ...(end < matching.length ? { NextToken: String(end) } : {}) };
      }
      case 'UpdateWorkforce': {
        const workforce = this.existingWorkforce(input.WorkforceName);
        if (this.updating.has(input.WorkforceName)) {
          throw new ServiceError('ConflictException', `Workforce ${input.WorkforceName} is being updated; try again when it is Active.`);
        }
        if (input.OidcConfig && [...this.workteams.values()].some((t) => t.WorkforceName === input.WorkforceName)) {
          throw new ServiceError('ConflictException', 'The OIDC configuration can only be updated while the workforce has no work teams.');
        }
        const cidrs: string[] = (input.SourceIpConfig ?? workforce.SourceIpConfig)?.Cidrs ?? [];
        if (cidrs.some((cidr) => cidr.includes(':')) && (input.IpAddressType ?? workforce.IpAddressType) !== 'dualstack') {
          throw new ServiceError('ValidationException', 'IPv6 CIDRs need a workforce with IpAddressType dualstack.');
        }
        if (cidrs.length > 0 && (input.WorkforceVpcConfig ?? workforce.WorkforceVpcConfig)) {
          throw new ServiceError('ValidationException', 'SageMaker does not support Source Ip restriction for worker portals in VPC.');
        }
        for (const field of ['SourceIpConfig', 'IpAddressType']) {
          if (input[field] !== undefined) {
            workforce[field] = input[field];
          }
        }
        if (input.WorkforceVpcConfig) {
          // The response shape has the endpoint too (WorkforceVpcConfigResponse.VpcEndpointId).
          workforce.WorkforceVpcConfig = { ...input.WorkforceVpcConfig, VpcEndpointId: workforce.WorkforceVpcConfig?.VpcEndpointId ?? 'vpce-0fake' };
        }
        if (input.OidcConfig) {
          workforce.OidcConfig = withoutSecret(input.OidcConfig);
        }
        delete workforce.FailureReason;
        if (this.nextUpdateFailure !== undefined) {
          workforce.Status = 'Failed';
          workforce.FailureReason = this.nextUpdateFailure;
          this.nextUpdateFailure = undefined;
          return { Workforce: JSON.parse(JSON.stringify(workforce)) };
        }
        workforce.Status = 'Active';
        this.updating.set(input.WorkforceName, this.updatingPolls);
        return { Workforce: { ...JSON.parse(JSON.stringify(workforce)), Status: 'Updating' } };
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
