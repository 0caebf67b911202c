import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Annotations, Aspects, CustomResource, Duration, Lazy, Stage } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct, IConstruct } from 'constructs';
import { CallbackReconciler } from './callback-reconciler';
import { INVITATION_SENDER_RESOURCE_TYPE } from './handlers/types';
import type { InvitationSenderProperties, WorkerRecord, WorkerSource } from './handlers/types';
import { HandlerGrants, HandlerProvider } from './private/handler-provider';
import { grantPlan } from './private/plan-grants';
import { INVITATION_SENDER_TYPES, WORKERS } from './private/prop-specs';
import { checkPropTypes, required } from './private/prop-types';
import { checkEmailAsUsername, isPoolOfApp } from './private/user-pool';
import { checkRange, received } from './private/validation';
import { WorkerRemovalPolicy } from './worker-removal-policy';
import { Workers } from './workers';

/** Workers travel inline up to this many, counted over every list of a sender; beyond, as one S3
 * asset (CloudFormation invokes the handler asynchronously, with old and new properties in one payload). */
const INLINE_WORKERS_MAX = 100;
/** Cognito's default email sender allows about 50 emails a day (cognito dg user-pool-email). */
const DEFAULT_SENDER_DAILY_EMAILS = 50;
/**
 * Seconds of work one deploy may plan: CloudFormation waits at most an hour (ServiceTimeout 3,600 s),
 * less room for throttling and the listing of the pool's users.
 */
const WORK_SECONDS_PER_DEPLOY = 3_000;
/** User updates (group membership, removals) per second: the handler's pace under the UserUpdate quota. */
const USER_UPDATES_PER_SECOND = 20;
/** Share of requests a deploy can expect to be throttled: each throttled attempt counts against the pace too. */
const THROTTLING_ALLOWANCE = 0.3;
/** Marks senders, so that copies of the library in one app find each other. */
const SENDER_MARKER = Symbol.for('cdk-private-workforce.InvitationSender');

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
   * What happens to users of the pool that are not (or no longer) on the worker list. `DISABLE`
   * and `DELETE` make the list authoritative: they need a pool created in the same app, and one
   * authoritative sender per pool. Renaming, moving or re-pointing the sender and replacements never
   * remove anyone; a rollback removes only the users the rolled-back deploy created or changed; see
   * `removeWorkersOnStackDelete` for the stack's deletion.
   *
   * @default WorkerRemovalPolicy.RETAIN
   */
  readonly removedWorkers?: WorkerRemovalPolicy;

  /**
   * Whether deleting the stack disables or deletes (per `removedWorkers`) the workers on the list.
   * Needs `removedWorkers` `DISABLE` or `DELETE`. A stack update never does this, whatever it
   * changes or removes.
   *
   * @default false
   */
  readonly removeWorkersOnStackDelete?: boolean;

  /**
   * Whether one deploy may disable or delete more than half of the pool's users. Without it, such a
   * deploy fails, so that a truncated worker list cannot lock everyone out.
   *
   * @default false
   */
  readonly allowLargeRemovals?: boolean;

  /**
   * Whether a user of an existing pool (one not created in this app) whose user name is on the
   * list but whose email is another is taken over as the worker, its email set to the listed one.
   * Without it, such a deploy fails naming the worker. In a pool the app creates, the list always
   * decides the email.
   *
   * @default false
   */
  readonly adoptExistingUsers?: boolean;

  /**
   * Invitations (AdminCreateUser calls) per second at most, 1 to 50. They share the account's
   * UserCreation quota of 50 per second with sign-ups; throttled calls back off and retry.
   *
   * @default 48
   * @see https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html
   */
  readonly maxInvitationsPerSecond?: number;

  /**
   * Whether the pool signs in with the email as user name (`UsernameAttributes: email`). Cognito
   * then generates each user's name, and the handler finds workers by their email whatever this
   * says; with it, the list's user names are the emails (none is derived). Refused at synth for a
   * pool of the app that signs in with user names; for a pool from elsewhere, the handler reads the
   * pool's sign-in rules at deploy and refuses emails as user names where Cognito would.
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

  /** The workers by lower-case user name, across every list (the handler merges lists the same way). */
  private readonly workers = new Map<string, WorkerRecord>();
  /** Lower-case user names by lower-case email, across every list. */
  private readonly emails = new Map<string, string>();
  /** Every list's workers, with their group, in the order they were added. */
  private readonly lists: WorkerRecord[][] = [];
  private readonly managedGroups = new Set<string>();
  private readonly grants: HandlerGrants;
  private readonly emailAsUsername: boolean;
  private readonly userPool: cognito.IUserPool;
  private readonly sendsEmails: boolean;
  private readonly rate: number;
  private sources: WorkerSource[] = [];
  /** Whether a list came from a file: files travel as an asset whatever their size. */
  private fromFile = false;
  private finalized = false;
  private readonly removeOnStackDelete: boolean;

  constructor(scope: Construct, id: string, props: InvitationSenderProps) {
    super(scope, id);
    checkPropTypes(props, INVITATION_SENDER_TYPES); // first: untyped callers get a clear error, not a TypeError
    checkRange('maxInvitationsPerSecond', props.maxInvitationsPerSecond, 1, 50);
    const removedWorkers = props.removedWorkers ?? WorkerRemovalPolicy.RETAIN;
    if (!Object.values(WorkerRemovalPolicy).includes(removedWorkers)) {
      throw new Error(`\`removedWorkers\` must be one of WorkerRemovalPolicy.${Object.keys(WorkerRemovalPolicy).join(', WorkerRemovalPolicy.')}, got: ${received(removedWorkers)}.`);
    }
    const authoritative = removedWorkers !== WorkerRemovalPolicy.RETAIN;
    if (authoritative && !isPoolOfApp(props.userPool, this)) {
      throw new Error(`\`removedWorkers: ${removedWorkers}\` makes the worker list authoritative over every user of the pool, ` +
        'so it needs a user pool created in this app; with an existing pool use WorkerRemovalPolicy.RETAIN.');
    }
    // An authoritative list is over every user of the pool: a second sender's workers would be
    // removed by it at every deploy (and enabled again by the other), so it must be the only one.
    const others = sendersOf(this.node.root).filter((s) => s.userPool === props.userPool);
    const otherAuthoritative = others.find((s) => isAuthoritative(s));
    if (otherAuthoritative || (authoritative && others.length > 0)) {
      const other = otherAuthoritative ?? others[0];
      throw new Error(`The user pool ${props.userPool.node.path} already has ${otherAuthoritative ? 'an authoritative' : 'an'} InvitationSender (${other.node.path}); ` +
        `${this.node.path} would be a second, and a sender with \`removedWorkers\` DISABLE or DELETE must be its pool's only one: give the workers to one sender.`);
    }
    if (props.removeWorkersOnStackDelete && !authoritative) {
      throw new Error('`removeWorkersOnStackDelete: true` needs `removedWorkers` WorkerRemovalPolicy.DISABLE or WorkerRemovalPolicy.DELETE, ' +
        `got: ${received(removedWorkers)}.`);
    }
    checkEmailAsUsername(this, props.userPool, props.emailAsUsername);
    Object.defineProperty(this, SENDER_MARKER, { value: authoritative });
    this.emailAsUsername = props.emailAsUsername ?? false;
    this.userPool = props.userPool;
    this.sendsEmails = props.sendInvitationEmails ?? true;
    this.rate = props.maxInvitationsPerSecond ?? 48;
    const provider = HandlerProvider.of(this);

    const properties: InvitationSenderProperties = {
      UserPoolId: props.userPool.userPoolId,
      WorkerSources: Lazy.any({ produce: () => this.sources }) as unknown as WorkerSource[],
      ManagedGroups: Lazy.list({ produce: () => [...this.managedGroups].sort() }, { omitEmpty: true }),
      RemovedWorkers: removedWorkers,
      RemoveOnStackDelete: props.removeWorkersOnStackDelete ? 'true' : undefined,
      AllowLargeRemovals: props.allowLargeRemovals ? 'true' : undefined,
      PoolOwned: isPoolOfApp(props.userPool, this) ? 'true' : undefined,
      AdoptExistingUsers: props.adoptExistingUsers ? 'true' : undefined,
      MaxRequestsPerSecond: String(this.rate),
      MaxConcurrency: '16',
      SuppressEmails: props.sendInvitationEmails === false ? 'true' : undefined,
      PortalUrl: props.reconciler?.portalUrl,
    };
    // CloudFormation's longest wait: a long list goes on in fresh invocations until it is done.
    this.resource = provider.customResource(this, INVITATION_SENDER_RESOURCE_TYPE, properties, Duration.hours(1));

    // The sender's permissions live in a policy of its own that it depends on, so that they are in
    // force for its last Delete too.
    this.grants = provider.grantsFor(this.resource);
    const poolOwned = isPoolOfApp(props.userPool, this);
    this.grants.userPool(props.userPool, [
      'DescribeUserPool', // how the pool tells its users apart
      'ListUsers',
      'AdminCreateUser', // invitations, and new ones for expired temporary passwords
      // Emails change only where the list decides them.
      ...(poolOwned || props.adoptExistingUsers ? ['AdminUpdateUserAttributes'] : []),
      // A worker the sender disabled is enabled again when listed again, under any policy (only
      // pools of the app can have one: the authoritative policies need them).
      ...(poolOwned ? ['AdminEnableUser', 'ListUsersInGroup', 'AdminRemoveUserFromGroup'] : []),
      ...(removedWorkers === WorkerRemovalPolicy.DISABLE ? ['AdminDisableUser'] : []),
      ...(removedWorkers === WorkerRemovalPolicy.DELETE ? ['AdminDeleteUser'] : []),
    ]);
    this.grants.ownStack();
    this.grants.invokeSelf();
    this.removeOnStackDelete = props.removeWorkersOnStackDelete ?? false;

    // The list is final once the app is built: then it goes inline or as one asset, and is checked.
    Aspects.of(this).add({ visit: (node) => (node === this ? this.finalize() : undefined) });
    if (authoritative) {
      this.node.addValidation({
        validate: () => (this.workers.size === 0
          ? [`\`removedWorkers: ${removedWorkers}\` with an empty worker list would remove every user of the pool: add workers, or use WorkerRemovalPolicy.RETAIN.`]
          : []),
      });
    }
    if (props.workers) {
      this.addWorkers(props.workers);
    }
  }

  /** How many distinct workers are listed. */
  public get workerCount(): number {
    return this.workers.size;
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
    checkPropTypes({ groupName, workers }, { groupName: required('string'), workers: required(WORKERS) });
    if (this.managedGroups.size === 0) {
      this.grants.userPool(this.userPool, ['ListUsersInGroup', 'AdminAddUserToGroup', 'AdminRemoveUserFromGroup']);
    }
    this.managedGroups.add(groupName);
    this.add(workers, groupName);
  }

  private add(workers: Workers, group: string | undefined): void {
    const records = workers._load({ emailAsUsername: this.emailAsUsername });
    for (const record of records) {
      const key = record.username.toLowerCase();
      const seen = this.workers.get(key);
      if (seen !== undefined && seen.email.toLowerCase() !== record.email.toLowerCase()) {
        throw new Error(`Worker ${record.username} is added twice with different emails (${seen.email}, ${record.email}).`);
      }
      if (seen !== undefined && seen.username !== record.username) {
        // A case-sensitive pool has two users there; a case-insensitive one, one. Either way, one spelling.
        throw new Error(`Worker ${record.username} is also listed as ${seen.username}: in a case-sensitive user pool those are two users. ` +
          'Spell the user name the same way in every list of this sender.');
      }
      // Across every list of the sender: one email, one worker (Cognito refuses a second user with it).
      const other = this.emails.get(record.email.toLowerCase());
      if (other !== undefined && other !== key) {
        throw new Error(`${record.email} is listed under two user names (${this.workers.get(other)!.username}, ${record.username}) ` +
          'in the lists of this sender; give each worker one user name.');
      }
      this.workers.set(key, record);
      this.emails.set(record.email.toLowerCase(), key);
    }
    this.lists.push(records.map((r) => (group ? { ...r, groups: [group] } : r)));
    this.fromFile ||= workers._alwaysAsset;
  }

  /** Decides how the lists travel (all inline, or all in one asset) and checks what one deploy can do. */
  private finalize(): void {
    if (this.finalized) {
      return; // an app may be synthesized more than once
    }
    this.finalized = true;
    const records = this.lists.flat();
    const memberships = records.filter((r) => r.groups).length;
    // The hour's work, with room for throttling: each throttled attempt counts against the pace too.
    const budget = WORK_SECONDS_PER_DEPLOY * (1 - THROTTLING_ALLOWANCE);
    const seconds = this.workers.size / this.rate + memberships / USER_UPDATES_PER_SECOND;
    if (seconds > budget) {
      const invitable = Math.floor((budget - memberships / USER_UPDATES_PER_SECOND) * this.rate);
      throw new Error(`${this.node.path}: ${this.workers.size} workers${memberships ? ` and ${memberships} work-team memberships` : ''} do not fit in one deploy: ` +
        `CloudFormation waits an hour at most, which is about ${Math.max(0, invitable)} invitations at ${this.rate} per second` +
        `${memberships ? ' with these memberships' : ''}, with room for throttling. Deploy the list in parts, across deploys.`);
    }
    if (this.removeOnStackDelete && this.workers.size / USER_UPDATES_PER_SECOND > budget) {
      throw new Error(`${this.node.path}: removing ${this.workers.size} workers when the stack is deleted does not fit in the hour CloudFormation waits ` +
        `(about ${Math.floor(budget * USER_UPDATES_PER_SECOND)} at ${USER_UPDATES_PER_SECOND} per second); set \`removeWorkersOnStackDelete: false\`.`);
    }
    if (this.sendsEmails && this.workers.size > DEFAULT_SENDER_DAILY_EMAILS && usesDefaultEmailSender(this.userPool)) {
      Annotations.of(this).addWarningV2('cdk-private-workforce:defaultEmailSenderLimit',
        `${this.workers.size} invitations, but Cognito's default email sender allows about ${DEFAULT_SENDER_DAILY_EMAILS} emails a day: ` +
        'set `email: cognito.UserPoolEmail.withSES(...)` on the user pool.');
    }
    if (records.length <= INLINE_WORKERS_MAX && !this.fromFile) {
      this.sources = records.length > 0 ? [{ Inline: records }] : [];
      return;
    }
    const asset = this.stageAsset(records);
    this.grants.readAsset(asset);
    this.sources = [{ Bucket: asset.s3BucketName, Key: asset.s3ObjectKey }];
  }

  /** Ships the normalized list as one JSON asset, staged in the cloud assembly (its hash is its content's). */
  private stageAsset(records: WorkerRecord[]): s3assets.Asset {
    const body = JSON.stringify(records);
    const dir = path.join(Stage.of(this)!.outdir, 'cdk-private-workforce-workers');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${createHash('sha256').update(body).digest('hex')}.json`);
    fs.writeFileSync(file, body);
    return new s3assets.Asset(this, 'Workers', { path: file });
  }
}

/** The authoritative senders of an app. */
function sendersOf(root: IConstruct): InvitationSender[] {
  return root.node.findAll().filter((c): c is InvitationSender => typeof (c as unknown as Record<symbol, boolean>)[SENDER_MARKER] === 'boolean');
}

/** Whether a sender's list is authoritative (DISABLE or DELETE). */
function isAuthoritative(sender: InvitationSender): boolean {
  return (sender as unknown as Record<symbol, boolean>)[SENDER_MARKER] === true;
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
