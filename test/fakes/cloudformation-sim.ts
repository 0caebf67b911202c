import { readFileSync } from 'fs';
import { join } from 'path';
import { ACCOUNT, createResource, deleteResource, PhysicalResource, ProviderContext, REGION, updateResource } from './cfn-providers';
import { FakeCloudFormation } from './fake-cloudformation';
import type { FakeCognito } from './fake-cognito';
import type { FakeDynamoDB } from './fake-dynamodb';
import type { FakeLambda } from './fake-lambda';
import type { FakeS3 } from './fake-s3';
import type { FakeSageMaker } from './fake-sagemaker';
import { IamPolicies } from './iam';
import { resourceFacts, ResourceFacts } from './registry';
import { recordTemplate } from '../record-template';
import type { VirtualClock } from './virtual-clock';
import { cloudFormationResponder, CloudFormationEvent } from '../../src/handlers/cfn-response';
import type { HandlerResponse, LambdaContextLike, ResourceEvent } from '../../src/handlers/dispatch';

type Json = Record<string, any>;
type Dispatch = (event: ResourceEvent<any>, context?: LambdaContextLike) => Promise<HandlerResponse<unknown>>;

export { ACCOUNT, REGION };
export const STACK_NAME = 'Test';
export const STACK_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${STACK_NAME}/5a3e1c10-8d2f-11ef-9e4b-0a1b2c3d4e5f`;

/** One custom resource event the simulator sent, and how it ended. */
export interface Invocation {
  readonly logicalId: string;
  /** The event's RequestId (a late duplicate of the event carries the same). */
  readonly requestId: string;
  /** The event as CloudFormation sent it. */
  readonly event: CloudFormationEvent;
  readonly requestType: 'Create' | 'Update' | 'Delete';
  readonly resourceType: string;
  readonly physicalResourceId?: string;
  /** The stack status when CloudFormation sent the event. */
  readonly stackStatus: string;
  /** How many times Lambda ran the event (duplicate deliveries and its own retries). */
  readonly runs: number;
  readonly error?: string;
  readonly data?: Json;
}

/** A synthesized stack: its template and cloud assembly folder (for assets). */
export interface SynthesizedStack {
  readonly template: Json;
  readonly assemblyDir: string;
  readonly stackName: string;
}

/** A deploy (or stack delete) that failed, as CloudFormation reports it. */
export class StackOperationFailed extends Error {
  constructor(public readonly status: string, public readonly reason: string) {
    super(`${status}: ${reason}`);
    this.name = 'StackOperationFailed';
  }
}

/** How the simulator delivers custom resource events. */
export interface SimulatorOptions {
  /** Deliver every custom resource event twice, concurrently (asynchronous invocation is at least once). */
  readonly duplicateDelivery?: boolean;
}

/** A failure of one resource operation; CloudFormation then rolls back. */
class ResourceFailure extends Error {
  /** The physical resource a failed Create left behind (CloudFormation deletes it in the rollback). */
  public partial?: PhysicalResource;
}

/** What one deploy did to one resource, for the rollback. */
interface JournalEntry {
  readonly logicalId: string;
  readonly action: 'create' | 'update' | 'replace' | 'failed-update';
  readonly previous?: PhysicalResource;
  readonly next?: PhysicalResource;
  /** The properties a failed update tried to apply. */
  readonly attempted?: Json;
  readonly deletedFirst?: boolean;
}

/**
 * CloudFormation for tests, with the real handler behind every custom resource. What it knows
 * about resource types comes from AWS's registry data (./registry.ts); what it does follows the
 * CloudFormation user guide (stack status codes, update behaviors, custom resource request types):
 * - the template is validated first: Refs and GetAtts name resources that exist and attributes
 *   their type has;
 * - resources are created and updated in dependency order, each checked against its registry
 *   schema (required properties, patterns, ...), with CloudFormation's resource handlers acting
 *   on the fakes;
 * - a property change the registry marks as replacing creates the new resource before the old one
 *   is deleted, unless the type's replacement strategy is delete_then_create; a custom-named
 *   resource (its identifiers unchanged) that must be replaced create-then-delete fails the update;
 * - after all updates, the cleanup phase (UPDATE_COMPLETE_CLEANUP_IN_PROGRESS) deletes old
 *   physical resources and removed resources, dependents first; the new template's IAM policies
 *   are in force then;
 * - a failure rolls back: after an update, UPDATE_ROLLBACK_IN_PROGRESS sends resources updated so
 *   far an Update with old and new properties swapped, then its cleanup deletes what the deploy
 *   created; after a create, ROLLBACK_IN_PROGRESS deletes everything in reverse order, keeping
 *   resources whose DeletionPolicy retains them (RetainExceptOnCreate deletes);
 * - custom resource events go to the Lambda function of the ServiceToken, asynchronously: its
 *   Timeout cuts a run short, its EventInvokeConfig (2 retries by default) makes Lambda run a
 *   failed or timed-out event again, `duplicateDelivery` delivers each event twice; CloudFormation
 *   takes the first response sent in time, and fails the resource when none comes within
 *   ServiceTimeout;
 * - the handler calls AWS with the role of its function: the fakes check each call against the
 *   role's policies as the stack has them at that moment.
 */
export class CloudFormationSim {
  public readonly invocations: Invocation[] = [];
  /** Stack status transitions, in order. */
  public readonly statuses: string[] = [];
  /** Resource operations that failed (cleanup failures included, which do not fail the deploy). */
  public readonly failures: Array<{ logicalId: string; operation: string; reason: string }> = [];
  public readonly iam = new IamPolicies();
  public readonly cloudFormation: FakeCloudFormation;
  private status = 'NONE';
  private template: Json = { Resources: {} };
  private readonly current = new Map<string, PhysicalResource>();
  /** Resolved properties of custom resources, as last sent. */
  private readonly sent = new Map<string, Json>();
  private readonly responses = new Map<string, { at: number; body: Json }>();
  private readonly providers: ProviderContext;
  private generation = 0;
  private requests = 0;
  /** Resources whose Delete is under way (ListStackResources shows them DELETE_IN_PROGRESS). */
  private readonly deleting = new Set<PhysicalResource>();
  /** Asynchronous invocations running or queued. */
  private readonly inflight = new Set<Promise<void>>();
  /** Runs per request id (deliveries, Lambda's retries and continuations). */
  private readonly runCounts = new Map<string, number>();
  /**
   * While set, the events the handler queues for itself (continuations) wait in Lambda's queue
   * instead of running: `releaseContinuations` delivers them, late.
   */
  public holdContinuations = false;
  private readonly held: Array<{ fn: LambdaFunction; event: CloudFormationEvent }> = [];

  constructor(
    private readonly fakes: { cognito: FakeCognito; s3: FakeS3; sagemaker: FakeSageMaker; lambda: FakeLambda; dynamodb?: FakeDynamoDB },
    private readonly dispatch: Dispatch,
    private readonly clock: VirtualClock,
    private readonly options: SimulatorOptions = {},
  ) {
    this.providers = { cognito: fakes.cognito, sagemaker: fakes.sagemaker, dynamodb: fakes.dynamodb, iam: this.iam, stackName: STACK_NAME };
    this.cloudFormation = new FakeCloudFormation({
      stackId: STACK_ID,
      stackName: STACK_NAME,
      status: () => this.status,
      template: () => this.template,
      resources: () => [...this.current.values()].map((r) => ({
        LogicalResourceId: r.logicalId,
        ResourceType: r.type,
        PhysicalResourceId: physicalIdOf(resourceFacts(r.type), r),
        ResourceStatus: this.deleting.has(r) ? 'DELETE_IN_PROGRESS' : this.status.startsWith('UPDATE') ? 'UPDATE_COMPLETE' : 'CREATE_COMPLETE',
      })),
    });
    // Events a test sends itself, with no stack deployed, run without a role to check.
    const roleCheck = this.iam.authorizerFor(() => this.handlerRoleName(), ACCOUNT);
    const authorizer = (action: string, resource: string) => (this.handlerRoleName() === undefined ? undefined : roleCheck(action, resource));
    fakes.cognito.authorizer = authorizer;
    fakes.s3.authorizer = authorizer;
    fakes.sagemaker.authorizer = authorizer;
    fakes.lambda.authorizer = authorizer;
    if (fakes.dynamodb) {
      fakes.dynamodb.authorizer = authorizer;
    }
    this.cloudFormation.authorizer = authorizer;
    // The handler invoking itself (a continuation): Lambda runs it like any asynchronous event.
    fakes.lambda.onEvent = (functionName, payload) => {
      const fn = this.functionOf(functionName);
      if (this.holdContinuations) {
        this.held.push({ fn, event: payload as CloudFormationEvent });
        return;
      }
      this.track(this.runAsync(fn, payload as CloudFormationEvent, () => this.runsOf(payload as CloudFormationEvent)));
    };
  }

  /**
   * Delivers the continuations held so far (see `holdContinuations`); resolves when they ran.
   * `stackStatus`: what DescribeStacks answers meanwhile (a later operation under way, say).
   */
  public async releaseContinuations(stackStatus?: string): Promise<number> {
    const held = this.held.splice(0);
    const before = this.status;
    this.status = stackStatus ?? before;
    try {
      for (const { fn, event } of held) {
        this.track(this.runAsync(fn, event, () => this.runsOf(event)));
      }
      await this.clock.run(this.settled());
    } finally {
      this.status = before;
    }
    return held.length;
  }

  /** The stack status. */
  public get stackStatus(): string {
    return this.status;
  }

  /** The physical id (Ref) of the only resource of a type. */
  public physicalIdOf(type: string): string {
    const resource = this.only(type);
    return resource.values[resourceFacts(type).refIdentifier[0]];
  }

  /** The identifier and attribute values of the only resource of a type. */
  public attributesOf(type: string): Json {
    return this.only(type).values;
  }

  /** The identifier and attribute values (what Ref and GetAtt return) of a resource, by logical id. */
  public valuesOf(logicalId: string): Json {
    const resource = this.current.get(logicalId);
    if (!resource) {
      throw new Error(`no resource ${logicalId} in the stack`);
    }
    return resource.values;
  }

  /** The properties last sent to a custom resource, by logical id. */
  public propertiesOf(logicalId: string): Json {
    return this.sent.get(logicalId)!;
  }

  /** Logical ids of the stack's resources now. */
  public resources(): string[] {
    return [...this.current.keys()];
  }

  /**
   * Deploys a version of the stack (creates it, or updates it). Throws StackOperationFailed when
   * the deploy fails, after the rollback. A stack left in ROLLBACK_COMPLETE is deleted first, as
   * the CDK CLI does.
   */
  public async deploy(stack: SynthesizedStack): Promise<Invocation[]> {
    if (this.status === 'ROLLBACK_COMPLETE') {
      await this.deleteStack();
    }
    const started = this.invocations.length;
    validateTemplate(stack.template);
    this.publishAssets(stack);
    const creating = this.current.size === 0;
    const oldTemplate = this.template;
    const before = new Map(this.current);
    this.template = stack.template;
    this.setStatus(creating ? 'CREATE_IN_PROGRESS' : 'UPDATE_IN_PROGRESS');

    const journal: JournalEntry[] = [];
    const replacedOld: PhysicalResource[] = [];
    let failure: ResourceFailure | undefined;
    for (const id of order(stack.template.Resources)) {
      try {
        await this.applyResource(id, stack.template.Resources[id], journal, replacedOld);
      } catch (error) {
        failure = error instanceof ResourceFailure ? error : new ResourceFailure((error as Error).message);
        this.failures.push({ logicalId: id, operation: before.has(id) ? 'UPDATE' : 'CREATE', reason: failure.message });
        if (failure.partial) {
          journal.push({ logicalId: id, action: 'create', next: failure.partial });
        }
        break;
      }
    }

    if (failure) {
      if (creating) {
        await this.rollbackCreate(journal);
      } else {
        await this.rollbackUpdate(journal, oldTemplate, before);
      }
      throw new StackOperationFailed(this.status, failure.message);
    }

    if (creating) {
      this.setStatus('CREATE_COMPLETE');
    } else {
      this.setStatus('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
      const removed = [...before.keys()].filter((id) => !stack.template.Resources[id]);
      const doomed = [
        ...replacedOld.filter((r) => !retains(oldTemplate.Resources[r.logicalId], 'UpdateReplacePolicy')),
        ...removed.filter((id) => !retains(oldTemplate.Resources[id], 'DeletionPolicy')).map((id) => before.get(id)!),
      ];
      // Removed resources stay in the stack until their own Delete (the handler function too).
      await this.deleteAll(doomed, oldTemplate, false);
      removed.forEach((id) => this.current.delete(id));
      this.setStatus('UPDATE_COMPLETE');
    }
    // cfn-lint checks every template the tests deploy (those that fail on purpose are not the library's).
    recordTemplate(stack.template);
    return this.invocations.slice(started);
  }

  /** Deletes the stack: every resource in reverse dependency order, DeletionPolicy honoured. */
  public async deleteStack(): Promise<Invocation[]> {
    const started = this.invocations.length;
    this.setStatus('DELETE_IN_PROGRESS');
    const doomed = [...this.current.values()].filter((r) => !retains(this.template.Resources[r.logicalId], 'DeletionPolicy', this.status));
    const ok = await this.deleteAll(doomed, this.template, true);
    if (!ok) {
      this.setStatus('DELETE_FAILED');
      throw new StackOperationFailed(this.status, this.failures[this.failures.length - 1].reason);
    }
    this.current.clear();
    this.sent.clear();
    this.template = { Resources: {} };
    this.setStatus('DELETE_COMPLETE');
    return this.invocations.slice(started);
  }

  /**
   * Sends one custom resource event straight to the handler (a test's own event). With no deploy
   * under way, DescribeStacks answers what the event stands for: CREATE_, UPDATE_ or
   * DELETE_IN_PROGRESS, or `stackStatus`.
   */
  public async send(event: ResourceEvent<any>, stackStatus?: string): Promise<HandlerResponse<any>> {
    const before = this.status;
    if (before === 'NONE' || stackStatus) {
      this.status = stackStatus ?? `${event.RequestType.toUpperCase()}_IN_PROGRESS`;
    }
    try {
      return await this.clock.run(this.dispatch(stringify(event), { getRemainingTimeInMillis: () => 15 * 60_000 }));
    } finally {
      this.status = before;
    }
  }

  // --- one resource ----------------------------------------------------------------------------

  private async applyResource(id: string, resource: Json, journal: JournalEntry[], replacedOld: PhysicalResource[]): Promise<void> {
    const facts = resourceFacts(resource.Type);
    const properties = this.resolve(resource.Properties ?? {});
    const previous = this.current.get(id);
    if (!previous) {
      const next = await this.create(id, resource, facts, properties);
      journal.push({ logicalId: id, action: 'create', next });
      return;
    }
    if (previous.type !== resource.Type) {
      throw new ResourceFailure(`Update of resource type is not permitted (${id}: ${previous.type} to ${resource.Type})`);
    }
    if (JSON.stringify(previous.properties) === JSON.stringify(properties)) {
      return; // no change: CloudFormation does nothing
    }
    const replacing = [...facts.replacing.keys()].filter((p) => JSON.stringify(previous.properties[p]) !== JSON.stringify(properties[p]));
    if (replacing.length > 0) {
      const strategy = facts.replacementStrategy;
      const name = strategy === 'create_then_delete' ? keptCustomName(facts, previous.properties, properties) : undefined;
      if (name) {
        throw new ResourceFailure('CloudFormation cannot update a stack when a custom-named resource requires replacing. ' +
          `Rename ${name.map((p) => properties[p]).join('|')} and update the stack again. (${id}: ${replacing.join(', ')} changed)`);
      }
      if (strategy === 'delete_then_create') {
        await this.delete(previous, false);
        this.current.delete(id);
        const next = await this.create(id, resource, facts, properties);
        journal.push({ logicalId: id, action: 'replace', previous, next, deletedFirst: true });
      } else {
        const next = await this.create(id, resource, facts, properties);
        journal.push({ logicalId: id, action: 'replace', previous, next });
        replacedOld.push(previous);
      }
      return;
    }
    try {
      const next = await this.update(previous, resource, facts, properties, previous.properties);
      journal.push({ logicalId: id, action: 'update', previous, next });
      if (physicalIdOf(facts, next) !== physicalIdOf(facts, previous)) {
        replacedOld.push(previous); // a custom resource that answered with a new physical id
      }
    } catch (error) {
      journal.push({ logicalId: id, action: 'failed-update', previous, attempted: properties });
      throw error;
    }
  }

  private async create(id: string, resource: Json, facts: ResourceFacts, properties: Json): Promise<PhysicalResource> {
    checkProperties(id, facts, properties);
    let values: Json;
    if (resource.Type.startsWith('Custom::')) {
      const response = await this.invoke(id, resource.Type, 'Create', properties, undefined, undefined);
      values = { ...response.data, Id: response.physicalId };
    } else {
      values = this.provider(() => createResource(this.providers, facts, id, properties, ++this.generation), id);
    }
    const created = { logicalId: id, type: resource.Type, values, properties };
    this.current.set(id, created);
    return created;
  }

  private async update(
    previous: PhysicalResource, resource: Json, facts: ResourceFacts, properties: Json, oldProperties: Json,
  ): Promise<PhysicalResource> {
    checkProperties(previous.logicalId, facts, properties);
    let values: Json;
    if (resource.Type.startsWith('Custom::')) {
      const response = await this.invoke(previous.logicalId, resource.Type, 'Update', properties, oldProperties, previous.values.Id);
      values = { ...response.data, Id: response.physicalId };
    } else {
      values = this.provider(() => updateResource(this.providers, facts, previous, properties), previous.logicalId);
    }
    const updated = { logicalId: previous.logicalId, type: resource.Type, values, properties };
    this.current.set(previous.logicalId, updated);
    return updated;
  }

  private async delete(resource: PhysicalResource, tolerate: boolean): Promise<boolean> {
    const facts = resourceFacts(resource.type);
    this.deleting.add(resource);
    try {
      if (resource.type.startsWith('Custom::')) {
        await this.invoke(resource.logicalId, resource.type, 'Delete', resource.properties, undefined, resource.values.Id);
      } else {
        this.provider(() => deleteResource(this.providers, facts, resource), resource.logicalId);
      }
      if (this.current.get(resource.logicalId) === resource) {
        this.current.delete(resource.logicalId);
      }
      return true;
    } catch (error) {
      this.failures.push({ logicalId: resource.logicalId, operation: 'DELETE', reason: (error as Error).message });
      if (!tolerate) {
        throw error;
      }
      return false;
    } finally {
      this.deleting.delete(resource);
    }
  }

  /** Deletes resources dependents first (reverse dependency order of `template`); false when one failed. */
  private async deleteAll(resources: PhysicalResource[], template: Json, stopOnFailure: boolean): Promise<boolean> {
    const rank = new Map(order(template.Resources).map((id, i) => [id, i]));
    const sorted = [...resources].sort((a, b) => (rank.get(b.logicalId) ?? -1) - (rank.get(a.logicalId) ?? -1));
    let ok = true;
    for (const resource of sorted) {
      if (!await this.delete(resource, true)) {
        ok = false;
        if (stopOnFailure) {
          break;
        }
      }
    }
    return ok;
  }

  private provider<T>(fn: () => T, logicalId: string): T {
    try {
      return fn();
    } catch (error) {
      throw new ResourceFailure(`Resource handler returned message: "${(error as Error).message}" (${logicalId})`);
    }
  }

  // --- rollbacks -------------------------------------------------------------------------------

  private async rollbackCreate(journal: JournalEntry[]): Promise<void> {
    this.setStatus('ROLLBACK_IN_PROGRESS');
    const doomed: PhysicalResource[] = [];
    for (const entry of [...journal].reverse()) {
      const resource = entry.next!;
      // On a create rollback, RetainExceptOnCreate deletes; Retain keeps the resource (outside the stack).
      if (!retains(this.template.Resources[resource.logicalId], 'DeletionPolicy', this.status)) {
        doomed.push(resource);
      }
    }
    const ok = await this.deleteAll(doomed, this.template, false);
    this.current.clear();
    this.setStatus(ok ? 'ROLLBACK_COMPLETE' : 'ROLLBACK_FAILED');
  }

  /**
   * UPDATE_ROLLBACK: the previous template is applied again, in its dependency order, resolved
   * against the stack as it is (a resource replaced delete-then-create comes back with a new
   * physical id, and its dependents follow it); what the failed deploy created goes in the
   * rollback's cleanup phase.
   */
  private async rollbackUpdate(journal: JournalEntry[], oldTemplate: Json, before: Map<string, PhysicalResource>): Promise<void> {
    this.setStatus('UPDATE_ROLLBACK_IN_PROGRESS');
    const failedTemplate = this.template;
    this.template = oldTemplate;
    const entries = new Map(journal.map((e) => [e.logicalId, e]));
    // What the failed deploy created stays in the stack until the rollback's cleanup deletes it
    // (RetainExceptOnCreate deletes it too; Retain keeps it, outside the stack).
    const created = journal.filter((e) => e.action === 'create').map((e) => e.next!);
    const doomed: PhysicalResource[] = created.filter((r) => !retains(failedTemplate.Resources[r.logicalId], 'DeletionPolicy', 'ROLLBACK_IN_PROGRESS'));
    try {
      for (const id of order(oldTemplate.Resources)) {
        const entry = entries.get(id);
        const resource = oldTemplate.Resources[id];
        const facts = resourceFacts(resource.Type);
        if (entry?.action === 'replace') {
          if (entry.deletedFirst) {
            await this.delete(entry.next!, false);
            this.current.delete(id);
            await this.create(id, resource, facts, this.resolve(resource.Properties ?? {}));
            continue;
          }
          doomed.push(entry.next!);
          this.current.set(id, entry.previous!);
        }
        const current = this.current.get(id) ?? before.get(id)!;
        const properties = this.resolve(resource.Properties ?? {});
        const touched = entry?.action === 'update' || entry?.action === 'failed-update';
        if (touched || JSON.stringify(current.properties) !== JSON.stringify(properties)) {
          const reverted = await this.update(current, resource, facts, properties, entry?.action === 'failed-update' ? entry.attempted! : current.properties);
          if (physicalIdOf(facts, reverted) !== physicalIdOf(facts, current)) {
            doomed.push(current);
          }
        }
      }
    } catch (error) {
      this.setStatus('UPDATE_ROLLBACK_FAILED');
      throw new StackOperationFailed(this.status, (error as Error).message);
    }
    this.setStatus('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    await this.deleteAll(doomed, failedTemplate, false);
    created.forEach((r) => this.current.get(r.logicalId) === r && this.current.delete(r.logicalId));
    this.setStatus('UPDATE_ROLLBACK_COMPLETE');
  }

  // --- custom resources through Lambda ---------------------------------------------------------

  private async invoke(id: string, resourceType: string, requestType: 'Create' | 'Update' | 'Delete', properties: Json, old: Json | undefined, physicalId: string | undefined) {
    const requestId = `request-${++this.requests}`;
    const responseUrl = `https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/${requestId}`;
    const event = stringify({
      RequestType: requestType,
      ServiceToken: properties.ServiceToken,
      ResponseURL: responseUrl,
      StackId: STACK_ID,
      RequestId: requestId,
      LogicalResourceId: id,
      ResourceType: resourceType,
      ...(physicalId !== undefined ? { PhysicalResourceId: physicalId } : {}),
      ResourceProperties: properties,
      ...(requestType === 'Update' ? { OldResourceProperties: old } : {}),
    }) as CloudFormationEvent;
    if (requestType !== 'Delete') {
      this.sent.set(id, properties);
    }
    const fn = this.functionOf(properties.ServiceToken);
    const sentAt = this.clock.now();
    const serviceTimeoutMs = Number(properties.ServiceTimeout ?? 3600) * 1000;
    const stackStatus = this.status;
    const deliveries = this.options.duplicateDelivery ? 2 : 1;
    for (let i = 0; i < deliveries; i++) {
      this.track(this.runAsync(fn, event, () => this.runsOf(event)));
    }
    await this.clock.run(this.settled());
    const runs = this.runCounts.get(requestId) ?? 0;

    const response = this.responses.get(responseUrl);
    const record = { logicalId: id, requestId, event, requestType, resourceType, physicalResourceId: physicalId, stackStatus, runs };
    if (!response || response.at > sentAt + serviceTimeoutMs) {
      const reason = `CloudFormation did not receive a response from your Custom Resource within ${serviceTimeoutMs / 1000} seconds (${id}).`;
      this.invocations.push({ ...record, error: reason });
      throw new ResourceFailure(reason);
    }
    const body = response.body;
    if (body.Status !== 'SUCCESS') {
      this.invocations.push({ ...record, error: body.Reason });
      const failure = new ResourceFailure(`Received response status [FAILED] from custom resource. Message returned: ${body.Reason} (${id})`);
      if (requestType === 'Create' && body.PhysicalResourceId) {
        failure.partial = { logicalId: id, type: resourceType, values: { Id: body.PhysicalResourceId }, properties };
      }
      throw failure;
    }
    this.invocations.push({ ...record, data: body.Data });
    return { physicalId: body.PhysicalResourceId as string, data: (body.Data ?? {}) as Json };
  }

  private track(run: Promise<void>): void {
    this.inflight.add(run);
    void run.finally(() => this.inflight.delete(run));
  }

  /** Resolves when no asynchronous invocation is running or queued (continuations included). */
  private async settled(): Promise<void> {
    while (this.inflight.size > 0) {
      await Promise.all([...this.inflight]);
    }
  }

  private runsOf(event: CloudFormationEvent): void {
    this.runCounts.set(event.RequestId, (this.runCounts.get(event.RequestId) ?? 0) + 1);
  }

  /** Lambda's asynchronous invocation: runs, retries on error or timeout, within the event age. */
  private async runAsync(fn: LambdaFunction, event: CloudFormationEvent, counted: () => void): Promise<void> {
    const queuedAt = this.clock.now();
    for (let attempt = 0; attempt <= fn.maxRetries; attempt++) {
      if (this.clock.now() - queuedAt > fn.maxEventAgeMs) {
        return; // Lambda discards events older than MaximumEventAgeInSeconds
      }
      counted();
      const start = this.clock.now();
      const deadline = start + fn.timeoutMs;
      const responder = cloudFormationResponder(this.dispatch, async (url, body) => {
        if (this.clock.now() <= deadline && !this.responses.has(url)) {
          this.responses.set(url, { at: this.clock.now(), body: JSON.parse(body) });
        }
      });
      let failed = false;
      try {
        await responder(event, {
          getRemainingTimeInMillis: () => deadline - this.clock.now(),
          logStreamName: '2026/12/02/[$LATEST]0123456789abcdef',
          invokedFunctionArn: fn.arn,
        });
      } catch {
        failed = true;
      }
      if (this.clock.now() > deadline) {
        this.failures.push({ logicalId: event.LogicalResourceId, operation: 'LAMBDA', reason: `Task timed out after ${fn.timeoutMs / 1000} seconds (ran ${(this.clock.now() - start) / 1000} s)` });
        failed = true;
      }
      if (!failed) {
        return;
      }
      await this.clock.sleep(attempt === 0 ? 60_000 : 120_000); // Lambda's retry delays
    }
  }

  /** The Lambda function a ServiceToken names, with its settings from the template. */
  private functionOf(serviceToken: string): LambdaFunction {
    const entry = [...this.current.values()].find((r) => r.type === 'AWS::Lambda::Function' && [r.values.Arn, r.values.FunctionName].includes(serviceToken));
    if (!entry) {
      throw new ResourceFailure(`ServiceToken ${serviceToken} is not a function of this stack`);
    }
    const invokeConfig = [...this.current.values()].find((r) => r.type === 'AWS::Lambda::EventInvokeConfig'
      && [entry.values.FunctionName, entry.values.Arn].includes(r.properties.FunctionName));
    return {
      arn: entry.values.Arn,
      timeoutMs: Number(entry.properties.Timeout ?? 3) * 1000,
      maxRetries: Number(invokeConfig?.properties.MaximumRetryAttempts ?? 2),
      maxEventAgeMs: Number(invokeConfig?.properties.MaximumEventAgeInSeconds ?? 21_600) * 1000,
    };
  }

  /** The environment variables of the stack's handler function (its template's, resolved), when it exists. */
  public functionEnvironment(): Record<string, string> | undefined {
    const fn = [...this.current.values()].find((r) => r.type === 'AWS::Lambda::Function');
    return fn?.properties.Environment?.Variables;
  }

  /** The role name the stack's handler function runs with. */
  private handlerRoleName(): string | undefined {
    const fn = [...this.current.values()].find((r) => r.type === 'AWS::Lambda::Function');
    return fn ? String(fn.properties.Role).split('/').pop() : undefined;
  }

  // --- templates -------------------------------------------------------------------------------

  private resolve(value: any): any {
    if (Array.isArray(value)) {
      return value.map((v) => this.resolve(v)).filter((v) => v !== NO_VALUE);
    }
    if (!value || typeof value !== 'object') {
      return value;
    }
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
      const [fn] = keys;
      const arg = value[fn];
      switch (fn) {
        case 'Ref':
          return this.ref(arg);
        case 'Fn::GetAtt': {
          const [target, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
          return this.getAtt(target, attribute);
        }
        case 'Fn::Join':
          return (this.resolve(arg[1]) as any[]).join(arg[0]);
        case 'Fn::Select':
          return this.resolve(arg[1])[Number(this.resolve(arg[0]))];
        case 'Fn::Split':
          return String(this.resolve(arg[1])).split(arg[0]);
        case 'Fn::Sub': {
          const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
          return String(text).replace(/\$\{([^}]+)\}/g, (_, name: string) => {
            if (vars[name] !== undefined) {
              return String(this.resolve(vars[name]));
            }
            const [target, attribute] = name.split('.');
            return String(attribute ? this.getAtt(target, attribute) : this.ref(name));
          });
        }
        case 'Fn::FindInMap':
          return this.template.Mappings[this.resolve(arg[0])][this.resolve(arg[1])][this.resolve(arg[2])];
        default:
          throw new ResourceFailure(`The simulator does not implement ${fn}`);
      }
    }
    const result: Json = {};
    for (const [k, v] of Object.entries(value)) {
      const resolved = this.resolve(v);
      if (resolved !== NO_VALUE) {
        result[k] = resolved;
      }
    }
    return result;
  }

  private ref(name: string): any {
    switch (name) {
      case 'AWS::AccountId': return ACCOUNT;
      case 'AWS::Region': return REGION;
      case 'AWS::Partition': return 'aws';
      case 'AWS::URLSuffix': return 'amazonaws.com';
      case 'AWS::StackId': return STACK_ID;
      case 'AWS::StackName': return STACK_NAME;
      case 'AWS::NoValue': return NO_VALUE;
    }
    if (this.template.Parameters?.[name]) {
      return this.template.Parameters[name].Default;
    }
    const resource = this.current.get(name);
    if (!resource) {
      throw new ResourceFailure(`Ref to ${name}, which does not exist yet`);
    }
    return physicalIdOf(resourceFacts(resource.type), resource);
  }

  private getAtt(target: string, attribute: string): any {
    const resource = this.current.get(target);
    if (!resource) {
      throw new ResourceFailure(`Fn::GetAtt to ${target}, which does not exist yet`);
    }
    const value = resource.values[attribute];
    if (value === undefined) {
      throw new ResourceFailure(resource.type.startsWith('Custom::')
        ? `CustomResource attribute error: Vendor response doesn't contain ${attribute} attribute in object ${target}`
        : `Attribute ${attribute} of ${target} has no value`);
    }
    return value;
  }

  private only(type: string): PhysicalResource {
    const found = [...this.current.values()].filter((r) => r.type === type);
    if (found.length !== 1) {
      throw new Error(`expected one ${type}, found ${found.length}`);
    }
    return found[0];
  }

  private setStatus(status: string): void {
    this.status = status;
    this.statuses.push(status);
  }

  /** Puts the stack's file assets where the template says they are. */
  private publishAssets(stack: SynthesizedStack): void {
    const manifest = JSON.parse(readFileSync(join(stack.assemblyDir, `${stack.stackName}.assets.json`), 'utf-8'));
    for (const file of Object.values<any>(manifest.files ?? {})) {
      if (file.source.packaging !== 'file' || !String(file.source.path).endsWith('.json')) {
        continue;
      }
      for (const destination of Object.values<any>(file.destinations)) {
        const bucket = String(destination.bucketName).replace('${AWS::AccountId}', ACCOUNT).replace('${AWS::Region}', REGION);
        this.fakes.s3.put(bucket, destination.objectKey, readFileSync(join(stack.assemblyDir, file.source.path), 'utf-8'));
      }
    }
  }
}

/** The Lambda settings that decide how CloudFormation's asynchronous invocations run. */
interface LambdaFunction {
  readonly arn: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly maxEventAgeMs: number;
}

const NO_VALUE = Symbol('AWS::NoValue');
const PSEUDO_PARAMETERS = ['AWS::AccountId', 'AWS::Region', 'AWS::Partition', 'AWS::URLSuffix', 'AWS::StackId', 'AWS::StackName', 'AWS::NoValue', 'AWS::NotificationARNs'];

/** What Ref returns: the values of the type's Ref identifier, joined with "|". */
function physicalIdOf(facts: ResourceFacts, resource: PhysicalResource): string {
  return facts.refIdentifier.map((name) => resource.values[name]).join('|');
}

/**
 * Template validation, before anything changes: every Ref and GetAtt names a resource (or a
 * parameter), every GetAtt an attribute its type has (registry data), every DependsOn a resource.
 */
export function validateTemplate(template: Json): void {
  const resources: Json = template.Resources ?? {};
  const problems: string[] = [];
  const walk = (value: any, at: string) => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${at}[${i}]`));
      return;
    }
    if (!value || typeof value !== 'object') {
      return;
    }
    if (typeof value.Ref === 'string' && !resources[value.Ref] && !template.Parameters?.[value.Ref] && !PSEUDO_PARAMETERS.includes(value.Ref)) {
      problems.push(`Unresolved resource dependencies [${value.Ref}] in the Resources block of the template (${at})`);
    }
    if (value['Fn::GetAtt']) {
      const [target, attribute] = Array.isArray(value['Fn::GetAtt']) ? value['Fn::GetAtt'] : String(value['Fn::GetAtt']).split('.');
      checkGetAtt(target, attribute, at);
    }
    if (typeof value['Fn::Sub'] === 'string' || Array.isArray(value['Fn::Sub'])) {
      const [text, vars] = Array.isArray(value['Fn::Sub']) ? value['Fn::Sub'] : [value['Fn::Sub'], {}];
      for (const [, name] of String(text).matchAll(/\$\{([^}!]+)\}/g)) {
        const [target, attribute] = name.split('.');
        if (vars[name] === undefined && attribute) {
          checkGetAtt(target, attribute, at);
        }
      }
    }
    Object.entries(value).forEach(([k, v]) => walk(v, `${at}.${k}`));
  };
  const checkGetAtt = (target: string, attribute: string, at: string) => {
    const resource = resources[target];
    if (!resource) {
      problems.push(`Template error: instance of Fn::GetAtt references undefined resource ${target} (${at})`);
      return;
    }
    const attributes = resourceFacts(resource.Type).attributes;
    if (attributes && !attributes.has(attribute)) {
      problems.push(`Template error: resource ${target} does not support attribute type ${attribute} in Fn::GetAtt (${resource.Type} has ${[...attributes].join(', ')}) (${at})`);
    }
  };
  for (const [id, resource] of Object.entries(resources)) {
    resourceFacts(resource.Type); // an unknown type fails here
    walk(resource.Properties ?? {}, `${id}.Properties`);
    for (const dep of [resource.DependsOn ?? []].flat()) {
      if (!resources[dep]) {
        problems.push(`Template format error: Unresolved resource dependencies [${dep}] in the Resources block of the template (${id}.DependsOn)`);
      }
    }
  }
  walk(template.Outputs ?? {}, 'Outputs');
  if (problems.length > 0) {
    throw new StackOperationFailed('VALIDATION_FAILED', problems.join('\n'));
  }
}

/** Required properties (registry data), then the registry schema of the type. */
function checkProperties(id: string, facts: ResourceFacts, properties: Json): void {
  const missing = facts.required.filter((p) => properties[p] === undefined);
  if (missing.length > 0) {
    throw new ResourceFailure(`Properties validation failed for resource ${id} with message: #: required key [${missing.join(', ')}] not found`);
  }
  const problems = facts.validate?.(properties) ?? [];
  if (problems.length > 0) {
    throw new ResourceFailure(`Properties validation failed for resource ${id} with message: ${problems.join('; ')}`);
  }
}

/** The name group the template sets and keeps (a custom name that stays), if any. */
function keptCustomName(facts: ResourceFacts, before: Json, after: Json): readonly string[] | undefined {
  return facts.nameGroups.find((group) => group.every((p) => after[p] !== undefined && JSON.stringify(before[p]) === JSON.stringify(after[p])));
}

/** Whether a policy attribute keeps the resource; RetainExceptOnCreate deletes on a create rollback. */
function retains(resource: Json | undefined, policy: 'DeletionPolicy' | 'UpdateReplacePolicy', stackStatus?: string): boolean {
  const value = resource?.[policy];
  if (value === 'Retain') {
    return true;
  }
  return value === 'RetainExceptOnCreate' && stackStatus !== 'ROLLBACK_IN_PROGRESS';
}

/** Resources in an order that puts every dependency first. */
function order(resources: Json): string[] {
  const done = new Set<string>();
  const result: string[] = [];
  const visit = (id: string, path: string[]) => {
    if (done.has(id)) {
      return;
    }
    if (path.includes(id)) {
      throw new StackOperationFailed('VALIDATION_FAILED', `Circular dependency between resources: ${[...path, id].join(' -> ')}`);
    }
    for (const dep of dependencies(resources[id], resources)) {
      visit(dep, [...path, id]);
    }
    done.add(id);
    result.push(id);
  };
  Object.keys(resources).forEach((id) => visit(id, []));
  return result;
}

function dependencies(resource: Json, resources: Json): string[] {
  const found = new Set<string>();
  const walk = (value: any) => {
    if (Array.isArray(value)) {
      value.forEach(walk);
    } else if (value && typeof value === 'object') {
      if (typeof value.Ref === 'string' && resources[value.Ref]) {
        found.add(value.Ref);
      }
      if (value['Fn::GetAtt']) {
        found.add(Array.isArray(value['Fn::GetAtt']) ? value['Fn::GetAtt'][0] : String(value['Fn::GetAtt']).split('.')[0]);
      }
      if (value['Fn::Sub']) {
        const text = Array.isArray(value['Fn::Sub']) ? value['Fn::Sub'][0] : value['Fn::Sub'];
        for (const [, name] of String(text).matchAll(/\$\{([^}!.]+)/g)) {
          if (resources[name]) {
            found.add(name);
          }
        }
      }
      Object.values(value).forEach(walk);
    }
  };
  walk(resource.Properties ?? {});
  for (const dep of [resource.DependsOn ?? []].flat()) {
    found.add(dep);
  }
  return [...found].filter((id) => resources[id]);
}

/** CloudFormation hands custom resources every scalar as a string. */
export function stringify(value: any): any {
  if (Array.isArray(value)) {
    return value.map(stringify);
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stringify(v)]));
  }
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
}
