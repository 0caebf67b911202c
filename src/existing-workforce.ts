import { Arn, ArnFormat, CustomResource, Duration, Resource, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { CallbackReconciler } from './callback-reconciler';
import { EXISTING_WORKFORCE_RESOURCE_TYPE } from './handlers/types';
import type { ExistingWorkforceProperties } from './handlers/types';
import { InvitationMessage } from './invitation-message';
import { InvitationSender } from './invitation-sender';
import { IpAddressType } from './ip-address-type';
import { HandlerProvider } from './private/handler-provider';
import { resolveInvitation, SenderOptions, senderOptions } from './private/invitation';
import { cognitoClientMetric } from './private/metrics';
import { acknowledgeNagFinding } from './private/nag';
import { grantPlan } from './private/plan-grants';
import { EXISTING_WORKFORCE_TYPES, WORKERS, WORKFORCE_ALARMS_OPTION_TYPES, WORKTEAM_OPTION_TYPES } from './private/prop-specs';
import { checkPropTypes, required } from './private/prop-types';
import { validateOneWorkforcePerRegion, validateWorkforceRegion, validateWorkforceSettings } from './private/workforce-validation';
import { WORKFORCE_VPC_ACTIONS } from './private/workforce-vpc';
import type { IPrivateWorkforce } from './private-workforce';
import { WorkerRemovalPolicy } from './worker-removal-policy';
import { Workers } from './workers';
import { WorkforceAlarms, WorkforceAlarmsOptions } from './workforce-alarms';
import type { IWorkforce, WorkforceVpcConfig } from './workforce-resource';
import { Workteam, WorkteamOptions } from './workteam';

/**
 * Properties of an `ExistingWorkforce`.
 */
export interface ExistingWorkforceProps {
  /**
   * The name of the workforce to use (`aws sagemaker list-workforces` shows it; a workforce made
   * in the console is named `default`).
   *
   * @default - the account's workforce in the stack's Region (there is at most one)
   */
  readonly workforceName?: string;

  /**
   * Source-IP CIDRs to set on the workforce (1 to 10, each network once). IPv6 blocks need a
   * dualstack workforce, and a workforce reached through a VPC takes none (SageMaker does not
   * restrict the source IPs of a portal in a VPC): both are checked at deploy. The workforce's
   * previous CIDRs are restored when the stack is deleted or stops setting them, unless they were
   * changed since the stack set them (those are left, and the handler's log says so). Cannot be
   * combined with `vpcConfig`.
   *
   * @default - the workforce's CIDRs are left as they are
   */
  readonly sourceIpCidrs?: string[];

  /**
   * The VPC, subnets and security groups of a workforce that is reached through a VPC (the
   * security groups are required: the library makes none for a workforce it does not own). The
   * previous VPC settings are restored when the stack is deleted or stops setting them, unless they
   * were changed since the stack set them. A workforce reached over the internet is refused at
   * deploy: UpdateWorkforce cannot take a VPC away again.
   *
   * @default - the workforce's VPC settings are left as they are
   */
  readonly vpcConfig?: WorkforceVpcConfig;

  /**
   * Whether to point the user pool's invitation email at the portal. The pool's own invitation is
   * kept and written back when the stack is deleted or stops managing it, unless the invitation
   * was changed since.
   *
   * @default false
   */
  readonly manageInvitation?: boolean;

  /**
   * The invitation email, when `manageInvitation` is true; `{portalUrl}` becomes the portal URL.
   *
   * @default - the default invitation of `InvitationMessage`
   */
  readonly invitation?: InvitationMessage;

  /**
   * Workers to invite into the workforce's user pool (more with `addWorkers()`).
   *
   * @default - none
   */
  readonly workers?: Workers;

  /**
   * What happens to users of the pool that are not listed. The pool is not the library's, so the
   * default leaves everyone else alone.
   *
   * @default WorkerRemovalPolicy.RETAIN
   */
  readonly removedWorkers?: WorkerRemovalPolicy;

  /**
   * Whether deleting the stack removes the listed workers (per `removedWorkers`).
   *
   * @default false
   */
  readonly removeWorkersOnStackDelete?: boolean;

  /**
   * Whether one deploy may remove more than half of the pool's users.
   *
   * @default false
   */
  readonly allowLargeRemovals?: boolean;

  /**
   * Whether a pool user with a listed user name but another email is taken over as that worker.
   *
   * @default false
   */
  readonly adoptExistingUsers?: boolean;

  /**
   * Whether the pool signs in with the email as user name (`UsernameAttributes: email`). Cognito
   * then generates each user's name, and the handler finds workers by their email whatever this
   * says; with it, the list's user names are the emails (none is derived). The handler reads the
   * pool's sign-in rules at deploy and refuses emails as user names where Cognito would.
   *
   * @default false
   */
  readonly emailAsUsername?: boolean;

  /**
   * Whether Cognito sends invitation emails.
   *
   * @default true
   */
  readonly sendInvitationEmails?: boolean;

  /**
   * The role the pool sends SMS with, when `manageInvitation` is true and the pool has one.
   *
   * @default - the pool has no SMS role
   */
  readonly smsRole?: iam.IRole;

  /**
   * The pool's customer-managed KMS key, when `manageInvitation` is true and the pool has one.
   *
   * @default - the pool uses an AWS-owned key
   */
  readonly userPoolKey?: kms.IKey;
}

/**
 * The private workforce an account already has (made in the console, or by another stack), with
 * the library's portal wiring, invitations, work teams, metrics and alarms on it.
 *
 * An account and Region has at most one private workforce, so where one exists `PrivateWorkforce`
 * cannot create another. `ExistingWorkforce` finds it at deploy time (DescribeWorkforce, or
 * ListWorkforces when no name is given) and works on its Cognito user pool and app client: the
 * portal's callback and logout URLs are added to the client when missing (no other URL is ever
 * removed, and on leaving only what it added goes), and workers are invited into the pool. A
 * workforce that signs in through OIDC is refused at deploy: it has no pool to invite into.
 *
 * @example
 * const ana: Worker = { email: 'ana@example.com' };
 * const workforce = new ExistingWorkforce(this, 'Workforce', {
 *   workers: Workers.fromList([ana]),
 * });
 * workforce.addWorkteam('Reviewers', { description: 'Reviews labels' });
 */
export class ExistingWorkforce extends Resource implements IWorkforce, IPrivateWorkforce {
  /** The workforce name. @attribute */
  public readonly workforceName: string;
  /** The workforce ARN. @attribute */
  public readonly workforceArn: string;
  /** The workforce's SubDomain (the portal's host name). @attribute */
  public readonly subDomain: string;
  /** The labeling portal URL. @attribute */
  public readonly portalUrl: string;
  /** The user pool the workforce signs workers in with. */
  public readonly userPool: cognito.IUserPool;
  /** The workforce's app client. */
  public readonly userPoolClient: cognito.IUserPoolClient;
  /** The portal wiring of the app client. */
  public readonly reconciler: CallbackReconciler;
  /** The lookup custom resource. */
  public readonly resource: CustomResource;

  private invitationSender?: InvitationSender;
  private readonly senderProps: SenderOptions;

  constructor(scope: Construct, id: string, props: ExistingWorkforceProps = {}) {
    super(scope, id);
    checkPropTypes(props, EXISTING_WORKFORCE_TYPES); // first: untyped callers get a clear error, not a TypeError

    validateWorkforceRegion(this);
    validateOneWorkforcePerRegion(this);
    // IPv6 blocks are allowed here: whether the workforce is dualstack is known at deploy only.
    validateWorkforceSettings({
      workforceName: props.workforceName, sourceIpCidrs: props.sourceIpCidrs, vpcConfig: props.vpcConfig, ipAddressType: IpAddressType.DUALSTACK,
    });
    if (props.vpcConfig && !props.vpcConfig.securityGroups?.length) {
      throw new Error('`vpcConfig.securityGroups` is required for an ExistingWorkforce: give the security groups of its VPC endpoint ' +
        '(the library creates none for a workforce it does not own).');
    }
    if (props.manageInvitation) {
      resolveInvitation(this, props.invitation);
    }
    this.senderProps = senderOptions(props);

    const provider = HandlerProvider.of(this);
    const properties: ExistingWorkforceProperties = {
      WorkforceName: props.workforceName,
      SourceIpCidrs: props.sourceIpCidrs,
      VpcConfig: props.vpcConfig && {
        VpcId: props.vpcConfig.vpc.vpcId,
        Subnets: props.vpcConfig.vpc.selectSubnets(props.vpcConfig.subnets).subnetIds,
        SecurityGroupIds: props.vpcConfig.securityGroups!.map((sg) => sg.securityGroupId),
      },
    };
    this.resource = provider.customResource(this, EXISTING_WORKFORCE_RESOURCE_TYPE, properties, Duration.minutes(16));

    // One workforce per account and Region: without a name, "the workforce" is workforce/* here.
    const workforceArn = Arn.format({
      service: 'sagemaker',
      resource: 'workforce',
      resourceName: props.workforceName ?? '*',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    }, Stack.of(this));
    const grants = provider.grantsFor(this.resource);
    // UpdateWorkforce also on an unmanaged one: a lookup that managed settings in an earlier deploy
    // puts them back when it stops.
    grants.add(new iam.PolicyStatement({ actions: ['sagemaker:DescribeWorkforce', 'sagemaker:UpdateWorkforce'], resources: [workforceArn] }));
    if (!props.workforceName) {
      // ListWorkforces has no resource type (Service Authorization Reference): only "*" grants it.
      grants.add(new iam.PolicyStatement({ actions: ['sagemaker:ListWorkforces'], resources: ['*'] }));
      acknowledgeNagFinding(grants.policy, 'AwsSolutions-IAM5', 'An account and Region has one private workforce; without workforceName its name is ' +
        'known at deploy time only, so the workforce ARN ends in workforce/*.',
      `Resource::arn:<AWS::Partition>:sagemaker:${nagName(Stack.of(this).region, 'AWS::Region')}:${nagName(Stack.of(this).account, 'AWS::AccountId')}:workforce/*`);
    }
    if (!props.workforceName) {
      acknowledgeNagFinding(grants.policy, 'AwsSolutions-IAM5', 'ListWorkforces has no resource type, so only "*" grants it.', 'Resource::*');
    }
    if (props.vpcConfig) {
      // What CloudFormation's own update handler of AWS::SageMaker::Workforce holds (registry data):
      // SageMaker changes the portal's VPC endpoint with the caller's permissions. In a policy of
      // its own: once `vpcConfig` is removed, it is a removed resource, deleted in the cleanup phase
      // only, so it is still in force while the lookup puts the previous VPC back (and in a rollback).
      const vpcGrants = provider.grantsFor(this.resource, 'workforce-vpc-endpoint');
      vpcGrants.add(new iam.PolicyStatement({ actions: WORKFORCE_VPC_ACTIONS, resources: ['*'] }));
      acknowledgeNagFinding(vpcGrants.policy, 'AwsSolutions-IAM5', 'UpdateWorkforce changes the portal\'s VPC endpoint with the caller\'s EC2 ' +
        'permissions (those of CloudFormation\'s own update handler of AWS::SageMaker::Workforce), on an endpoint not known before it exists; ' +
        'the ec2:Describe* actions have no resource type.', 'Resource::*');
    }
    grants.ownStack('ListStackResources');

    this.workforceName = this.resource.getAttString('WorkforceName');
    this.workforceArn = this.resource.getAttString('WorkforceArn');
    this.subDomain = this.resource.getAttString('SubDomain');
    this.portalUrl = this.resource.getAttString('PortalUrl');
    this.userPool = cognito.UserPool.fromUserPoolId(this, 'UserPool', this.resource.getAttString('UserPoolId'));
    this.userPoolClient = cognito.UserPoolClient.fromUserPoolClientId(this, 'UserPoolClient', this.resource.getAttString('ClientId'));

    this.reconciler = new CallbackReconciler(this, 'CallbackReconciler', {
      userPool: this.userPool,
      userPoolClient: this.userPoolClient,
      subDomain: this.subDomain,
      placeholderUrls: [],
      manageInvitation: props.manageInvitation ?? false,
      invitation: props.invitation,
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
   * Adds workers to invite into the workforce's user pool.
   */
  public addWorkers(workers: Workers): void {
    checkPropTypes({ workers }, { workers: required(WORKERS) });
    this.sender().addWorkers(workers);
  }

  /**
   * Adds a work team of this workforce: a Cognito group in its pool, the SageMaker work team bound
   * to it, optionally a notification topic; its workers are invited and kept in the group.
   *
   * @param id construct id of the work team
   * @param options the work team
   */
  public addWorkteam(id: string, options: WorkteamOptions): Workteam {
    checkPropTypes({ id, options }, { id: required('string'), options: required({ shape: WORKTEAM_OPTION_TYPES }) });
    return new Workteam(this, id, {
      ...options,
      userPool: this.userPool,
      userPoolClient: this.userPoolClient,
      workforce: this,
      invitationSender: options.workers ? this.sender() : undefined,
    });
  }

  /**
   * Successful sign-ins through the workforce's app client.
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
   * Failures of the handler that looks the workforce up, wires the portal and invites workers.
   *
   * @default - sum over 5 minutes
   */
  public metricHandlerFailures(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return HandlerProvider.of(this).metricFailures(props);
  }

  /**
   * Adds alarms on sign-in throttling and handler failures (the workforce's web ACL, if any, is not
   * the library's).
   *
   * @param options where to send them, and thresholds
   */
  public addAlarms(options: WorkforceAlarmsOptions = {}): WorkforceAlarms {
    checkPropTypes(options, WORKFORCE_ALARMS_OPTION_TYPES);
    return new WorkforceAlarms(this, 'Alarms', {
      ...options,
      signInThrottles: this.metricSignInThrottles(),
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

/** A value as cdk-nag writes it in a finding: a pseudo parameter's token as <AWS::...>. */
function nagName(value: string, pseudo: string): string {
  return Token.isUnresolved(value) ? `<${pseudo}>` : value;
}
