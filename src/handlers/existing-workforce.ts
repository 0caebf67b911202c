import { deflateRawSync, inflateRawSync } from 'zlib';
import { DescribeWorkforceCommand, ListWorkforcesCommand, UpdateWorkforceCommand, Workforce } from '@aws-sdk/client-sagemaker';
import type { HandlerContext, HandlerResponse, ResourceEvent } from './dispatch';
import { cidrKey, firstRepeat, sameItems } from './lists';
import { restoreVerdict } from './restore';
import { stackResources } from './stack-status';
import { EXISTING_WORKFORCE_RESOURCE_TYPE } from './types';
import type { ExistingWorkforceData, ExistingWorkforceProperties, WorkforceNetworkSettings } from './types';

/** Marks, in the physical id, the network settings the workforce had before the lookup changed them. */
const PREVIOUS = '/previous-network/';
/** Between polls of a workforce that is updating: SageMaker refuses UpdateWorkforce meanwhile. */
const ACTIVE_POLL_MS = { first: 2_000, max: 30_000 };
/** Time kept, when waiting for a Create's update, to put the previous settings back if it fails. */
const RESTORE_RESERVE_MS = 60_000;

/** CloudFormation's limit of a physical id, less room. */
const MAX_PHYSICAL_ID = 1000;

/**
 * What the physical id keeps: the settings to restore when the lookup leaves, and, for a lookup
 * that took them over from another one (a rename or move), what that one had set: an update
 * rollback deletes the new lookup and sends the old one no event, so the new one puts it back.
 */
interface KeptSettings extends WorkforceNetworkSettings {
  readonly Before?: WorkforceNetworkSettings;
}

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

  const found = await findWorkforce(props.WorkforceName, ctx);
  const name = found.WorkforceName!;
  const workforce = found.Status === 'Updating' || found.Status === 'Initializing' ? await settled(name, ctx) : found;
  if (!workforce.CognitoConfig) {
    throw new Error(workforce.OidcConfig
      ? `The workforce ${name} signs workers in through an OIDC identity provider (${workforce.OidcConfig.Issuer}), not a Cognito user pool: ` +
        'there is no app client to wire and no user pool to invite workers into. Manage its workers in the identity provider, and give work ' +
        'teams members through its groups (an AWS::SageMaker::Workteam with OidcMemberDefinition); ExistingWorkforce applies to Cognito workforces only.'
      : `The workforce ${name} has neither a Cognito nor an OIDC configuration (status ${workforce.Status}); wait until it is Active, then deploy again.`);
  }

  checkNetworkSettings(name, workforce, props);

  // A late duplicate of an old event (CloudFormation delivers asynchronously) changes nothing:
  // its settings may be older than the stack's.
  const status = await ctx.stackStatus();
  if (!/_IN_PROGRESS$/.test(status) || /CLEANUP|DELETE/.test(status)) {
    ctx.log(`${event.RequestType} during ${status}: a stale event, the workforce is left as it is`);
    return { PhysicalResourceId: event.RequestType === 'Update' ? event.PhysicalResourceId : `workforce/${name}`, Data: attributes(workforce) };
  }

  let physicalResourceId = `workforce/${name}`;
  // The settings before the first change are the ones to restore: kept in the previous physical id,
  // inherited from a lookup it was renamed or moved from, or read now.
  const kept = event.RequestType === 'Update' && event.PhysicalResourceId.startsWith(`${physicalResourceId}${PREVIOUS}`)
    ? previousSettings(event.PhysicalResourceId)
    : undefined;
  const old = event.RequestType === 'Update' ? event.OldResourceProperties : undefined;
  // Settings the lookup no longer manages go back to what they were, where they still are what it set.
  const released: WorkforceNetworkSettings = {
    SourceIpCidrs: props.SourceIpCidrs === undefined ? kept?.SourceIpCidrs : undefined,
    VpcConfig: props.VpcConfig === undefined ? kept?.VpcConfig : undefined,
  };
  if (released.SourceIpCidrs || released.VpcConfig) {
    const restore = stillOurs(name, workforce, released, old ?? {}, 'from before the stack', ctx);
    if (restore.SourceIpCidrs || restore.VpcConfig) {
      await updateWorkforce(name, restore, ctx);
    }
  }
  if (props.SourceIpCidrs !== undefined || props.VpcConfig !== undefined) {
    const inherited = kept ? undefined : await keptByOtherLookup(event, name, ctx);
    const before = kept ?? inherited ?? {};
    const current = currentSettings(workforce, props);
    const previous: KeptSettings = {
      ...(props.SourceIpCidrs !== undefined ? { SourceIpCidrs: before.SourceIpCidrs ?? current.SourceIpCidrs } : {}),
      ...(props.VpcConfig !== undefined ? { VpcConfig: before.VpcConfig ?? current.VpcConfig } : {}),
      // A Create that takes settings over records what the other lookup had set; an Update keeps
      // it, so that the physical id (and so the resource) stays the same.
      ...(inherited ? { Before: currentSettings(workforce, inherited) } : kept?.Before ? { Before: kept.Before } : {}),
    };
    physicalResourceId = withPreviousSettings(physicalResourceId, previous, name);
    try {
      // An update rollback puts back the settings of the template it rolls back to: a restore too,
      // so only where the workforce still has what the rolled-back update set.
      const rolledBack = status === 'UPDATE_ROLLBACK_IN_PROGRESS' ? old : undefined;
      await applySettings(name, workforce, props, ctx, event.RequestType === 'Create' ? RESTORE_RESERVE_MS : 0, rolledBack);
    } catch (error) {
      // A failed Create gets no Delete that could restore them (its physical id never reached
      // CloudFormation): put back what a partly applied update changed, then fail.
      if (event.RequestType === 'Create') {
        await restoreAfterFailedCreate(name, previous.Before ?? previous, props, error as Error, ctx);
      }
      throw error;
    }
  }
  return { PhysicalResourceId: physicalResourceId, Data: attributes(workforce) };
}

/** What the library wires to the workforce. */
function attributes(workforce: Workforce): ExistingWorkforceData {
  const subDomain = workforce.SubDomain!;
  return {
    WorkforceArn: workforce.WorkforceArn!,
    WorkforceName: workforce.WorkforceName!,
    SubDomain: subDomain,
    PortalUrl: `https://${subDomain}`,
    UserPoolId: workforce.CognitoConfig!.UserPool!,
    ClientId: workforce.CognitoConfig!.ClientId!,
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
      if (!isNotFound(error)) {
        throw error;
      }
    }
    throw new Error(`This account and Region have no private workforce named ${name}: \`aws sagemaker list-workforces\` shows the one they have ` +
      '(a workforce made in the console is named "default"); set `workforceName` to it, or leave `workforceName` out to use it.');
  }
  // ListWorkforces lists vendor workforces too: the private one signs in through Cognito or OIDC.
  const listed = await listWorkforces(ctx);
  const first = listed.find((w) => w.CognitoConfig || w.OidcConfig) ?? listed[0];
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

/**
 * UpdateWorkforce with the settings asked for, when they differ from the workforce's. In an update
 * rollback, `rolledBack` is what the rolled-back update set: a setting it set that was changed since
 * is left as it is (one it did not set is put back: what it had is not known).
 */
async function applySettings(
  name: string, workforce: Workforce, props: WorkforceNetworkSettings, ctx: HandlerContext, reserveMs: number,
  rolledBack?: WorkforceNetworkSettings,
): Promise<void> {
  const current = currentSettings(workforce, props);
  if (props.VpcConfig !== undefined && current.VpcConfig === undefined) {
    // UpdateWorkforce has no documented way to take a VPC away again, so the library could not
    // restore the workforce as it was: it manages the VPC of a workforce that has one.
    throw new Error(`The workforce ${name} is reached over the internet, not through a VPC: ExistingWorkforce changes the VPC of a workforce that has one, ` +
      'and could not undo adding one (UpdateWorkforce cannot remove it). Leave `vpcConfig` out, or give the workforce its VPC outside the stack first.');
  }
  let cidrsChange = props.SourceIpCidrs !== undefined && !sameCidrs(props.SourceIpCidrs, current.SourceIpCidrs);
  let vpcChange = props.VpcConfig !== undefined && !sameVpc(props.VpcConfig, current.VpcConfig);
  if (rolledBack) {
    const guarded = stillOurs(name, workforce, {
      ...(cidrsChange && rolledBack.SourceIpCidrs !== undefined ? { SourceIpCidrs: props.SourceIpCidrs } : {}),
      ...(vpcChange && rolledBack.VpcConfig !== undefined ? { VpcConfig: props.VpcConfig } : {}),
    }, rolledBack, 'of the template the stack rolls back to', ctx);
    cidrsChange &&= rolledBack.SourceIpCidrs === undefined || guarded.SourceIpCidrs !== undefined;
    vpcChange &&= rolledBack.VpcConfig === undefined || guarded.VpcConfig !== undefined;
  }
  if (!cidrsChange && !vpcChange) {
    ctx.log(`workforce ${name} already has the network settings`);
    return;
  }
  await updateWorkforce(name, {
    SourceIpCidrs: cidrsChange ? props.SourceIpCidrs : undefined,
    VpcConfig: vpcChange ? props.VpcConfig : undefined,
  }, ctx, reserveMs);
}

async function updateWorkforce(name: string, settings: WorkforceNetworkSettings, ctx: HandlerContext, reserveMs = 0): Promise<void> {
  ctx.log(`workforce ${name}: ${settings.SourceIpCidrs ? `${settings.SourceIpCidrs.length} source-IP CIDRs` : ''}` +
    `${settings.SourceIpCidrs && settings.VpcConfig ? ', ' : ''}${settings.VpcConfig ? `VPC ${settings.VpcConfig.VpcId}` : ''}`);
  const send = () => ctx.write(`UpdateWorkforce ${name}`, () => ctx.sagemaker.send(new UpdateWorkforceCommand({
    WorkforceName: name,
    ...(settings.SourceIpCidrs ? { SourceIpConfig: { Cidrs: settings.SourceIpCidrs } } : {}),
    ...(settings.VpcConfig ? { WorkforceVpcConfig: settings.VpcConfig } : {}),
  })));
  try {
    await send();
  } catch (error) {
    if ((error as Error).name !== 'ConflictException') {
      throw error;
    }
    // Updating still: someone else's change, or this very request, sent again after its response
    // was lost. The settings are absolute, so sending them again once it is done is safe.
    await settled(name, ctx, reserveMs);
    await send();
  }
  // The next request (another update, a rollback's) must find it Active, and so must the portal.
  await waitUntilActive(name, ctx, reserveMs);
}

/**
 * Polls DescribeWorkforce until the workforce is neither Initializing nor Updating, until
 * `reserveMs` before the invocation's deadline at the latest, then fails saying so.
 */
async function settled(name: string, ctx: HandlerContext, reserveMs = 0): Promise<Workforce> {
  const started = ctx.clock.now();
  for (let wait = ACTIVE_POLL_MS.first; ; wait = Math.min(wait * 2, ACTIVE_POLL_MS.max)) {
    const described = await ctx.call(`DescribeWorkforce ${name}`, () => ctx.sagemaker.send(new DescribeWorkforceCommand({ WorkforceName: name })));
    const workforce = described.Workforce!;
    if (workforce.Status !== 'Updating' && workforce.Status !== 'Initializing') {
      return workforce;
    }
    const left = ctx.deadline - reserveMs - ctx.clock.now();
    if (left <= 0) {
      throw new Error(`The workforce ${name} is still ${workforce.Status} after ${Math.round((ctx.clock.now() - started) / 1000)} s of waiting; ` +
        'deploy again once `aws sagemaker describe-workforce` shows it Active.');
    }
    ctx.log(`workforce ${name} is ${workforce.Status}; waiting`);
    await ctx.clock.sleep(Math.min(wait, left));
  }
}

/** The workforce once it is Active; one whose update failed fails the event, saying why. */
async function waitUntilActive(name: string, ctx: HandlerContext, reserveMs = 0): Promise<Workforce> {
  const workforce = await settled(name, ctx, reserveMs);
  if (workforce.Status === 'Failed') {
    throw new Error(`The workforce ${name} is Failed after an update: ${workforce.FailureReason ?? 'SageMaker gave no reason'}. ` +
      'Check its VPC, subnets and security groups (`aws sagemaker describe-workforce`), then deploy again.');
  }
  return workforce;
}

/** Settings SageMaker would refuse, or could not apply to this workforce, with what to do instead. */
function checkNetworkSettings(name: string, workforce: Workforce, props: WorkforceNetworkSettings): void {
  if (props.SourceIpCidrs !== undefined && workforce.WorkforceVpcConfig?.VpcId && props.VpcConfig === undefined) {
    // UpdateWorkforce API reference: "SageMaker does not support Source Ip restriction for worker portals in VPC."
    throw new Error(`The workforce ${name} is reached through VPC ${workforce.WorkforceVpcConfig.VpcId}, and SageMaker does not restrict source IPs ` +
      'of a portal in a VPC: leave `sourceIpCidrs` out, and restrict access with the security groups of its VPC endpoint.');
  }
  // The constructs refuse repeated entries at synth; values resolved at deploy (tokens) may still repeat.
  const repeats: Array<[string, string[] | undefined, (item: string) => string]> = [
    ['sourceIpCidrs', props.SourceIpCidrs, cidrKey],
    ['vpcConfig.subnets', props.VpcConfig?.Subnets, (id) => id],
    ['vpcConfig.securityGroups', props.VpcConfig?.SecurityGroupIds, (id) => id],
  ];
  for (const [prop, items, key] of repeats) {
    const repeat = firstRepeat(items ?? [], key);
    if (repeat) {
      throw new Error(`\`${prop}\` has ${repeat[0] === repeat[1] ? `${repeat[0]} twice` : `${repeat[0]} and ${repeat[1]}, the same network,`} ` +
        `as the stack resolved it at deploy (${(items ?? []).join(', ')}): give each once, then deploy again.`);
    }
  }
  const ipv6 = (props.SourceIpCidrs ?? []).filter((cidr) => cidr.includes(':'));
  if (ipv6.length > 0 && workforce.IpAddressType !== 'dualstack') {
    throw new Error(`\`sourceIpCidrs\` has the IPv6 block ${ipv6[0]}, but the workforce ${name} takes IPv4 only (IpAddressType ${workforce.IpAddressType ?? 'ipv4'}): ` +
      'give IPv4 blocks, or make the workforce dualstack first (`aws sagemaker update-workforce --ip-address-type dualstack`).');
  }
}

/**
 * After a failed Create, puts back what its partly applied update (`ours`) changed; a setting changed
 * since by someone else is left, and the Create's error says so. When the restore cannot be done
 * either, the error says what to put back.
 */
async function restoreAfterFailedCreate(
  name: string, previous: WorkforceNetworkSettings, ours: WorkforceNetworkSettings, failure: Error, ctx: HandlerContext,
): Promise<void> {
  try {
    const left: string[] = [];
    const restore = stillOurs(name, await settled(name, ctx), previous, ours, 'from before this deploy', ctx, left);
    if (left.length > 0) {
      failure.message += ` ${left.join(' ')}`;
    }
    if (restore.SourceIpCidrs || restore.VpcConfig) {
      await updateWorkforce(name, restore, ctx);
    }
  } catch (error) {
    failure.message += ` The settings from before this deploy could not be put back (${(error as Error).message}); they were: ` +
      `${describeSettings(previous)}. Set them with \`aws sagemaker update-workforce\` once the workforce is Active.`;
  }
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
  const cleanup = status === 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS' || status === 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS';
  // The live lookups that keep settings to restore, other than this very resource (one it was renamed to, say).
  const keeping = cleanup ? (await otherLookups(event)(ctx)).filter((r) => r.PhysicalResourceId?.includes(PREVIOUS)
    && !(r.LogicalResourceId === event.LogicalResourceId && r.PhysicalResourceId === event.PhysicalResourceId)) : [];
  const leaves = status === 'DELETE_IN_PROGRESS' || status === 'ROLLBACK_IN_PROGRESS' || (cleanup && keeping.length === 0);
  // Not leaving: another lookup keeps the settings. In an update rollback, one of another logical
  // id is the lookup this one took them over from, and it gets no event: give it back what it had
  // set. (One of the same logical id is this lookup itself, already rolled back by an Update.)
  const takenFrom = status === 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS' && keeping.some((r) => r.LogicalResourceId !== event.LogicalResourceId);
  const target = leaves ? previous : takenFrom ? previous.Before : undefined;
  if (!target) {
    return;
  }
  const which = leaves ? 'from before the stack' : 'from before this deploy';
  const left: string[] = [];
  try {
    // What this lookup set is in its own properties: a Delete carries those of the resource it deletes.
    const restore = stillOurs(name, await settled(name, ctx), target, event.ResourceProperties, which, ctx, left);
    if (!restore.SourceIpCidrs && !restore.VpcConfig) {
      return;
    }
    // An empty CIDR list is SageMaker's "no restriction".
    await updateWorkforce(name, restore, ctx);
  } catch (error) {
    if (!isNotFound(error)) {
      throw error;
    }
    // SageMaker's ValidationException is also its answer to settings it refuses (a subnet since deleted).
    if (await workforceExists(name, ctx)) {
      throw new Error(`The workforce ${name} could not be given back its network settings ${which} (${(error as Error).message}). ` +
        `They were: ${describeSettings(target)}. Set them with \`aws sagemaker update-workforce\`, or make them valid again, then retry.` +
        (left.length > 0 ? ` ${left.join(' ')}` : ''));
    }
    ctx.log(`workforce ${name} is gone; nothing to restore`);
  }
}

/**
 * Of the settings `target` would put back, those the workforce still has as the stack set them
 * (`ours`); one it already has needs nothing, and one changed since (by someone else) is left as it
 * is: logged, and added to `left` for a failure's reason. No worker data: network settings only.
 */
function stillOurs(
  name: string, workforce: Workforce, target: WorkforceNetworkSettings, ours: WorkforceNetworkSettings, which: string,
  ctx: HandlerContext, left: string[] = [],
): WorkforceNetworkSettings {
  const leave = (label: string, now: string, set: string | undefined, back: string) => {
    const note = `its ${label} were changed since the stack set them (to ${now}; ${set ? `the stack had set ${set}` : 'what the stack set is not known'}), ` +
      `so they are left as they are, not put back to the ones ${which} (${back}); put those back with \`aws sagemaker update-workforce\` if they should be.`;
    ctx.log(`workforce ${name}: ${note}`);
    left.push(`Workforce ${name}: ${note}`);
  };
  let cidrs: string[] | undefined;
  if (target.SourceIpCidrs) {
    const now = workforce.SourceIpConfig?.Cidrs ?? [];
    const verdict = restoreVerdict(now, ours.SourceIpCidrs, target.SourceIpCidrs, sameCidrs);
    cidrs = verdict === 'restore' ? target.SourceIpCidrs : undefined;
    if (verdict === 'changed') {
      leave('source-IP CIDRs', describeCidrs(now), ours.SourceIpCidrs && describeCidrs(ours.SourceIpCidrs), describeCidrs(target.SourceIpCidrs));
    }
  }
  let vpc: WorkforceNetworkSettings['VpcConfig'];
  if (target.VpcConfig) {
    const now = currentSettings(workforce, { VpcConfig: target.VpcConfig }).VpcConfig;
    const verdict = restoreVerdict(now, ours.VpcConfig, target.VpcConfig, sameVpc);
    vpc = verdict === 'restore' ? target.VpcConfig : undefined;
    if (verdict === 'changed') {
      leave('VPC settings', now ? describeVpc(now) : 'no VPC', ours.VpcConfig && describeVpc(ours.VpcConfig), describeVpc(target.VpcConfig));
    }
  }
  return { ...(cidrs ? { SourceIpCidrs: cidrs } : {}), ...(vpc ? { VpcConfig: vpc } : {}) };
}

async function workforceExists(name: string, ctx: HandlerContext): Promise<boolean> {
  try {
    await ctx.call(`DescribeWorkforce ${name}`, () => ctx.sagemaker.send(new DescribeWorkforceCommand({ WorkforceName: name })));
    return true;
  } catch (error) {
    if (isNotFound(error)) {
      return false;
    }
    throw error;
  }
}

/** SageMaker's answer about a workforce it does not have: ValidationException (also its answer to bad settings), or ResourceNotFound. */
function isNotFound(error: unknown): boolean {
  return (error as Error).name === 'ValidationException' || (error as Error).name === 'ResourceNotFound';
}

/** Settings for a message: no worker data, only network configuration. */
function describeSettings(settings: WorkforceNetworkSettings): string {
  return [
    ...settings.SourceIpCidrs ? [`source-IP CIDRs ${describeCidrs(settings.SourceIpCidrs)}`] : [],
    ...settings.VpcConfig ? [describeVpc(settings.VpcConfig)] : [],
  ].join('; ');
}

function describeCidrs(cidrs: readonly string[]): string {
  return cidrs.length ? cidrs.join(', ') : 'none (every address)';
}

function describeVpc(vpc: NonNullable<WorkforceNetworkSettings['VpcConfig']>): string {
  return `VPC ${vpc.VpcId} (subnets ${vpc.Subnets.join(', ')}; security groups ${vpc.SecurityGroupIds.join(', ')})`;
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
function withPreviousSettings(id: string, previous: KeptSettings, name: string): string {
  const encoded = deflateRawSync(JSON.stringify(previous)).toString('base64url');
  const result = `${id}${PREVIOUS}${encoded}`;
  if (result.length > MAX_PHYSICAL_ID) {
    throw new Error(`The network settings of workforce ${name} are too long to keep for restoring later (${encoded.length} characters compressed): ` +
      'leave `sourceIpCidrs` and `vpcConfig` out and manage them outside the stack.');
  }
  return result;
}

function previousSettings(physicalResourceId: string): KeptSettings | undefined {
  const at = physicalResourceId.indexOf(PREVIOUS);
  return at < 0 ? undefined : JSON.parse(inflateRawSync(Buffer.from(physicalResourceId.slice(at + PREVIOUS.length), 'base64url')).toString('utf-8'));
}

/** The same networks, each as often, in any order ("2001:DB8::/32" is "2001:db8::/32"). */
function sameCidrs(a: readonly string[], b: readonly string[] | undefined): boolean {
  return sameItems(a, b, cidrKey);
}

/** The same VPC, subnets and security groups, each as often, in any order. */
function sameVpc(a: NonNullable<WorkforceNetworkSettings['VpcConfig']>, b: WorkforceNetworkSettings['VpcConfig']): boolean {
  return b !== undefined && a.VpcId === b.VpcId && sameItems(a.Subnets, b.Subnets) && sameItems(a.SecurityGroupIds, b.SecurityGroupIds);
}
