import { deflateRawSync, inflateRawSync } from 'zlib';
import { DescribeWorkforceCommand, ListWorkforcesCommand, UpdateWorkforceCommand, Workforce } from '@aws-sdk/client-sagemaker';
import type { HandlerContext, HandlerResponse, ResourceEvent } from './dispatch';
import { stackResources } from './stack-status';
import { EXISTING_WORKFORCE_RESOURCE_TYPE } from './types';
import type { ExistingWorkforceData, ExistingWorkforceProperties, WorkforceNetworkSettings } from './types';

/** Marks, in the physical id, the network settings the workforce had before the lookup changed them. */
const PREVIOUS = '/previous-network/';
/** CloudFormation's limit of a physical id, less room. */
const MAX_PHYSICAL_ID = 1000;

/**
 * Finds the account's private workforce (by name, or the one ListWorkforces returns) and returns
 * what the library wires to it: its ARN, SubDomain, portal URL, user pool and app client. When asked
 * to manage its network settings (source-IP CIDRs, VPC), it sets them with UpdateWorkforce and keeps
 * the previous ones in the physical id, to restore them when it leaves (the stack is deleted, or the
 * stack no longer looks the workforce up).
 */
export async function lookUpWorkforce(
  event: ResourceEvent<ExistingWorkforceProperties>,
  ctx: HandlerContext,
): Promise<HandlerResponse<ExistingWorkforceData | undefined>> {
  const props = event.ResourceProperties;
  if (event.RequestType === 'Delete') {
    await onDelete(event, ctx);
    return { PhysicalResourceId: event.PhysicalResourceId };
  }

  const workforce = await findWorkforce(props.WorkforceName, ctx);
  const name = workforce.WorkforceName!;
  if (!workforce.CognitoConfig) {
    throw new Error(workforce.OidcConfig
      ? `The workforce ${name} signs workers in through an OIDC identity provider (${workforce.OidcConfig.Issuer}), not a Cognito user pool: ` +
        'there is no app client to wire and no user pool to invite workers into. Manage its workers in the identity provider, and give work ' +
        'teams members through its groups (an AWS::SageMaker::Workteam with OidcMemberDefinition); ExistingWorkforce applies to Cognito workforces only.'
      : `The workforce ${name} has neither a Cognito nor an OIDC configuration (status ${workforce.Status}); wait until it is Active, then deploy again.`);
  }

  let physicalResourceId = `workforce/${name}`;
  // The settings before the first change are the ones to restore: kept in the previous physical id,
  // inherited from a lookup it was renamed or moved from, or read now.
  const kept = event.RequestType === 'Update' && event.PhysicalResourceId.startsWith(`${physicalResourceId}${PREVIOUS}`)
    ? previousSettings(event.PhysicalResourceId)
    : undefined;
  // Settings the lookup no longer manages go back to what they were.
  const released: WorkforceNetworkSettings = {
    SourceIpCidrs: props.SourceIpCidrs === undefined ? kept?.SourceIpCidrs : undefined,
    VpcConfig: props.VpcConfig === undefined ? kept?.VpcConfig : undefined,
  };
  if (released.SourceIpCidrs || released.VpcConfig) {
    await updateWorkforce(name, released, ctx);
  }
  if (props.SourceIpCidrs !== undefined || props.VpcConfig !== undefined) {
    const before = kept ?? await keptByOtherLookup(event, name, ctx) ?? {};
    const current = currentSettings(workforce, props);
    const previous: WorkforceNetworkSettings = {
      ...(props.SourceIpCidrs !== undefined ? { SourceIpCidrs: before.SourceIpCidrs ?? current.SourceIpCidrs } : {}),
      ...(props.VpcConfig !== undefined ? { VpcConfig: before.VpcConfig ?? current.VpcConfig } : {}),
    };
    physicalResourceId = withPreviousSettings(physicalResourceId, previous, name);
    await applySettings(name, workforce, props, ctx);
  }
  const subDomain = workforce.SubDomain!;
  return {
    PhysicalResourceId: physicalResourceId,
    Data: {
      WorkforceArn: workforce.WorkforceArn!,
      WorkforceName: name,
      SubDomain: subDomain,
      PortalUrl: `https://${subDomain}`,
      UserPoolId: workforce.CognitoConfig.UserPool!,
      ClientId: workforce.CognitoConfig.ClientId!,
    },
  };
}

/** DescribeWorkforce by name, or the account's one workforce from ListWorkforces. */
async function findWorkforce(name: string | undefined, ctx: HandlerContext): Promise<Workforce> {
  if (name !== undefined) {
    try {
      const described = await ctx.call(`DescribeWorkforce ${name}`, () => ctx.sagemaker.send(new DescribeWorkforceCommand({ WorkforceName: name })));
      if (described.Workforce) {
        return described.Workforce;
      }
    } catch (error) {
      if ((error as Error).name !== 'ValidationException' && (error as Error).name !== 'ResourceNotFound') {
        throw error;
      }
    }
    throw new Error(`This account and Region have no private workforce named ${name}: \`aws sagemaker list-workforces\` shows the one they have ` +
      '(a workforce made in the console is named "default"); set `workforceName` to it, or leave `workforceName` out to use it.');
  }
  const [first] = await listWorkforces(ctx);
  if (!first) {
    throw new Error('This account and Region have no private workforce to use: create one with PrivateWorkforce instead of ExistingWorkforce.');
  }
  // ListWorkforces returns what DescribeWorkforce does, but read it again for the current settings.
  const described = await ctx.call(`DescribeWorkforce ${first.WorkforceName}`, () =>
    ctx.sagemaker.send(new DescribeWorkforceCommand({ WorkforceName: first.WorkforceName })));
  return described.Workforce ?? first;
}

async function listWorkforces(ctx: HandlerContext): Promise<Workforce[]> {
  const found: Workforce[] = [];
  let token: string | undefined;
  do {
    const page = await ctx.call('ListWorkforces', () => ctx.sagemaker.send(new ListWorkforcesCommand({ NextToken: token, MaxResults: 10 })));
    found.push(...page.Workforces ?? []);
    token = page.NextToken;
  } while (token);
  return found;
}

/** The workforce's current settings, of the kinds the lookup manages. */
function currentSettings(workforce: Workforce, props: WorkforceNetworkSettings): WorkforceNetworkSettings {
  const vpc = workforce.WorkforceVpcConfig;
  return {
    ...(props.SourceIpCidrs !== undefined ? { SourceIpCidrs: workforce.SourceIpConfig?.Cidrs ?? [] } : {}),
    ...(props.VpcConfig !== undefined && vpc
      ? { VpcConfig: { VpcId: vpc.VpcId!, SecurityGroupIds: vpc.SecurityGroupIds ?? [], Subnets: vpc.Subnets ?? [] } }
      : {}),
  };
}

/** UpdateWorkforce with the settings asked for, when they differ from the workforce's. */
async function applySettings(name: string, workforce: Workforce, props: WorkforceNetworkSettings, ctx: HandlerContext): Promise<void> {
  const current = currentSettings(workforce, props);
  if (props.VpcConfig !== undefined && current.VpcConfig === undefined) {
    // UpdateWorkforce has no documented way to take a VPC away again, so the library could not
    // restore the workforce as it was: it manages the VPC of a workforce that has one.
    throw new Error(`The workforce ${name} is reached over the internet, not through a VPC: ExistingWorkforce changes the VPC of a workforce that has one, ` +
      'and could not undo adding one (UpdateWorkforce cannot remove it). Leave `vpcConfig` out, or give the workforce its VPC outside the stack first.');
  }
  const cidrsChange = props.SourceIpCidrs !== undefined && !sameList(props.SourceIpCidrs, current.SourceIpCidrs);
  const wanted = props.VpcConfig;
  const vpcChange = wanted !== undefined && (current.VpcConfig === undefined || current.VpcConfig.VpcId !== wanted.VpcId
    || !sameList(wanted.Subnets, current.VpcConfig.Subnets) || !sameList(wanted.SecurityGroupIds, current.VpcConfig.SecurityGroupIds));
  if (!cidrsChange && !vpcChange) {
    ctx.log(`workforce ${name} already has the network settings`);
    return;
  }
  await updateWorkforce(name, {
    SourceIpCidrs: cidrsChange ? props.SourceIpCidrs : undefined,
    VpcConfig: vpcChange ? props.VpcConfig : undefined,
  }, ctx);
}

async function updateWorkforce(name: string, settings: WorkforceNetworkSettings, ctx: HandlerContext): Promise<void> {
  ctx.log(`workforce ${name}: ${settings.SourceIpCidrs ? `${settings.SourceIpCidrs.length} source-IP CIDRs` : ''}` +
    `${settings.SourceIpCidrs && settings.VpcConfig ? ', ' : ''}${settings.VpcConfig ? `VPC ${settings.VpcConfig.VpcId}` : ''}`);
  await ctx.call(`UpdateWorkforce ${name}`, () => ctx.sagemaker.send(new UpdateWorkforceCommand({
    WorkforceName: name,
    ...(settings.SourceIpCidrs ? { SourceIpConfig: { Cidrs: settings.SourceIpCidrs } } : {}),
    ...(settings.VpcConfig ? { WorkforceVpcConfig: settings.VpcConfig } : {}),
  })));
}

/**
 * A Delete is not a departure (a rename, a rollback and the cleanup after a replacement send one
 * too): the previous settings are restored only when the stack is deleted, its first deploy rolls
 * back, or no other lookup of the stack manages the workforce any more.
 */
async function onDelete(event: ResourceEvent<ExistingWorkforceProperties> & { RequestType: 'Delete' }, ctx: HandlerContext): Promise<void> {
  const previous = previousSettings(event.PhysicalResourceId);
  if (!previous || (!previous.SourceIpCidrs && !previous.VpcConfig)) {
    return;
  }
  const name = event.PhysicalResourceId.slice('workforce/'.length, event.PhysicalResourceId.indexOf(PREVIOUS));
  const status = await ctx.stackStatus();
  const leaves = status === 'DELETE_IN_PROGRESS' || status === 'ROLLBACK_IN_PROGRESS'
    || ((status === 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS' || status === 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS')
      // No other lookup of the stack keeps settings to restore (one it was renamed to does).
      && (await otherLookups(event)(ctx)).every((r) => !r.PhysicalResourceId?.includes(PREVIOUS)
        || (r.LogicalResourceId === event.LogicalResourceId && r.PhysicalResourceId === event.PhysicalResourceId)));
  if (!leaves) {
    return;
  }
  try {
    // An empty CIDR list is SageMaker's "no restriction".
    await updateWorkforce(name, previous, ctx);
  } catch (error) {
    if ((error as Error).name !== 'ValidationException' && (error as Error).name !== 'ResourceNotFound') {
      throw error;
    }
    ctx.log(`workforce ${name} is gone; nothing to restore`);
  }
}

/** The stack's live lookups (their summaries), other than deleted ones. */
function otherLookups(event: { StackId: string }) {
  return async (ctx: HandlerContext) => (await stackResources(event.StackId, ctx))
    .filter((r) => r.ResourceType === EXISTING_WORKFORCE_RESOURCE_TYPE && !r.ResourceStatus?.startsWith('DELETE'));
}

/** The previous settings another lookup of the same workforce keeps (one it was renamed or moved from). */
async function keptByOtherLookup(
  event: { StackId: string; LogicalResourceId: string }, name: string, ctx: HandlerContext,
): Promise<WorkforceNetworkSettings | undefined> {
  const other = (await otherLookups(event)(ctx))
    .find((r) => r.LogicalResourceId !== event.LogicalResourceId && r.PhysicalResourceId?.startsWith(`workforce/${name}${PREVIOUS}`));
  return other && previousSettings(other.PhysicalResourceId!);
}

/** The physical id that keeps the previous settings (compressed): a Delete is handed nothing else. */
function withPreviousSettings(id: string, previous: WorkforceNetworkSettings, name: string): string {
  const encoded = deflateRawSync(JSON.stringify(previous)).toString('base64url');
  const result = `${id}${PREVIOUS}${encoded}`;
  if (result.length > MAX_PHYSICAL_ID) {
    throw new Error(`The network settings of workforce ${name} are too long to keep for restoring later (${encoded.length} characters compressed): ` +
      'leave `sourceIpCidrs` and `vpcConfig` out and manage them outside the stack.');
  }
  return result;
}

function previousSettings(physicalResourceId: string): WorkforceNetworkSettings | undefined {
  const at = physicalResourceId.indexOf(PREVIOUS);
  return at < 0 ? undefined : JSON.parse(inflateRawSync(Buffer.from(physicalResourceId.slice(at + PREVIOUS.length), 'base64url')).toString('utf-8'));
}

function sameList(a: readonly string[], b: readonly string[] | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((value) => b.includes(value));
}
