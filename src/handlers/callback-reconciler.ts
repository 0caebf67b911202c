import { deflateRawSync, inflateRawSync } from 'zlib';
import { GetTemplateCommand, StackResourceSummary } from '@aws-sdk/client-cloudformation';
import {
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  UpdateUserPoolClientCommand,
  UpdateUserPoolCommand,
  UpdateUserPoolCommandInput,
  UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import { userPoolClientUpdate, userPoolUpdate } from './cognito-update';
import type { HandlerContext, HandlerResponse, ResourceEvent } from './dispatch';
import { sameItems } from './lists';
import { restoreVerdict } from './restore';
import { stackResources } from './stack-status';
import { CALLBACK_RECONCILER_RESOURCE_TYPE } from './types';
import type { CallbackReconcilerData, CallbackReconcilerProperties } from './types';

/** The portal URLs for a workforce SubDomain. */
export function portalUrls(subDomain: string): CallbackReconcilerData {
  const portalUrl = `https://${subDomain}`;
  return { PortalUrl: portalUrl, CallbackUrl: `${portalUrl}/oauth2/idpresponse`, LogoutUrl: `${portalUrl}/logout` };
}

/** The invitation body with the portal URL filled in. */
export function renderInvitation(body: string, portalUrl: string): string {
  return body.split('{portalUrl}').join(portalUrl);
}

/**
 * Wires the labeling portal into Cognito: the portal's callback and logout URLs replace the
 * placeholders (and a previous portal's URLs) in the app client, and the pool's invitation points
 * at the portal. For a pool the library created, it also keeps the pool's deletion protection on
 * (the template leaves it off, so that a failed first deploy can delete the pool). Read-modify-
 * write, and no Update call when everything is already right.
 */
export async function reconcileCallback(
  event: ResourceEvent<CallbackReconcilerProperties>,
  ctx: HandlerContext,
): Promise<HandlerResponse<CallbackReconcilerData>> {
  const props = event.ResourceProperties;
  const urls = portalUrls(props.PortalSubDomain);
  if (event.RequestType === 'Delete') {
    await onDelete(event, props, ctx);
    return { PhysicalResourceId: event.PhysicalResourceId, Data: urls };
  }

  // URLs that must go: the placeholders, and the previous portal's when the workforce was replaced.
  const stale = new Set(props.PlaceholderUrls);
  const old = event.RequestType === 'Update' ? event.OldResourceProperties : undefined;
  if (old?.PortalSubDomain && old.PortalSubDomain !== props.PortalSubDomain) {
    const previous = portalUrls(old.PortalSubDomain);
    stale.add(previous.CallbackUrl).add(previous.LogoutUrl);
  }

  const samePool = event.RequestType === 'Update' && old?.UserPoolId === props.UserPoolId;
  const previousId = event.RequestType === 'Update' ? event.PhysicalResourceId : '';
  let ownId = `${props.UserPoolId}/${props.ClientId}/callback`;
  let physicalResourceId = ownId;
  try {
    const added = await reconcileClient(ctx.cognito, props, urls, stale, ctx);
    if (props.RemoveAddedUrls === 'true') {
      // What the reconciler added to a client it did not create, and only that, goes when it leaves:
      // remembered in the physical id (a Delete is handed nothing else), from the first event on.
      const before = event.RequestType === 'Update' && previousId.startsWith(`${ownId}/`)
        ? addedKinds(previousId)
        // A reconciler renamed or moved in the stack hands on what it added.
        : (await otherReconcilers(event.StackId, props.UserPoolId, ctx))
          .filter((r) => r.LogicalResourceId !== event.LogicalResourceId && r.PhysicalResourceId?.startsWith(`${ownId}/`))
          .flatMap((r) => addedKinds(r.PhysicalResourceId!));
      ownId = withAddedUrls(ownId, [...before, ...added]);
      physicalResourceId = ownId;
    }
    const invitation = props.InvitationBody !== undefined && props.InvitationSubject !== undefined
      ? { EmailSubject: props.InvitationSubject, EmailMessage: renderInvitation(props.InvitationBody, urls.PortalUrl) }
      : undefined;
    if (invitation || props.DeletionProtection === 'ACTIVE') {
      // The same pool as before (another client too): the invitation kept for restoring is the one kept then.
      const keptBefore = samePool ? keptInvitation(previousId) : undefined;
      const kept = keptBefore && withKeptInvitation(ownId, keptBefore, props.UserPoolId);
      // A reconciler renamed or moved in the stack hands its kept invitation on: the pool has ours by now.
      const inherited = props.RestoreInvitation === 'true' && !kept
        ? await keptByOtherReconciler(event.StackId, event.LogicalResourceId, props.UserPoolId, ctx)
        : undefined;
      // The physical id that keeps the owner's invitation is made (and its size checked) before
      // anything is written: a failure then leaves the owner's invitation as it was.
      await reconcilePool(props, invitation, ctx, (previous) => {
        if (props.RestoreInvitation === 'true') {
          physicalResourceId = kept ?? withKeptInvitation(ownId, inherited ?? previous, props.UserPoolId);
        }
      });
    }
    // Deletion protection the reconciler turned on, and is no longer asked to keep (removalPolicy
    // DESTROY now): off, so that the stack can be deleted.
    if (old?.DeletionProtection === 'ACTIVE' && props.DeletionProtection !== 'ACTIVE' && old.UserPoolId === props.UserPoolId) {
      await updatePool(props.UserPoolId, ctx, () => ({ DeletionProtection: 'INACTIVE' }));
    }
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') {
      throw new Error(`User pool ${props.UserPoolId} or its app client ${props.ClientId} does not exist (${(error as Error).message}). ` +
        'If it was deleted outside CloudFormation, restore it or let the stack create a new one (change the construct id), then deploy again.');
    }
    throw error;
  }
  return { PhysicalResourceId: physicalResourceId, Data: urls };
}

/** Marks, in the physical id, the portal URLs the reconciler added to a client it did not create. */
const ADDED = '/added-';

/** Which portal URL: the callback or the logout URL. */
type UrlKind = 'callback' | 'logout';

/** The physical id with the kinds of portal URL the reconciler added. */
function withAddedUrls(id: string, kinds: UrlKind[]): string {
  return kinds.length === 0 ? id : `${id}${ADDED}${[...new Set(kinds)].sort().join('-')}`;
}

/** The kinds of portal URL a physical id says the reconciler added. */
function addedKinds(physicalResourceId: string): UrlKind[] {
  const match = /\/added-((?:callback|logout)(?:-logout)?)(?:\/|$)/.exec(physicalResourceId);
  return match ? (match[1].split('-') as UrlKind[]) : [];
}

/**
 * A Delete is not a departure (renames, replacements and rollbacks send one too): the pool is left
 * as it is, except
 * - when the stack's first deploy rolls back: the pool the library created is being deleted, and its
 *   deletion protection (turned on by the reconciler) would stop CloudFormation;
 * - when the reconciler leaves for good (the stack is deleted, or no other reconciler of the stack
 *   wires the same pool) and it changed an existing pool's invitation: the previous one is restored.
 */
async function onDelete(event: ResourceEvent<CallbackReconcilerProperties> & { RequestType: 'Delete' }, props: CallbackReconcilerProperties, ctx: HandlerContext): Promise<void> {
  if (props.DeletionProtection !== 'ACTIVE' && props.RestoreInvitation !== 'true' && props.RemoveAddedUrls !== 'true') {
    return;
  }
  const status = await ctx.stackStatus();
  try {
    // A rollback deletes a pool the failed deploy created (RetainExceptOnCreate): the first
    // deploy's, or an update's that added the workforce to the stack.
    if (props.DeletionProtection === 'ACTIVE' && (status === 'ROLLBACK_IN_PROGRESS'
      || (status === 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS' && await leavesWithRollback(event.StackId, props.UserPoolId, ctx)))) {
      await updatePool(props.UserPoolId, ctx, () => ({ DeletionProtection: 'INACTIVE' }));
      return;
    }
    const previous = keptInvitation(event.PhysicalResourceId ?? '');
    const removesUrls = props.RemoveAddedUrls === 'true' && addedKinds(event.PhysicalResourceId).length > 0;
    if (removesUrls && await departs(event, `${props.UserPoolId}/${props.ClientId}/`, ADDED, status, ctx)) {
      await removeAddedUrls(props, event.PhysicalResourceId, ctx);
    }
    if (props.RestoreInvitation === 'true' && previous && await departs(event, `${props.UserPoolId}/`, KEPT, status, ctx)) {
      await restoreInvitation(props, previous, ctx);
    }
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') {
      throw error;
    }
    ctx.log(`user pool ${props.UserPoolId} is gone; nothing to restore`);
  }
}

/**
 * Puts the owner's invitation back, only where the pool still has the one the reconciler wrote (the
 * Delete's properties say which): one changed since (by the pool's owner, say) is left as it is,
 * and logged. Read-modify-write; the invitation's text is not logged.
 */
async function restoreInvitation(props: CallbackReconcilerProperties, previous: InvitationTemplate, ctx: HandlerContext): Promise<void> {
  const pool = await describePool(props.UserPoolId, ctx);
  const template = pool.AdminCreateUserConfig?.InviteMessageTemplate ?? {};
  const current = { EmailSubject: template.EmailSubject, EmailMessage: template.EmailMessage };
  const ours = props.InvitationSubject !== undefined && props.InvitationBody !== undefined
    ? { EmailSubject: props.InvitationSubject, EmailMessage: renderInvitation(props.InvitationBody, portalUrls(props.PortalSubDomain).PortalUrl) }
    : undefined;
  const target = { EmailSubject: previous.EmailSubject, EmailMessage: previous.EmailMessage };
  const same = (a: InvitationTemplate, b: InvitationTemplate) => (a.EmailSubject ?? '') === (b.EmailSubject ?? '') && (a.EmailMessage ?? '') === (b.EmailMessage ?? '');
  const verdict = restoreVerdict(current, ours, target, same);
  if (verdict === 'already') {
    return;
  }
  if (verdict === 'changed') {
    ctx.log(`user pool ${props.UserPoolId}: its invitation email was changed since the reconciler set it, so it is left as it is, not put back ` +
      'to the one from before the stack; set that one again (UpdateUserPool AdminCreateUserConfig.InviteMessageTemplate) if it should be back.');
    return;
  }
  ctx.log(`user pool ${props.UserPoolId}: the invitation email from before the stack is put back`);
  const base = userPoolUpdate(pool);
  // The owner's subject and message, or none (Cognito's default) where the owner had none.
  const { EmailSubject: _subject, EmailMessage: _message, ...others } = base.AdminCreateUserConfig?.InviteMessageTemplate ?? {};
  await ctx.write(`UpdateUserPool ${props.UserPoolId}`, () => ctx.cognito.send(new UpdateUserPoolCommand({
    ...base,
    AdminCreateUserConfig: { ...base.AdminCreateUserConfig, InviteMessageTemplate: { ...others, ...previous } },
  })));
}

/**
 * True when the Delete ends what the physical id holds (`marker`: a kept invitation, added URLs) for
 * what it works on (`prefix`: the pool, or the pool and client): the stack is deleted, or no live
 * reconciler of the stack holds it any more, neither one it was renamed from or to nor the same one
 * with its new physical id (the old id's cleanup Delete after another client, or after it stopped
 * managing the invitation).
 */
async function departs(
  event: { StackId: string; LogicalResourceId: string; PhysicalResourceId: string },
  prefix: string, marker: string, status: string, ctx: HandlerContext,
): Promise<boolean> {
  if (status === 'DELETE_IN_PROGRESS' || status === 'ROLLBACK_IN_PROGRESS') {
    return true; // the stack goes, or its first deploy is undone
  }
  if (status !== 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS' && status !== 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS') {
    return false;
  }
  return (await stackResources(event.StackId, ctx)).every((r) => r.ResourceType !== CALLBACK_RECONCILER_RESOURCE_TYPE
    || r.ResourceStatus?.startsWith('DELETE')
    || (r.LogicalResourceId === event.LogicalResourceId && r.PhysicalResourceId === event.PhysicalResourceId)
    || !(r.PhysicalResourceId?.startsWith(prefix) && r.PhysicalResourceId.includes(marker)));
}

/**
 * True when the pool is not in the template the stack rolls back to: the failed update created it,
 * and the rollback's cleanup deletes it.
 */
async function leavesWithRollback(stackId: string, userPoolId: string, ctx: HandlerContext): Promise<boolean> {
  const pool = await stackResource(stackId, 'AWS::Cognito::UserPool', userPoolId, ctx);
  if (!pool) {
    return false;
  }
  const template = await ctx.call('GetTemplate', () => ctx.cloudFormation.send(new GetTemplateCommand({ StackName: stackId, TemplateStage: 'Original' })));
  const resources = (JSON.parse(template.TemplateBody ?? '{}') as { Resources?: Record<string, unknown> }).Resources ?? {};
  return !(pool.LogicalResourceId! in resources);
}

/** The invitation another reconciler of the same pool in the stack keeps (a renamed or moved one). */
async function keptByOtherReconciler(
  stackId: string, logicalId: string, userPoolId: string, ctx: HandlerContext,
): Promise<InvitationTemplate | undefined> {
  const other = (await otherReconcilers(stackId, userPoolId, ctx))
    .find((r) => r.LogicalResourceId !== logicalId && r.PhysicalResourceId?.includes(KEPT));
  return other && keptInvitation(other.PhysicalResourceId!);
}

/** The stack's live reconcilers of a pool. */
async function otherReconcilers(stackId: string, userPoolId: string, ctx: HandlerContext): Promise<StackResourceSummary[]> {
  return (await stackResources(stackId, ctx)).filter((r) => r.ResourceType === CALLBACK_RECONCILER_RESOURCE_TYPE
    && r.PhysicalResourceId?.startsWith(`${userPoolId}/`)
    && !r.ResourceStatus?.startsWith('DELETE'));
}

/** The stack's resource of a type with a physical id, if any. */
async function stackResource(stackId: string, type: string, physicalId: string, ctx: HandlerContext): Promise<StackResourceSummary | undefined> {
  return (await stackResources(stackId, ctx)).find((r) => r.ResourceType === type && r.PhysicalResourceId === physicalId);
}

async function reconcileClient(
  cognito: CognitoIdentityProviderClient,
  props: CallbackReconcilerProperties,
  urls: CallbackReconcilerData,
  stale: Set<string>,
  ctx: HandlerContext,
): Promise<UrlKind[]> {
  const described = await ctx.call(`DescribeUserPoolClient ${props.ClientId}`, () =>
    cognito.send(new DescribeUserPoolClientCommand({ UserPoolId: props.UserPoolId, ClientId: props.ClientId })));
  const client = described.UserPoolClient;
  if (!client) {
    throw new Error(`App client ${props.ClientId} of user pool ${props.UserPoolId} was not returned by DescribeUserPoolClient.`);
  }

  const callbackUrls = withUrlFirst(urls.CallbackUrl, client.CallbackURLs ?? [], stale);
  const logoutUrls = withUrlFirst(urls.LogoutUrl, client.LogoutURLs ?? [], stale);
  const defaultRedirect = client.DefaultRedirectURI !== undefined && stale.has(client.DefaultRedirectURI)
    ? urls.CallbackUrl
    : client.DefaultRedirectURI;

  const added: UrlKind[] = [
    ...(client.CallbackURLs ?? []).includes(urls.CallbackUrl) ? [] : ['callback' as const],
    ...(client.LogoutURLs ?? []).includes(urls.LogoutUrl) ? [] : ['logout' as const],
  ];
  // The same URLs, each as often, in any order (Cognito keeps the order it was given; the order has no meaning).
  if (sameItems(callbackUrls, client.CallbackURLs) && sameItems(logoutUrls, client.LogoutURLs) && defaultRedirect === client.DefaultRedirectURI) {
    ctx.log(`app client ${props.ClientId} already has the portal URLs`);
    return added;
  }
  ctx.log(`app client ${props.ClientId}: callback URLs ${JSON.stringify(client.CallbackURLs)} -> ${JSON.stringify(callbackUrls)}`);
  await ctx.write(`UpdateUserPoolClient ${props.ClientId}`, () => cognito.send(new UpdateUserPoolClientCommand(userPoolClientUpdate(client, {
    CallbackURLs: callbackUrls,
    LogoutURLs: logoutUrls,
    DefaultRedirectURI: defaultRedirect,
  }))));
  return added;
}

/** Removes the portal URLs the reconciler added to a client it did not create (read-modify-write). */
async function removeAddedUrls(props: CallbackReconcilerProperties, physicalResourceId: string, ctx: HandlerContext): Promise<void> {
  const urls = portalUrls(props.PortalSubDomain);
  const added = addedKinds(physicalResourceId).map((kind) => (kind === 'callback' ? urls.CallbackUrl : urls.LogoutUrl));
  const described = await ctx.call(`DescribeUserPoolClient ${props.ClientId}`, () =>
    ctx.cognito.send(new DescribeUserPoolClientCommand({ UserPoolId: props.UserPoolId, ClientId: props.ClientId })));
  const client = described.UserPoolClient;
  if (!client || added.length === 0) {
    return;
  }
  // Only URLs still there go: one removed since (by the client's owner) is nothing to remove.
  const gone = added.filter((url) => ![...client.CallbackURLs ?? [], ...client.LogoutURLs ?? []].includes(url));
  if (gone.length > 0) {
    ctx.log(`app client ${props.ClientId}: ${gone.length} of the ${added.length} portal URL(s) the reconciler added ${gone.length === 1 ? 'was' : 'were'} ` +
      `removed since (${gone.join(', ')}); nothing to remove there`);
  }
  const callbackUrls = (client.CallbackURLs ?? []).filter((url) => !added.includes(url));
  const logoutUrls = (client.LogoutURLs ?? []).filter((url) => !added.includes(url));
  if (callbackUrls.length === (client.CallbackURLs ?? []).length && logoutUrls.length === (client.LogoutURLs ?? []).length) {
    return;
  }
  ctx.log(`app client ${props.ClientId}: removing the portal URLs the reconciler added`);
  await ctx.write(`UpdateUserPoolClient ${props.ClientId}`, () => ctx.cognito.send(new UpdateUserPoolClientCommand(userPoolClientUpdate(client, {
    CallbackURLs: callbackUrls,
    LogoutURLs: logoutUrls,
    // Cognito requires the default redirect to be one of the callback URLs.
    DefaultRedirectURI: client.DefaultRedirectURI !== undefined && added.includes(client.DefaultRedirectURI) ? undefined : client.DefaultRedirectURI,
  }))));
}

/**
 * Brings the pool's invitation and deletion protection to what they should be, in one
 * read-modify-write UpdateUserPool (none when both are right). Returns the invitation it found.
 */
async function reconcilePool(
  props: CallbackReconcilerProperties,
  invitation: { EmailSubject: string; EmailMessage: string } | undefined,
  ctx: HandlerContext,
  beforeWriting: (current: InvitationTemplate) => void,
): Promise<InvitationTemplate> {
  const pool = await describePool(props.UserPoolId, ctx);
  const current = pool.AdminCreateUserConfig?.InviteMessageTemplate ?? {};
  beforeWriting(current);
  const invitationRight = !invitation || (current.EmailSubject === invitation.EmailSubject && current.EmailMessage === invitation.EmailMessage);
  const protectionRight = props.DeletionProtection !== 'ACTIVE' || pool.DeletionProtection === 'ACTIVE';
  if (invitationRight && protectionRight) {
    ctx.log(`user pool ${props.UserPoolId} already has the invitation and deletion protection`);
    return current;
  }
  checkPassedResources(pool, props);
  ctx.log(`user pool ${props.UserPoolId}: ${invitationRight ? '' : 'invitation points at the portal; '}${protectionRight ? '' : 'deletion protection on'}`);
  const base = userPoolUpdate(pool);
  await ctx.write(`UpdateUserPool ${props.UserPoolId}`, () => ctx.cognito.send(new UpdateUserPoolCommand({
    ...base,
    ...(protectionRight ? {} : { DeletionProtection: 'ACTIVE' as const }),
    AdminCreateUserConfig: {
      ...base.AdminCreateUserConfig,
      InviteMessageTemplate: { ...current, ...invitation },
    },
  })));
  return current;
}

/** Read-modify-write of the pool: `changes` of the request that keeps everything. */
async function updatePool(
  userPoolId: string, ctx: HandlerContext, changes: (base: UpdateUserPoolCommandInput) => Partial<UpdateUserPoolCommandInput>,
): Promise<void> {
  const base = userPoolUpdate(await describePool(userPoolId, ctx));
  await ctx.write(`UpdateUserPool ${userPoolId}`, () => ctx.cognito.send(new UpdateUserPoolCommand({ ...base, ...changes(base) })));
}

async function describePool(userPoolId: string, ctx: HandlerContext): Promise<UserPoolType> {
  const described = await ctx.call(`DescribeUserPool ${userPoolId}`, () => ctx.cognito.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId })));
  if (!described.UserPool) {
    throw new Error(`User pool ${userPoolId} was not returned by DescribeUserPool.`);
  }
  return described.UserPool;
}

/** The email part of an invitation template. */
type InvitationTemplate = { EmailSubject?: string; EmailMessage?: string };

/** CloudFormation's limit of a physical id, less room. */
const MAX_PHYSICAL_ID = 1000;
const KEPT = '/previous-invitation/';

/**
 * The physical id that keeps an existing pool's previous invitation (compressed) for restoring on
 * Delete: CloudFormation hands a Delete nothing else of what Create saw.
 */
function withKeptInvitation(id: string, previous: InvitationTemplate, userPoolId: string): string {
  const encoded = deflateRawSync(JSON.stringify({ EmailSubject: previous.EmailSubject, EmailMessage: previous.EmailMessage })).toString('base64url');
  const result = `${id}${KEPT}${encoded}`;
  if (result.length > MAX_PHYSICAL_ID) {
    throw new Error(`User pool ${userPoolId}'s current invitation is too long to keep for restoring later (${encoded.length} characters compressed). ` +
      'Shorten it, or set `manageInvitation: false` and point it at the portal yourself.');
  }
  return result;
}

/** The invitation a physical id keeps, if any. */
function keptInvitation(physicalResourceId: string): InvitationTemplate | undefined {
  const at = physicalResourceId.indexOf(KEPT);
  if (at < 0) {
    return undefined;
  }
  return JSON.parse(inflateRawSync(Buffer.from(physicalResourceId.slice(at + KEPT.length), 'base64url')).toString('utf-8'));
}

/**
 * UpdateUserPool sends the pool's SMS role and KMS key again (read-modify-write), and Cognito then
 * checks that the caller may pass the role and use the key (the registry's update handler of
 * AWS::Cognito::UserPool holds iam:PassRole and KMS permissions for this). The handler holds them
 * only for the role and key it was given: say what to give before Cognito refuses half-way.
 */
function checkPassedResources(pool: UserPoolType, props: CallbackReconcilerProperties): void {
  const smsRole = pool.SmsConfiguration?.SnsCallerArn;
  if (smsRole && smsRole !== props.SmsRoleArn) {
    throw new Error(`User pool ${props.UserPoolId} sends SMS with the role ${smsRole}. Updating its invitation sends that role again, ` +
      `which needs iam:PassRole on it: give it as \`smsRole\` (iam.Role.fromRoleArn(this, 'SmsRole', '${smsRole}')) to the PrivateWorkforce ` +
      'or CallbackReconciler, or set `manageInvitation: false`.');
  }
  const key = pool.KeyConfiguration?.KeyType === 'CUSTOMER_MANAGED_KEY' ? pool.KeyConfiguration.KmsKeyArn : undefined;
  if (key && key !== props.KmsKeyArn) {
    throw new Error(`User pool ${props.UserPoolId} is encrypted with the KMS key ${key}. Updating its invitation needs that key: ` +
      `give it as \`userPoolKey\` (kms.Key.fromKeyArn(this, 'PoolKey', '${key}')) to the PrivateWorkforce or CallbackReconciler, ` +
      'or set `manageInvitation: false`.');
  }
}

/** `first`, then the other URLs of `current` in order, without stale ones and duplicates. */
function withUrlFirst(first: string, current: readonly string[], stale: Set<string>): string[] {
  return [first, ...current.filter((url) => url !== first && !stale.has(url))];
}
