import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Annotations, CustomResource, Duration, Lazy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { CallbackReconciler } from './callback-reconciler';
import { INVITATION_SENDER_RESOURCE_TYPE } from './handlers/types';
import type { InvitationSenderProperties, WorkerRecord, WorkerSource } from './handlers/types';
import { HandlerProvider } from './private/handler-provider';
import { checkRange } from './private/validation';
import { WorkerRemovalPolicy, Workers } from './workers';

/** Workers travel inline up to this many; beyond, as an S3 asset (CloudFormation invokes the
 * provider asynchronously, with a 256 KB limit for the old and new properties together). */
const INLINE_WORKERS_MAX = 100;
/** Cognito's default email sender allows about 50 emails a day (cognito dg user-pool-email). */
const DEFAULT_SENDER_DAILY_EMAILS = 50;
/** What one 15-minute Lambda run invites at 48 per second, with room to spare. */
const WORKERS_PER_DEPLOY_MAX = 40_000;

/**
 * Properties of an `InvitationSender`.
 */
export interface InvitationSenderProps {
  /** The user pool the workers join. */
  readonly userPool: cognito.IUserPool;

  /**
   * The first workers; `addWorkers()` adds more.
   *
   * @default - none yet
   */
  readonly workers?: Workers;

  /**
   * What happens to users of the pool that are not (or no longer) on the worker list, and to the
   * listed workers when the sender is removed from the stack.
   *
   * @default WorkerRemovalPolicy.RETAIN
   */
  readonly removedWorkers?: WorkerRemovalPolicy;

  /**
   * Invitations (AdminCreateUser calls) per second at most, 1 to 50. They share the account's
   * UserCreation quota of 50 per second with sign-ups; throttled calls back off and retry.
   *
   * @default 48
   * @see https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html
   */
  readonly maxInvitationsPerSecond?: number;

  /**
   * Whether the pool signs in with the email as user name (`UsernameAttributes: email`), so that
   * each worker's user name is their email.
   *
   * @default false
   */
  readonly emailAsUsername?: boolean;

  /**
   * Whether Cognito emails each new worker an invitation. With false, workers are created without
   * one (AdminCreateUser `MessageAction: SUPPRESS`), for example when they sign in through a
   * federated identity provider or you hand out access yourself.
   *
   * @default true
   */
  readonly sendInvitationEmails?: boolean;

  /**
   * The reconciler whose portal wiring the invitations wait for, so they carry the portal URL.
   *
   * @default - invitations do not wait
   */
  readonly reconciler?: CallbackReconciler;
}

/**
 * Invites workers into a Cognito user pool: creates each listed worker that the pool does not
 * have yet (Cognito then emails the invitation), never twice, within Cognito's request quota,
 * backing off when throttled. The list may hold thousands of workers: it travels as an S3 asset,
 * so the template does not grow with it.
 *
 * @example
 * declare const pool: cognito.IUserPool;
 * new InvitationSender(this, 'Invitations', {
 *   userPool: pool,
 *   workers: Workers.fromFile('workers.csv'),
 * });
 */
export class InvitationSender extends Construct {
  /** The custom resource. */
  public readonly resource: CustomResource;

  private readonly sources: WorkerSource[] = [];
  /** Emails by lower-case user name, across every source (the handler merges sources the same way). */
  private readonly workers = new Map<string, string>();
  private readonly managedGroups = new Set<string>();
  private readonly provider: HandlerProvider;
  private readonly emailAsUsername: boolean;
  private readonly userPool: cognito.IUserPool;
  private readonly sendsEmails: boolean;
  private warnedAboutEmail = false;
  private assets = 0;

  constructor(scope: Construct, id: string, props: InvitationSenderProps) {
    super(scope, id);
    checkRange('maxInvitationsPerSecond', props.maxInvitationsPerSecond, 1, 50);
    this.emailAsUsername = props.emailAsUsername ?? false;
    const removedWorkers = props.removedWorkers ?? WorkerRemovalPolicy.RETAIN;
    this.provider = HandlerProvider.of(this);
    this.provider.grantUserPool(props.userPool, [
      'ListUsers',
      'AdminCreateUser',
      ...(removedWorkers === WorkerRemovalPolicy.RETAIN ? [] : ['AdminEnableUser', removedWorkers === WorkerRemovalPolicy.DELETE ? 'AdminDeleteUser' : 'AdminDisableUser']),
    ]);

    const properties: InvitationSenderProperties = {
      UserPoolId: props.userPool.userPoolId,
      WorkerSources: Lazy.any({ produce: () => this.sources }) as unknown as WorkerSource[],
      ManagedGroups: Lazy.list({ produce: () => [...this.managedGroups].sort() }, { omitEmpty: true }),
      RemovedWorkers: removedWorkers,
      MaxRequestsPerSecond: String(props.maxInvitationsPerSecond ?? 48),
      MaxConcurrency: '16',
      SuppressEmails: props.sendInvitationEmails === false ? 'true' : undefined,
      PortalUrl: props.reconciler?.portalUrl,
    };
    this.resource = new CustomResource(this, 'Resource', {
      // CloudFormation fails the resource if no answer comes within this (the handler stops itself
      // 30 seconds before its 15-minute limit and reports); without it, a lost answer waits an hour.
      serviceTimeout: Duration.minutes(16),
      serviceToken: this.provider.serviceToken,
      resourceType: INVITATION_SENDER_RESOURCE_TYPE,
      properties: { ...properties },
    });
    this.resource.node.addDependency(this.provider.role);

    this.userPool = props.userPool;
    this.sendsEmails = props.sendInvitationEmails ?? true;
    if (props.workers) {
      this.addWorkers(props.workers);
    }
  }

  /** How many distinct workers are listed. */
  public get workerCount(): number {
    return this.workers.size;
  }

  /**
   * Adds workers to invite.
   */
  public addWorkers(workers: Workers): void {
    this.add(workers, undefined);
  }

  /**
   * Adds workers to invite who also belong to a Cognito group; the sender keeps the group's
   * membership equal to the workers added for it.
   *
   * @param groupName the group
   * @param workers its workers
   */
  public addGroupMembers(groupName: string, workers: Workers): void {
    if (this.managedGroups.size === 0) {
      this.provider.grantUserPool(this.userPool, ['ListUsersInGroup', 'AdminAddUserToGroup', 'AdminRemoveUserFromGroup']);
    }
    this.managedGroups.add(groupName);
    this.add(workers, groupName);
  }

  private add(workers: Workers, group: string | undefined): void {
    const records = workers._load({ emailAsUsername: this.emailAsUsername });
    for (const record of records) {
      const key = record.username.toLowerCase();
      const seen = this.workers.get(key);
      if (seen !== undefined && seen.toLowerCase() !== record.email.toLowerCase()) {
        throw new Error(`Worker ${record.username} is added twice with different emails (${seen}, ${record.email}).`);
      }
      this.workers.set(key, record.email);
    }
    if (this.workers.size > WORKERS_PER_DEPLOY_MAX) {
      Annotations.of(this).addWarningV2('cdk-private-workforce:tooManyWorkersForOneDeploy',
        `${this.workers.size} workers: one deploy invites about ${WORKERS_PER_DEPLOY_MAX} within the 15-minute Lambda limit; ` +
        'deploy again to invite the rest (invited workers are skipped).');
    }
    if (!this.warnedAboutEmail && this.sendsEmails && this.workers.size > DEFAULT_SENDER_DAILY_EMAILS && usesDefaultEmailSender(this.userPool)) {
      this.warnedAboutEmail = true;
      Annotations.of(this).addWarningV2('cdk-private-workforce:defaultEmailSenderLimit',
        `${this.workers.size} invitations, but Cognito's default email sender allows about ${DEFAULT_SENDER_DAILY_EMAILS} emails a day: ` +
        'set `email: cognito.UserPoolEmail.withSES(...)` on the user pool.');
    }

    const withGroups = records.map((r) => (group ? { ...r, groups: [group] } : r));
    if (!workers._alwaysAsset && withGroups.length <= INLINE_WORKERS_MAX) {
      this.sources.push({ Inline: withGroups });
      return;
    }
    const asset = this.stageAsset(withGroups);
    this.provider.grantReadAsset(asset);
    this.sources.push({ Bucket: asset.s3BucketName, Key: asset.s3ObjectKey });
  }

  /** Ships the normalized list as a JSON asset; its hash is its content's. */
  private stageAsset(records: WorkerRecord[]): s3assets.Asset {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-private-workforce-workers-'));
    const file = path.join(dir, 'workers.json');
    fs.writeFileSync(file, JSON.stringify(records));
    return new s3assets.Asset(this, `Workers${this.assets++}`, { path: file });
  }
}

/** True when a pool the app defines sends email with Cognito's default sender. */
function usesDefaultEmailSender(userPool: cognito.IUserPool): boolean {
  const cfn = userPool.node.defaultChild;
  if (!(cfn instanceof cognito.CfnUserPool)) {
    return false; // an imported pool: we cannot tell
  }
  const config = cfn.emailConfiguration as cognito.CfnUserPool.EmailConfigurationProperty | undefined;
  return config?.emailSendingAccount !== 'DEVELOPER';
}
