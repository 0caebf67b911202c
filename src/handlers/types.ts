// Shapes shared by the constructs (with `import type` only) and the handler. CloudFormation passes
// every scalar property to the handler as a string.

/** The handler function's environment variable with its stack's id: it serves no other stack. */
export const OWN_STACK_ID_ENV = 'CDK_PRIVATE_WORKFORCE_STACK_ID';

/** The handler function's environment variable with the name of the stack's fence table. */
export const FENCE_TABLE_ENV = 'CDK_PRIVATE_WORKFORCE_FENCE_TABLE';

/** Set to 'true' by tests of the bundled handler only: it may then answer on loopback http. */
export const LOCAL_RESPONSES_ENV = 'CDK_PRIVATE_WORKFORCE_TEST_LOCAL_RESPONSES';

/** `ResourceType` of a CallbackReconciler; a public contract (renaming it replaces resources). */
export const CALLBACK_RECONCILER_RESOURCE_TYPE = 'Custom::PrivateWorkforceCallbackReconciler';
/** `ResourceType` of an InvitationSender; a public contract (renaming it replaces resources). */
export const INVITATION_SENDER_RESOURCE_TYPE = 'Custom::PrivateWorkforceInvitationSender';

/** `ResourceType` of an ExistingWorkforce's lookup; a public contract (renaming it replaces resources). */
export const EXISTING_WORKFORCE_RESOURCE_TYPE = 'Custom::PrivateWorkforceExistingWorkforce';

/** The network settings of a workforce the lookup manages, as UpdateWorkforce takes them. */
export interface WorkforceNetworkSettings {
  /** Source-IP CIDRs; an empty list lets every address in. */
  readonly SourceIpCidrs?: string[];
  readonly VpcConfig?: { readonly VpcId: string; readonly SecurityGroupIds: string[]; readonly Subnets: string[] };
}

/** Properties of an ExistingWorkforce's lookup custom resource. */
export interface ExistingWorkforceProperties extends WorkforceNetworkSettings {
  /** The workforce's name; absent: the one ListWorkforces returns (an account and Region has one). */
  readonly WorkforceName?: string;
}

/** Attributes an ExistingWorkforce's lookup returns. */
export interface ExistingWorkforceData {
  readonly WorkforceArn: string;
  readonly WorkforceName: string;
  readonly SubDomain: string;
  readonly PortalUrl: string;
  readonly UserPoolId: string;
  readonly ClientId: string;
}

/** Properties of a CallbackReconciler custom resource. */
export interface CallbackReconcilerProperties {
  readonly UserPoolId: string;
  readonly ClientId: string;
  /** The workforce's SubDomain: the portal is https://<PortalSubDomain>. */
  readonly PortalSubDomain: string;
  /** URLs to remove from the client: the placeholders the template sets. */
  readonly PlaceholderUrls: string[];
  /** The invitation subject; absent when the invitation is not managed. */
  readonly InvitationSubject?: string;
  /** The invitation body with `{portalUrl}`; absent when the invitation is not managed. */
  readonly InvitationBody?: string;
  /**
   * The role the pool sends SMS with, when the reconciler was given it (`smsRole`): UpdateUserPool
   * passes the pool's SmsConfiguration role again, which needs iam:PassRole on it.
   */
  readonly SmsRoleArn?: string;
  /** The pool's customer-managed KMS key, when the reconciler was given it (`userPoolKey`). */
  readonly KmsKeyArn?: string;
  /**
   * 'ACTIVE' for a pool the library created and retains: the reconciler keeps its deletion
   * protection on (the template leaves it off, so that a failed first deploy can delete the pool).
   */
  readonly DeletionProtection?: string;
  /** 'true' when the reconciler changes an existing pool's invitation: it restores the previous one when it leaves. */
  readonly RestoreInvitation?: string;
  /**
   * 'true' for an app client the library did not create: the portal URLs it had to add are removed
   * again when the reconciler leaves, and no other URL is ever removed.
   */
  readonly RemoveAddedUrls?: string;
  /** A digest of the pool's and client's CloudFormation properties: re-runs the reconciler. */
  readonly Fingerprint: string;
  /** Deploy-time values those properties reference (Ref/GetAtt), so that their changes count too. */
  readonly FingerprintInputs?: unknown[];
}

/** Attributes a CallbackReconciler returns. */
export interface CallbackReconcilerData {
  readonly PortalUrl: string;
  readonly CallbackUrl: string;
  readonly LogoutUrl: string;
}

/** A worker as the handler receives it: user name and email, normalized at synth time. */
export interface WorkerRecord {
  readonly username: string;
  readonly email: string;
  /** Cognito groups (work teams) the worker belongs to. */
  readonly groups?: string[];
}

/** Where workers come from: inline, or a JSON array of WorkerRecord in S3 (a CDK asset). */
export interface WorkerSource {
  readonly Inline?: WorkerRecord[];
  readonly Bucket?: string;
  readonly Key?: string;
}

/** What happens to workers that leave the list. */
export type RemovedWorkersAction = 'RETAIN' | 'DISABLE' | 'DELETE';

/** The values of RemovedWorkersAction, for the handler's own check of what it is sent. */
export const REMOVED_WORKERS_ACTIONS: readonly RemovedWorkersAction[] = ['RETAIN', 'DISABLE', 'DELETE'];

/** Properties of an InvitationSender custom resource. */
export interface InvitationSenderProperties {
  readonly UserPoolId: string;
  readonly WorkerSources: WorkerSource[];
  /** What happens to users of the pool that are not on the list. */
  readonly RemovedWorkers: RemovedWorkersAction;
  /** 'true' when deleting the stack removes (per RemovedWorkers) the listed workers. */
  readonly RemoveOnStackDelete?: string;
  /** 'true' when one deploy may remove more than half of the pool's users. */
  readonly AllowLargeRemovals?: string;
  /**
   * The group of the pool where earlier versions of the sender kept the workers they disabled
   * (DISABLE). No longer set: who the sender disabled is kept in the stack's fence table, whatever
   * the policy. An event whose old properties name it copies its members there.
   */
  readonly DisabledGroup?: string;
  /** 'true' when the pool is created by the same app: the list decides emails too. */
  readonly PoolOwned?: string;
  /** 'true' when a user of an existing pool with a listed name but another email may be taken over. */
  readonly AdoptExistingUsers?: string;
  /** Cognito groups whose membership the sender manages (members = workers listing the group). */
  readonly ManagedGroups?: string[];
  /** AdminCreateUser calls per second at most (a number as a string). */
  readonly MaxRequestsPerSecond: string;
  /** Requests in flight at most (a number as a string). */
  readonly MaxConcurrency: string;
  /** 'true' to create workers without an invitation email (AdminCreateUser MessageAction SUPPRESS). */
  readonly SuppressEmails?: string;
  /** The portal URL the invitations point at; ties the sender to the reconciler. */
  readonly PortalUrl?: string;
  /** Seconds CloudFormation waits for the answer (the custom resource's own property). */
  readonly ServiceTimeout?: string;
}

/** The counts of what an invocation did to people's access. */
export interface InvitationCounts {
  readonly Invited: number;
  /** Invitations sent again to workers whose temporary password expired before they signed in. */
  readonly Resent: number;
  readonly Disabled: number;
  readonly Deleted: number;
  readonly Reenabled: number;
  readonly EmailsChanged: number;
  readonly MembershipChanges: number;
}

/**
 * Progress an invocation hands to the next one when the event needs more than one invocation's
 * time (the event goes on under `CONTINUATION_KEY`).
 */
export interface InvitationProgress extends InvitationCounts {
  /** Which invocation this is (the first is 1). */
  readonly Run: number;
  /** Clock time the first invocation started. */
  readonly StartedAt: number;
  /** The part of the lifecycle the first invocation found (a continuation stops when the stack moved on). */
  readonly Phase: string;
  /** In a rollback: when the rolled-back operation began (it removes only the users created since). */
  readonly RolledBackSince?: number;
  /** A rollback's Delete of a sender the rolled-back deploy created. */
  readonly UndoCreate?: boolean;
  /** Listed workers the pool had when the event began. */
  readonly AlreadyPresent: number;
  /**
   * The workers still to invite (a bitmap of their places in the list, base64), when the time ran
   * out while invitations were being sent: the next invocation sends those first, then plans again.
   */
  readonly Pending?: string;
}

/** The key of the progress in a continued event. */
export const CONTINUATION_KEY = 'CdkPrivateWorkforceProgress';

/** Attributes an InvitationSender returns: what the event did, summed over its invocations. */
export interface InvitationSenderData extends InvitationCounts {
  readonly Workers: number;
  readonly AlreadyPresent: number;
  /** Disabled plus deleted. */
  readonly Removed: number;
  /** Expired invitations left for a later deploy (Cognito's default sender allows about 50 emails a day). */
  readonly ResendsDeferred: number;
  /** How many invocations the event took. */
  readonly Runs: number;
}
