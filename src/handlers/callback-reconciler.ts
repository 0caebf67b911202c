import {
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  UpdateUserPoolClientCommand,
  UpdateUserPoolCommand,
  UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import { userPoolClientUpdate, userPoolUpdate } from './cognito-update';
import type { HandlerContext, HandlerResponse, ResourceEvent } from './dispatch';
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
 * at the portal. Read-modify-write, and no Update call when everything is already right.
 * Delete leaves the pool and client as they are: they are going away or no longer ours to change.
 */
export async function reconcileCallback(
  event: ResourceEvent<CallbackReconcilerProperties>,
  ctx: HandlerContext,
): Promise<HandlerResponse<CallbackReconcilerData>> {
  const props = event.ResourceProperties;
  const physicalResourceId = `${props.UserPoolId}/${props.ClientId}/callback`;
  const urls = portalUrls(props.PortalSubDomain);
  if (event.RequestType === 'Delete') {
    return { PhysicalResourceId: event.PhysicalResourceId ?? physicalResourceId, Data: urls };
  }

  // URLs that must go: the placeholders, and the previous portal's when the workforce was replaced.
  const stale = new Set(props.PlaceholderUrls);
  const old = event.RequestType === 'Update' ? event.OldResourceProperties : undefined;
  if (old?.PortalSubDomain && old.PortalSubDomain !== props.PortalSubDomain) {
    const previous = portalUrls(old.PortalSubDomain);
    stale.add(previous.CallbackUrl).add(previous.LogoutUrl);
  }

  try {
    await reconcileClient(ctx.cognito, props, urls, stale, ctx);
    if (props.InvitationBody !== undefined && props.InvitationSubject !== undefined) {
      await reconcileInvitation(ctx.cognito, props, props.InvitationSubject, renderInvitation(props.InvitationBody, urls.PortalUrl), ctx);
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

async function reconcileClient(
  cognito: CognitoIdentityProviderClient,
  props: CallbackReconcilerProperties,
  urls: CallbackReconcilerData,
  stale: Set<string>,
  ctx: HandlerContext,
): Promise<void> {
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

  if (sameSet(callbackUrls, client.CallbackURLs) && sameSet(logoutUrls, client.LogoutURLs) && defaultRedirect === client.DefaultRedirectURI) {
    ctx.log(`app client ${props.ClientId} already has the portal URLs`);
    return;
  }
  ctx.log(`app client ${props.ClientId}: callback URLs ${JSON.stringify(client.CallbackURLs)} -> ${JSON.stringify(callbackUrls)}`);
  await ctx.call(`UpdateUserPoolClient ${props.ClientId}`, () => cognito.send(new UpdateUserPoolClientCommand(userPoolClientUpdate(client, {
    CallbackURLs: callbackUrls,
    LogoutURLs: logoutUrls,
    DefaultRedirectURI: defaultRedirect,
  }))));
}

async function reconcileInvitation(
  cognito: CognitoIdentityProviderClient,
  props: CallbackReconcilerProperties,
  subject: string,
  message: string,
  ctx: HandlerContext,
): Promise<void> {
  const userPoolId = props.UserPoolId;
  const described = await ctx.call(`DescribeUserPool ${userPoolId}`, () => cognito.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId })));
  const pool = described.UserPool;
  if (!pool) {
    throw new Error(`User pool ${userPoolId} was not returned by DescribeUserPool.`);
  }
  const current = pool.AdminCreateUserConfig?.InviteMessageTemplate;
  if (current?.EmailSubject === subject && current?.EmailMessage === message) {
    ctx.log(`user pool ${userPoolId} already has the invitation`);
    return;
  }
  checkPassedResources(pool, props);
  ctx.log(`user pool ${userPoolId}: invitation now points at the portal`);
  const base = userPoolUpdate(pool);
  await ctx.call(`UpdateUserPool ${userPoolId}`, () => cognito.send(new UpdateUserPoolCommand({
    ...base,
    AdminCreateUserConfig: {
      ...base.AdminCreateUserConfig,
      InviteMessageTemplate: { ...current, EmailSubject: subject, EmailMessage: message },
    },
  })));
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

/** Same URLs, in any order (Cognito keeps the order it was given; the order has no meaning). */
function sameSet(a: readonly string[], b: readonly string[] | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((value) => b.includes(value));
}
