import { Annotations, CfnResource, CustomResource, Duration, Token } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { CognitoBackbone } from './cognito-backbone';
import { CALLBACK_RECONCILER_RESOURCE_TYPE } from './handlers/types';
import type { CallbackReconcilerProperties } from './handlers/types';
import { InvitationMessage } from './invitation-message';
import { cloudFormationFingerprint } from './private/fingerprint';
import { HandlerProvider } from './private/handler-provider';
import { resolveInvitation } from './private/invitation';
import { CALLBACK_RECONCILER_TYPES } from './private/prop-specs';
import { checkPropTypes } from './private/prop-types';
import { isPoolOfApp, USER_POOL_KEY_ACTIONS } from './private/user-pool';

/**
 * Properties of a `CallbackReconciler`.
 */
export interface CallbackReconcilerProps {
  /** The user pool of the workforce. */
  readonly userPool: cognito.IUserPool;

  /** The labeling portal's app client. */
  readonly userPoolClient: cognito.IUserPoolClient;

  /** The workforce's `SubDomain` attribute: the portal is `https://<subDomain>`. */
  readonly subDomain: string;

  /**
   * URLs of the app client that the portal's replace. For an app client that the app does not
   * define (imported by id), the portal's URLs are added when missing, no other URL is removed but
   * these, and the URLs the reconciler added are removed again when it leaves (the stack is
   * deleted, or the reconciler is removed from it).
   *
   * @default - the placeholders of `CognitoBackbone`
   */
  readonly placeholderUrls?: string[];

  /**
   * Whether to write the invitation email (with the portal URL) into the user pool. For a pool
   * that is not created in this app, the invitation it had is kept and written back when the
   * reconciler leaves (the stack is deleted, or the reconciler is removed from it), unless the
   * pool's invitation was changed since the reconciler wrote it: that one is left, and logged.
   *
   * @default true
   */
  readonly manageInvitation?: boolean;

  /**
   * Whether to keep the user pool's deletion protection on: the reconciler turns it on once the
   * portal is wired, and back on after any deploy that rewrites the pool, and turns it off only
   * when the stack's first deploy rolls back, so that CloudFormation can delete the pool it made.
   * For a pool whose template leaves deletion protection off (`CognitoBackbone` with
   * `deletionProtection: false`, as `PrivateWorkforce` makes it).
   *
   * @default false
   */
  readonly protectUserPool?: boolean;

  /**
   * The invitation email; `{portalUrl}` becomes the portal URL.
   *
   * @default - the default invitation of `InvitationMessage`
   */
  readonly invitation?: InvitationMessage;

  /**
   * The IAM role an existing user pool sends SMS with (its `SmsConfiguration.SnsCallerArn`).
   * Updating the pool's invitation sends the whole configuration again, which needs `iam:PassRole`
   * on that role: the handler gets it on this role only. A pool with an SMS role that is not given
   * here fails the deploy with a message that names it.
   *
   * @default - the pool has no SMS role
   */
  readonly smsRole?: iam.IRole;

  /**
   * The customer-managed KMS key an existing user pool is encrypted with (its `KeyConfiguration`).
   * Updating the pool's invitation sends it again; the handler gets the KMS permissions
   * CloudFormation's own user pool update handler holds, on this key only.
   *
   * @default - the pool uses an AWS-owned key
   */
  readonly userPoolKey?: kms.IKey;
}


/**
 * Wires the labeling portal into Cognito and keeps it wired: sets the app client's callback
 * (`https://<subDomain>/oauth2/idpresponse`) and logout (`https://<subDomain>/logout`) URLs in place
 * of the placeholders, keeping any other URLs, and points the pool's invitation email at the portal.
 *
 * Every Cognito update is read-modify-write, so no other setting changes, and nothing is written
 * when everything is already right. Its properties carry a fingerprint of the user pool's and app
 * client's CloudFormation properties, so any deploy that makes CloudFormation rewrite them (and
 * with them the placeholder) runs it again.
 *
 * @example
 * declare const backbone: CognitoBackbone;
 * declare const workforce: WorkforceResource;
 * new CallbackReconciler(this, 'Wiring', {
 *   userPool: backbone.userPool,
 *   userPoolClient: backbone.userPoolClient,
 *   subDomain: workforce.subDomain,
 * });
 */
export class CallbackReconciler extends Construct {
  /** The labeling portal URL, once wired. */
  public readonly portalUrl: string;
  /** The callback URL it set. */
  public readonly callbackUrl: string;
  /** The logout URL it set. */
  public readonly logoutUrl: string;
  /** The custom resource. */
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: CallbackReconcilerProps) {
    super(scope, id);
    checkPropTypes(props, CALLBACK_RECONCILER_TYPES); // first: untyped callers get a clear error, not a TypeError
    const manageInvitation = props.manageInvitation ?? true;
    const invitation = manageInvitation ? resolveInvitation(this, props.invitation) : undefined;

    if (!manageInvitation && !props.protectUserPool && (props.smsRole || props.userPoolKey)) {
      Annotations.of(this).addWarningV2('cdk-private-workforce:passedResourcesUnused',
        '`smsRole` and `userPoolKey` are only used to update the pool, and the reconciler does not (`manageInvitation` is false).');
    }

    const provider = HandlerProvider.of(this);
    const protect = props.protectUserPool ?? false;
    const updatesPool = manageInvitation || protect;
    // An existing pool's invitation is its owner's: the previous one is restored on leaving.
    const restoreInvitation = manageInvitation && !isPoolOfApp(props.userPool, this);

    const watched = [props.userPool.node.defaultChild, props.userPoolClient.node.defaultChild]
      .filter((child): child is CfnResource => CfnResource.isCfnResource(child));
    const fingerprint = cloudFormationFingerprint(this, watched);

    const properties: CallbackReconcilerProperties = {
      UserPoolId: props.userPool.userPoolId,
      ClientId: props.userPoolClient.userPoolClientId,
      PortalSubDomain: props.subDomain,
      PlaceholderUrls: props.placeholderUrls ?? [CognitoBackbone.PLACEHOLDER_CALLBACK_URL, CognitoBackbone.PLACEHOLDER_LOGOUT_URL],
      InvitationSubject: invitation?.emailSubject,
      InvitationBody: invitation?.emailBody,
      SmsRoleArn: updatesPool ? props.smsRole?.roleArn : undefined,
      KmsKeyArn: updatesPool ? props.userPoolKey?.keyArn : undefined,
      DeletionProtection: protect ? 'ACTIVE' : undefined,
      RestoreInvitation: restoreInvitation ? 'true' : undefined,
      // A client the app does not define is someone else's: only what the reconciler adds goes again.
      RemoveAddedUrls: CfnResource.isCfnResource(props.userPoolClient.node.defaultChild) ? undefined : 'true',
      Fingerprint: fingerprint.digest,
      FingerprintInputs: fingerprint.inputs as unknown[],
    };
    // CloudFormation fails the resource if no answer comes within 16 minutes (the handler stops
    // itself 30 seconds before its 15-minute limit and reports); without it, a lost answer waits an hour.
    this.resource = provider.customResource(this, CALLBACK_RECONCILER_RESOURCE_TYPE, properties, Duration.minutes(16));

    // The policy is per pool: a reconciler moved to another pool keeps the old pool's permissions
    // until the Delete of its old physical id (which restores that pool's invitation) is done.
    const poolKey = `${props.userPool.node.addr}/${Token.isUnresolved(props.userPool.userPoolId) ? '' : props.userPool.userPoolId}`;
    const grants = provider.grantsFor(this.resource, poolKey);
    grants.userPool(props.userPool, [
      'DescribeUserPoolClient',
      'UpdateUserPoolClient',
      // On an existing pool also without managing the invitation now: a reconciler that managed it
      // in an earlier deploy puts the owner's back when that old physical id is deleted.
      ...(updatesPool || !isPoolOfApp(props.userPool, this) ? ['DescribeUserPool', 'UpdateUserPool'] : []),
    ]);
    // Its Delete events are told apart by the stack's status and resources, whatever it manages now.
    grants.ownStack('ListStackResources', 'GetTemplate');
    if (updatesPool && props.smsRole) {
      grants.add(new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [props.smsRole.roleArn] }));
    }
    if (updatesPool && props.userPoolKey) {
      grants.add(new iam.PolicyStatement({ actions: USER_POOL_KEY_ACTIONS, resources: [props.userPoolKey.keyArn] }));
    }

    this.portalUrl = this.resource.getAttString('PortalUrl');
    this.callbackUrl = this.resource.getAttString('CallbackUrl');
    this.logoutUrl = this.resource.getAttString('LogoutUrl');
  }
}

