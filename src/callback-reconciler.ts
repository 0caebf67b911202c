import { CfnResource, CustomResource, Duration } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { CognitoBackbone } from './cognito-backbone';
import { CALLBACK_RECONCILER_RESOURCE_TYPE } from './handlers/types';
import type { CallbackReconcilerProperties } from './handlers/types';
import { InvitationMessage } from './invitation-message';
import { cloudFormationFingerprint } from './private/fingerprint';
import { HandlerProvider } from './private/handler-provider';
import { resolveInvitation } from './private/invitation';

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
   * URLs of the app client that the portal's replace.
   *
   * @default - the placeholders of `CognitoBackbone`
   */
  readonly placeholderUrls?: string[];

  /**
   * Whether to write the invitation email (with the portal URL) into the user pool.
   *
   * @default true
   */
  readonly manageInvitation?: boolean;

  /**
   * The invitation email; `{portalUrl}` becomes the portal URL.
   *
   * @default - the default invitation of `InvitationMessage`
   */
  readonly invitation?: InvitationMessage;
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
    const manageInvitation = props.manageInvitation ?? true;
    const invitation = manageInvitation ? resolveInvitation(this, props.invitation) : undefined;

    const provider = HandlerProvider.of(this);
    provider.grantUserPool(props.userPool, [
      'DescribeUserPoolClient',
      'UpdateUserPoolClient',
      ...(manageInvitation ? ['DescribeUserPool', 'UpdateUserPool'] : []),
    ]);

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
      Fingerprint: fingerprint.digest,
      FingerprintInputs: fingerprint.inputs as unknown[],
    };
    this.resource = new CustomResource(this, 'Resource', {
      // CloudFormation fails the resource if no answer comes within this (the handler stops itself
      // 30 seconds before its 15-minute limit and reports); without it, a lost answer waits an hour.
      serviceTimeout: Duration.minutes(16),
      serviceToken: provider.serviceToken,
      resourceType: CALLBACK_RECONCILER_RESOURCE_TYPE,
      properties: { ...properties },
    });
    this.resource.node.addDependency(provider.role);

    this.portalUrl = this.resource.getAttString('PortalUrl');
    this.callbackUrl = this.resource.getAttString('CallbackUrl');
    this.logoutUrl = this.resource.getAttString('LogoutUrl');
  }
}
