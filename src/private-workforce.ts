import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import { CallbackReconciler } from './callback-reconciler';
import { CognitoBackbone, CognitoBackboneOptions } from './cognito-backbone';
import { InvitationMessage } from './invitation-message';
import { InvitationSender } from './invitation-sender';
import { IpAddressType } from './ip-address-type';
import { validateCognitoBackboneOptions } from './private/backbone-validation';
import { HandlerProvider } from './private/handler-provider';
import { resolveInvitation, SenderOptions, senderOptions } from './private/invitation';
import { cognitoClientMetric } from './private/metrics';
import { grantPlan } from './private/plan-grants';
import { IDENTITY_PROVIDER, PRIVATE_WORKFORCE_TYPES, WORKERS, WORKFORCE_ALARMS_OPTION_TYPES, WORKTEAM_OPTION_TYPES } from './private/prop-specs';
import { checkPropTypes, required } from './private/prop-types';
import { checkEmailAsUsername } from './private/user-pool';
import { deriveWorkforceName, validateWorkforceRegion, validateWorkforceSettings } from './private/workforce-validation';
import { WorkerRemovalPolicy } from './worker-removal-policy';
import { Workers } from './workers';
import { WorkforceAlarms, WorkforceAlarmsOptions } from './workforce-alarms';
import { WorkforceResource, WorkforceVpcConfig } from './workforce-resource';
import { Workteam, WorkteamOptions } from './workteam';

/**
 * A private workforce with its Cognito user pool and labeling portal: a `PrivateWorkforce` the
 * library creates, or an `ExistingWorkforce` it adopts. Code written against one accepts the other.
 */
export interface IPrivateWorkforce extends IConstruct {
  /** The workforce name. */
  readonly workforceName: string;
  /** The workforce ARN. */
  readonly workforceArn: string;
  /** The labeling portal URL. */
  readonly portalUrl: string;
  /** The user pool the workers sign in with. */
  readonly userPool: cognito.IUserPool;
  /** The labeling portal's app client. */
  readonly userPoolClient: cognito.IUserPoolClient;
  /** The workforce's SubDomain (the portal's host name). */
  readonly subDomain: string;
  /** The portal wiring of the app client. */
  readonly reconciler: CallbackReconciler;
  /** The invitation sender, once there are workers to invite. */
  readonly invitations?: InvitationSender;

  /** Adds workers to invite. */
  addWorkers(workers: Workers): void;

  /**
   * Adds a work team of the workforce.
   *
   * @param id construct id of the work team
   * @param options the work team
   */
  addWorkteam(id: string, options: WorkteamOptions): Workteam;

  /** Successful sign-ins through the portal's app client. */
  metricSignInSuccesses(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** Sign-ins Cognito throttled. */
  metricSignInThrottles(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /** Failures of the library's handler. */
  metricHandlerFailures(props?: cloudwatch.MetricOptions): cloudwatch.IMetric;

  /**
   * Adds alarms on sign-in throttling, handler failures, and the library's web ACL when it made one.
   *
   * @param options where to send them, and thresholds
   */
  addAlarms(options?: WorkforceAlarmsOptions): WorkforceAlarms;
}

/**
 * Properties of a `PrivateWorkforce`.
 */
export interface PrivateWorkforceProps extends CognitoBackboneOptions {
  /**
   * The workforce name: 1-63 letters, digits and hyphens, starting with a letter or digit.
   * Changing it replaces the workforce (delete, then create).
   *
   * @default - derived from the construct path
   */
  readonly workforceName?: string;

  /**
   * CIDR blocks that may reach the labeling portal (1 to 10, each network once). IPv6 blocks need
   * `ipAddressType: IpAddressType.DUALSTACK`. Cannot be combined with `vpcConfig`.
   *
   * @default - the portal is reachable from any address
   */
  readonly sourceIpCidrs?: string[];

  /**
   * A VPC that workers reach the portal through. Cannot be combined with `sourceIpCidrs`.
   *
   * @default - the portal is reached over the internet
   */
  readonly vpcConfig?: WorkforceVpcConfig;

  /**
   * The IP address type of the portal.
   *
   * @default IpAddressType.IPV4
   */
  readonly ipAddressType?: IpAddressType;

  /**
   * The invitation email. `{portalUrl}` becomes the labeling portal URL.
   *
   * @default - the default invitation of `InvitationMessage`
   */
  readonly invitation?: InvitationMessage;

  /**
   * Tags of the workforce.
   *
   * @default - none
   */
  readonly tags?: Record<string, string>;

  /**
   * Workers to invite (`Workers.fromList(...)` or `Workers.fromFile(...)`); `addWorkers()` adds
   * more. Invitations go out after the portal is wired, so they carry its URL.
   *
   * @default - nobody is invited
   */
  readonly workers?: Workers;

  /**
   * What happens to users of the pool that are not (or no longer) on the worker list; see
   * `InvitationSenderProps.removedWorkers`. `DISABLE` and `DELETE` make the list authoritative, so
   * they need a pool the library created, and workers.
   *
   * @default WorkerRemovalPolicy.RETAIN
   */
  readonly removedWorkers?: WorkerRemovalPolicy;

  /**
   * Whether deleting the stack disables or deletes the listed workers (per `removedWorkers`); see
   * `InvitationSenderProps.removeWorkersOnStackDelete`.
   *
   * @default false
   */
  readonly removeWorkersOnStackDelete?: boolean;

  /**
   * Whether one deploy may disable or delete more than half of the pool's users; see
   * `InvitationSenderProps.allowLargeRemovals`.
   *
   * @default false
   */
  readonly allowLargeRemovals?: boolean;

  /**
   * Whether users of an existing `userPool` with a listed user name and another email are taken
   * over; see `InvitationSenderProps.adoptExistingUsers`.
   *
   * @default false
   */
  readonly adoptExistingUsers?: boolean;

  /**
   * Whether the reconciler writes the invitation email (with the portal URL) into the user pool.
   * An existing `userPool`'s invitation is its owner's: it is changed only when this is true, and
   * the previous one comes back when the workforce leaves the stack or the stack is deleted (unless
   * the invitation was changed since the reconciler wrote it: that one is left).
   *
   * @default - true for a pool the library creates, false for an existing `userPool`
   */
  readonly manageInvitation?: boolean;

  /**
   * Whether Cognito emails each new worker an invitation; with false, workers are created without
   * one (for example when they sign in through a federated identity provider).
   *
   * @default true
   */
  readonly sendInvitationEmails?: boolean;

  /**
   * The IAM role an existing `userPool` sends SMS with; see `CallbackReconcilerProps.smsRole`.
   *
   * @default - the pool has no SMS role
   */
  readonly smsRole?: iam.IRole;

  /**
   * The customer-managed KMS key of an existing `userPool`; see `CallbackReconcilerProps.userPoolKey`.
   *
   * @default - the pool uses an AWS-owned key
   */
  readonly userPoolKey?: kms.IKey;

  /**
   * Whether your `userPool` signs in with the email as user name (`UsernameAttributes: email`). Cognito
   * then generates each user's name, and the handler finds workers by their email whatever this
   * says; with it, the list's user names are the emails (none is derived). Refused at synth without
   * `userPool` (the library's pool signs in with user names) or for a pool of the app that does; for a pool from elsewhere, the handler reads the
   * pool's sign-in rules at deploy and refuses emails as user names where Cognito would.
   *
   * @default false
   */
  readonly emailAsUsername?: boolean;
}

/**
 * A SageMaker Ground Truth / Augmented AI private workforce with everything it needs: a hardened
 * Cognito user pool, the workforce, and the labeling-portal wiring.
 *
 * @example
 * new PrivateWorkforce(this, 'Workforce', {
 *   domainPrefix: 'acme-labeling',
 *   sourceIpCidrs: ['203.0.113.0/24'],
 * });
 */
export class PrivateWorkforce extends Construct implements IPrivateWorkforce {
  /** The Cognito side: user pool, app client, domain, WAF, logs, parameters. */
  public readonly backbone: CognitoBackbone;
  /** The workforce resource. */
  public readonly workforce: WorkforceResource;

  public readonly workforceName: string;
  public readonly workforceArn: string;
  /** The portal's host name. */
  public readonly subDomain: string;
  public readonly portalUrl: string;
  public readonly userPool: cognito.IUserPool;
  public readonly userPoolClient: cognito.IUserPoolClient;
  /** The sign-in domain, when the library added one. */
  public readonly userPoolDomain?: cognito.IUserPoolDomain;
  /** The ARN of the web ACL associated with the user pool, when the library associated one. */
  public readonly webAclArn?: string;
  /** The log group that receives Cognito's logs, when log delivery is on. */
  public readonly logGroup?: logs.ILogGroup;
  /** Keeps the portal URLs in the app client and the portal URL in the invitation. */
  public readonly reconciler: CallbackReconciler;

  private invitationSender?: InvitationSender;
  private readonly senderProps: SenderOptions;

  constructor(scope: Construct, id: string, props: PrivateWorkforceProps = {}) {
    super(scope, id);
    checkPropTypes(props, PRIVATE_WORKFORCE_TYPES); // first: untyped callers get a clear error, not a TypeError

    // Every check runs before the first child exists.
    validateWorkforceRegion(this, false); // refuses early; the WorkforceResource warns
    validateWorkforceSettings(props);
    validateCognitoBackboneOptions(props);
    resolveInvitation(this, props.invitation);
    // The InvitationSender checks its own settings (removedWorkers and the rest) when it is made;
    // the user names are checked now, whether or not workers are listed yet.
    checkEmailAsUsername(this, props.userPool, props.emailAsUsername);
    this.senderProps = senderOptions(props);
    const workforceName = props.workforceName ?? deriveWorkforceName(this);
    // A pool the library creates is protected from deletion by the reconciler, not the template,
    // so that a failed first deploy can delete it.
    const protectUserPool = !props.userPool && props.removalPolicy !== RemovalPolicy.DESTROY;

    this.backbone = new CognitoBackbone(this, 'Cognito', {
      ...props,
      parameterPath: props.parameterPath ?? `/cdk-private-workforce/${workforceName}`,
      deletionProtection: protectUserPool ? false : undefined,
    });
    this.workforce = new WorkforceResource(this, 'Workforce', {
      workforceName,
      cognitoConfig: { userPool: this.backbone.userPool, userPoolClient: this.backbone.userPoolClient },
      sourceIpCidrs: props.sourceIpCidrs,
      vpcConfig: props.vpcConfig,
      ipAddressType: props.ipAddressType,
      tags: props.tags,
    });
    // CreateWorkforce needs the pool's sign-in domain to exist: ours, or one defined on your pool.
    for (const domain of this.backbone.userPool.node.children.filter((c) => c instanceof cognito.UserPoolDomain)) {
      this.workforce.node.addDependency(domain);
    }

    this.workforceName = this.workforce.workforceName;
    this.workforceArn = this.workforce.workforceArn;
    this.subDomain = this.workforce.subDomain;
    this.portalUrl = this.workforce.portalUrl;
    this.userPool = this.backbone.userPool;
    this.userPoolClient = this.backbone.userPoolClient;
    this.userPoolDomain = this.backbone.userPoolDomain;
    this.webAclArn = this.backbone.webAclArn;
    this.logGroup = this.backbone.logGroup;

    this.backbone.recordParameter('PortalUrlParameter', 'portal-url', this.portalUrl, 'Labeling portal URL of the private workforce');

    this.reconciler = new CallbackReconciler(this, 'CallbackReconciler', {
      userPool: this.userPool,
      userPoolClient: this.userPoolClient,
      subDomain: this.subDomain,
      invitation: props.invitation,
      manageInvitation: props.manageInvitation ?? !props.userPool,
      protectUserPool,
      smsRole: props.smsRole,
      userPoolKey: props.userPoolKey,
    });
    if (props.workers) {
      this.addWorkers(props.workers);
    } else if (props.removedWorkers !== undefined && props.removedWorkers !== WorkerRemovalPolicy.RETAIN) {
      this.sender(); // an authoritative list must not be empty: the sender says so at synth
    }
  }

  /** The invitation sender, once there are workers to invite. */
  public get invitations(): InvitationSender | undefined {
    return this.invitationSender;
  }

  /**
   * Grants what `npx cdk-private-workforce plan` needs to show a reviewer who the next deploy lets in
   * and locks out, and nothing more: reading the stack (DescribeStacks, ListStackResources), the
   * pool's users and groups (DescribeUserPool, ListUsers, ListUsersInGroup), and who the sender
   * disabled (dynamodb:Query on the stack's fence table). No write.
   *
   * @param grantee the reviewer's principal (a CI role, say)
   */
  public grantPlan(grantee: iam.IGrantable): iam.Grant {
    return grantPlan(this, this.userPool, grantee);
  }

  /**
   * Adds workers to invite.
   */
  public addWorkers(workers: Workers): void {
    checkPropTypes({ workers }, { workers: required(WORKERS) });
    this.sender().addWorkers(workers);
  }

  /**
   * Lets workers sign in through an identity provider of the user pool (SAML, OIDC, social): the
   * portal's app client lists it, and the hosted sign-in page offers it. The reconciler keeps the
   * portal URLs in place when the client changes.
   *
   * @param provider the identity provider, for example a `cognito.UserPoolIdentityProviderSaml`
   */
  public addIdentityProvider(provider: cognito.IUserPoolIdentityProvider): void {
    checkPropTypes({ provider }, { provider: required(IDENTITY_PROVIDER) });
    this.backbone.addIdentityProvider(provider);
  }

  /**
   * Adds a work team: a Cognito group, the SageMaker work team bound to it, optionally a
   * notification topic; its workers are invited and kept in the group.
   *
   * @param id construct id of the work team
   * @param options the work team
   */
  public addWorkteam(id: string, options: WorkteamOptions): Workteam {
    checkPropTypes({ id, options }, { id: required('string'), options: required({ shape: WORKTEAM_OPTION_TYPES }) });
    const workteam = new Workteam(this, id, {
      ...options,
      userPool: this.userPool,
      userPoolClient: this.userPoolClient,
      workforce: this.workforce,
      invitationSender: options.workers ? this.sender() : undefined,
    });
    return workteam;
  }

  /**
   * Successful sign-ins through the labeling portal's app client.
   *
   * @default - sum over 5 minutes
   */
  public metricSignInSuccesses(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return cognitoClientMetric(this.userPool, this.userPoolClient, 'SignInSuccesses', props);
  }

  /**
   * Sign-ins Cognito throttled (the UserAuthentication quota): workers who could not sign in.
   *
   * @default - sum over 5 minutes
   */
  public metricSignInThrottles(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return cognitoClientMetric(this.userPool, this.userPoolClient, 'SignInThrottles', props);
  }

  /**
   * Requests the library's web ACL blocked (all rules). Undefined when the library did not create
   * the web ACL (`webAclArn` given, or an existing pool).
   *
   * @default - sum over 5 minutes
   */
  public metricWafBlockedRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric | undefined {
    const webAcl = this.backbone.webAcl;
    return webAcl && new cloudwatch.Metric({
      namespace: 'AWS/WAFV2',
      metricName: 'BlockedRequests',
      dimensionsMap: { WebACL: webAcl.metricName, Region: Stack.of(this).region, Rule: 'ALL' },
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...props,
    });
  }

  /**
   * Failures of the handler that wires the portal and invites workers: custom resource events that
   * failed, and Lambda errors.
   *
   * @default - sum over 5 minutes
   */
  public metricHandlerFailures(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return HandlerProvider.of(this).metricFailures(props);
  }

  /**
   * Adds alarms on sign-in throttling, WAF block spikes and handler failures.
   *
   * @param options where to send them, and thresholds
   */
  public addAlarms(options: WorkforceAlarmsOptions = {}): WorkforceAlarms {
    checkPropTypes(options, WORKFORCE_ALARMS_OPTION_TYPES);
    return new WorkforceAlarms(this, 'Alarms', {
      ...options,
      signInThrottles: this.metricSignInThrottles(),
      wafBlockedRequests: this.metricWafBlockedRequests(),
      handlerErrors: this.metricHandlerFailures(),
    });
  }

  private sender(): InvitationSender {
    this.invitationSender ??= new InvitationSender(this, 'InvitationSender', {
      ...this.senderProps,
      userPool: this.userPool,
      reconciler: this.reconciler,
    });
    return this.invitationSender;
  }
}
