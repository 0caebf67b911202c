import { Arn, ArnFormat, CfnElement, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { InvitationSender } from './invitation-sender';
import { WORKTEAM_TYPES } from './private/prop-specs';
import { checkPropTypes } from './private/prop-types';
import { checkLength, checkPattern, derivedName } from './private/validation';
import { Workers } from './workers';
import type { IWorkforce } from './workforce-resource';

/** Work team names (API_CreateWorkteam). */
const WORKTEAM_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
/** Cognito group names (API_CreateGroup). */
const GROUP_NAME_PATTERN = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$/u;
/** Work teams per account and Region (aws-resource-sagemaker-workteam). */
const MAX_WORKTEAMS = 25;
/** Marks work teams, so that copies of the library in one app count together. */
const WORKTEAM_MARKER = Symbol.for('cdk-private-workforce.Workteam');

/**
 * Options of a work team added with `PrivateWorkforce.addWorkteam()`.
 */
export interface WorkteamOptions {
  /**
   * What the team does, 1 to 200 characters.
   */
  readonly description: string;

  /**
   * The name: 1-63 letters, digits and hyphens, starting and ending with a letter or digit.
   *
   * @default - derived from the construct path
   */
  readonly workteamName?: string;

  /**
   * The team's workers. They are invited like every worker of the workforce and made members of
   * the team's Cognito group; workers taken off the list leave the group (their accounts stay).
   *
   * @default - no members yet; add them to the group yourself
   */
  readonly workers?: Workers;

  /**
   * Where SageMaker announces new and expiring tasks (workers subscribe to it by email).
   * Mutually exclusive with `createNotificationTopic`.
   *
   * @default - no notifications, unless `createNotificationTopic`
   */
  readonly notificationTopic?: sns.ITopic;

  /**
   * Whether to create an SNS topic for task notifications (encrypted with a KMS key SageMaker may
   * use, HTTPS only). Mutually exclusive with `notificationTopic`.
   *
   * @default false
   */
  readonly createNotificationTopic?: boolean;
}

/**
 * Properties of a `Workteam`.
 */
export interface WorkteamProps extends WorkteamOptions {
  /** The workforce's user pool. */
  readonly userPool: cognito.IUserPool;
  /** The workforce's app client (the labeling portal's). */
  readonly userPoolClient: cognito.IUserPoolClient;
  /** The private workforce the team belongs to; the team is created after it and deleted before it. */
  readonly workforce: IWorkforce;
  /**
   * The invitation sender that manages the team's membership.
   *
   * @default - a sender of its own, if `workers` are given
   */
  readonly invitationSender?: InvitationSender;
}

/**
 * A private work team: a Cognito user group, the `AWS::SageMaker::Workteam` bound to it, and
 * optionally an SNS topic for task notifications. At most 25 per account and Region.
 *
 * @example
 * declare const workforce: PrivateWorkforce;
 * const ana: Worker = { email: 'ana@example.com' };
 * const team = workforce.addWorkteam('Cats', {
 *   description: 'Labels cat pictures',
 *   workers: Workers.fromList([ana]),
 *   createNotificationTopic: true,
 * });
 */
export class Workteam extends Resource {
  /** The work team name. */
  public readonly workteamName: string;
  /** The work team ARN (`.../workteam/private-crowd/<name>`), for labeling jobs and flow definitions. */
  public readonly workteamArn: string;
  /** The Cognito group whose members are the team. */
  public readonly group: cognito.CfnUserPoolGroup;
  /** The name of the group. */
  public readonly groupName: string;
  /** The task-notification topic, if any. */
  public readonly notificationTopic?: sns.ITopic;

  constructor(scope: Construct, id: string, props: WorkteamProps) {
    super(scope, id);
    checkPropTypes(props, WORKTEAM_TYPES); // first: untyped callers get a clear error, not a TypeError
    Object.defineProperty(this, WORKTEAM_MARKER, { value: true });
    checkLength('description', props.description, 1, 200);
    checkLength('workteamName', props.workteamName, 1, 63);
    checkPattern('workteamName', props.workteamName, WORKTEAM_NAME_PATTERN,
      'letters, digits and hyphens, starting and ending with a letter or digit');
    if (props.notificationTopic && props.createNotificationTopic) {
      throw new Error('`notificationTopic` and `createNotificationTopic: true` cannot be combined: give a topic or let the work team create one.');
    }
    const others = countWorkteams(this.node.root, this);
    if (others > MAX_WORKTEAMS) {
      const stack = Stack.of(this);
      throw new Error(`A private workforce can have at most ${MAX_WORKTEAMS} work teams per account and Region; this app defines ${others} ` +
        `in ${Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region) ? `the stack ${stack.node.path}` : `${stack.account} ${stack.region}`} (${this.node.path}).`);
    }

    const workteamName = props.workteamName ?? derivedName(this, WORKTEAM_NAME_PATTERN, 'workteamName');
    this.groupName = Token.isUnresolved(workteamName) ? workteamName : `workteam-${workteamName}`.slice(0, 128);
    checkPattern('groupName', this.groupName, GROUP_NAME_PATTERN, 'a Cognito group name');

    this.group = new cognito.CfnUserPoolGroup(this, 'Group', {
      userPoolId: props.userPool.userPoolId,
      groupName: this.groupName,
      description: `Members of the SageMaker work team ${workteamName}`.slice(0, 2048),
    });

    this.notificationTopic = props.notificationTopic
      ?? (props.createNotificationTopic ? this.createNotificationTopic() : undefined);

    const workteam = new sagemaker.CfnWorkteam(this, 'Resource', {
      workteamName,
      workforceName: props.workforce.workforceName,
      description: props.description,
      memberDefinitions: [{
        cognitoMemberDefinition: {
          cognitoUserPool: props.userPool.userPoolId,
          cognitoClientId: props.userPoolClient.userPoolClientId,
          cognitoUserGroup: this.group.ref,
        },
      }],
      notificationConfiguration: this.notificationTopic ? { notificationTopicArn: this.notificationTopic.topicArn } : undefined,
    });
    workteam.applyRemovalPolicy(RemovalPolicy.DESTROY);
    // A plain-string name orders nothing in the template, yet DeleteWorkforce fails while teams
    // exist, so the team must go first. On the workforce's own resource: a work team may be a
    // child of the workforce construct. A name read from the resource (GetAtt) orders it already.
    const workforceResource = props.workforce.node.defaultChild ?? props.workforce;
    if (!referencesResource(this, props.workforce.workforceName, workforceResource)) {
      workteam.node.addDependency(workforceResource);
    }

    this.workteamName = workteam.attrWorkteamName;
    this.workteamArn = Arn.format({
      service: 'sagemaker',
      resource: 'workteam',
      resourceName: `private-crowd/${this.workteamName}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    }, Stack.of(this));

    if (props.workers) {
      const sender = props.invitationSender ?? new InvitationSender(this, 'Members', { userPool: props.userPool });
      sender.addGroupMembers(this.groupName, props.workers);
      sender.resource.node.addDependency(this.group);
    }
  }

  private createNotificationTopic(): sns.Topic {
    // SageMaker publishes with its service principal, so the topic's key must let it encrypt.
    const key = new kms.Key(this, 'NotificationKey', {
      description: `Encrypts task notifications of the work team ${this.node.path}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('sagemaker.amazonaws.com')],
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'], // in a key policy, "*" is the key itself
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
    }));
    const topic = new sns.Topic(this, 'NotificationTopic', { masterKey: key, enforceSSL: true });
    topic.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('sagemaker.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
    }));
    return topic;
  }
}

/** The work teams of an app in the same account and Region as `team` (the same stack when either is a token). */
function countWorkteams(root: IConstruct, team: IConstruct): number {
  const where = (c: IConstruct) => {
    const stack = Stack.of(c);
    return Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region) ? stack.node.path : `${stack.account}/${stack.region}`;
  };
  const here = where(team);
  return root.node.findAll().filter((c) => (c as unknown as Record<symbol, boolean>)[WORKTEAM_MARKER] && where(c) === here).length;
}

/** Whether `value` is a Ref or GetAtt of `target` in the template of `scope`'s stack. */
function referencesResource(scope: Construct, value: string, target: IConstruct): boolean {
  // A CustomResource is an L2 whose CfnResource is its default child.
  const element = CfnElement.isCfnElement(target) ? target : target.node.defaultChild;
  if (!Token.isUnresolved(value) || !CfnElement.isCfnElement(element) || Stack.of(element) !== Stack.of(scope)) {
    return false;
  }
  const stack = Stack.of(scope);
  const logicalId = stack.resolve(element.logicalId);
  const resolved = JSON.stringify(stack.resolve(value));
  return resolved.includes(JSON.stringify({ Ref: logicalId }))
    || resolved.includes(`{"Fn::GetAtt":[${JSON.stringify(logicalId)},`);
}
