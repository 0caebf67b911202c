import { createHash } from 'crypto';
import { Aws, CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct, IConstruct } from 'constructs';
import { FAILURE_LOG_MARKER } from '../handlers/cfn-response';
import { ProviderFunction } from '../handlers/provider-function';
import { FENCE_TABLE_ENV, OWN_STACK_ID_ENV } from '../handlers/types';

/** Construct id of the singleton; a public contract (renaming it replaces the Lambdas). */
const PROVIDER_ID = 'CdkPrivateWorkforceHandler';

/**
 * The one handler Lambda that serves every custom resource of the library in a stack.
 * CloudFormation invokes it directly and it reports to CloudFormation itself, as aws-cdk-lib's own
 * singleton providers do: one function and one hop per event, where the CDK provider framework
 * would add a second function. Its role starts with nothing but its own logs; each custom resource
 * grants it exactly the calls it needs on its own user pool and worker lists.
 */
export class HandlerProvider extends Construct {
  /** The stack's provider, created on first use. */
  public static of(scope: IConstruct): HandlerProvider {
    const stack = Stack.of(scope);
    return (stack.node.tryFindChild(PROVIDER_ID) as HandlerProvider | undefined) ?? new HandlerProvider(stack, PROVIDER_ID);
  }

  /** The service token of the custom resources. */
  public readonly serviceToken: string;
  /** The handler function. */
  public readonly handler: lambda.Function;
  /** The handler's role. */
  public readonly role: iam.Role;
  /** The log group of the handler. */
  public readonly logGroup: logs.LogGroup;
  /**
   * The fence table: every event claims its operation here before it writes, so that late
   * duplicates and continuations of an operation that is over write nothing; it also records who
   * the InvitationSender disabled.
   */
  public readonly fenceTable: dynamodb.Table;

  /** The namespace and name of the metric of failed events. */
  private readonly failureMetricNamespace: string;
  private readonly failureMetricName: string;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // A role with inline, resource-scoped policies instead of AWSLambdaBasicExecutionRole.
    this.role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'cdk-private-workforce: wires the labeling portal into Cognito and invites workers',
    });
    this.logGroup.grantWrite(this.role);
    // A few writes per event, on demand: cents a year. Point-in-time recovery keeps the records of
    // who the sender disabled (without them, those workers stay disabled when listed again).
    this.fenceTable = new dynamodb.Table(this, 'Fence', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // In the role's own policy, which every custom resource depends on: in force for every event.
    this.role.addToPolicy(new iam.PolicyStatement({
      actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
      resources: [this.fenceTable.tableArn],
    }));
    this.handler = new ProviderFunction(this, 'Handler', {
      description: 'cdk-private-workforce: CallbackReconciler and InvitationSender',
      role: this.role,
      timeout: Duration.minutes(15), // an event that needs longer goes on in a fresh invocation
      memorySize: 512,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      // The handler serves its own stack's events only.
      environment: { [OWN_STACK_ID_ENV]: Aws.STACK_ID, [FENCE_TABLE_ENV]: this.fenceTable.tableName },
    });
    // The handler always answers CloudFormation (or hands the event to a fresh invocation that
    // will), so Lambda must not run an event again on its own: a retry would act after
    // CloudFormation has moved on. An event older than 10 minutes is dropped: shorter than every
    // custom resource's ServiceTimeout (16 minutes and more), so CloudFormation never sends a
    // resource's next event while a first delivery of the previous one can still arrive.
    this.handler.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(10) });

    // CloudFormation invokes the handler directly, and the handler answers CloudFormation itself.
    this.serviceToken = this.handler.functionArn;

    // The handler reports failures to CloudFormation instead of throwing, so Lambda's Errors metric
    // does not see them: count its failure log lines instead.
    this.failureMetricNamespace = 'CdkPrivateWorkforce';
    this.failureMetricName = `HandlerFailures-${Stack.of(this).stackName}`.slice(0, 255);
    new logs.MetricFilter(this, 'FailureMetricFilter', {
      logGroup: this.logGroup,
      filterPattern: logs.FilterPattern.literal(`"${FAILURE_LOG_MARKER}"`),
      metricNamespace: this.failureMetricNamespace,
      metricName: this.failureMetricName,
      metricValue: '1',
    });
  }

  /**
   * Failed custom resource events (a wiring or invitation that did not complete), and Lambda errors.
   */
  public metricFailures(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    const failures = new cloudwatch.Metric({
      namespace: this.failureMetricNamespace,
      metricName: this.failureMetricName,
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...props,
    });
    return new cloudwatch.MathExpression({
      expression: 'FILL(failures, 0) + FILL(errors, 0)',
      usingMetrics: { failures, errors: this.handler.metricErrors({ statistic: 'Sum', period: Duration.minutes(5), ...props }) },
      label: 'Handler failures',
      period: props?.period ?? Duration.minutes(5),
    });
  }

  /**
   * A custom resource of `resourceType` served by this handler, as construct `Resource` of
   * `scope`. It depends on the role, so that the role exists before its first event.
   */
  public customResource(scope: Construct, resourceType: string, properties: object, serviceTimeout: Duration): CustomResource {
    const resource = new CustomResource(scope, 'Resource', {
      serviceTimeout,
      serviceToken: this.serviceToken,
      resourceType,
      properties: { ...properties },
    });
    resource.node.addDependency(this.role);
    return resource;
  }

  /**
   * An IAM policy of the handler's role for one custom resource, which the resource depends on: its
   * statements are in force from before its Create until after its Delete, the cleanup Delete of a
   * removed resource included (a statement in the role's shared default policy would be gone by
   * then: the new template's policies apply in the cleanup phase).
   */
  public grantsFor(resource: CustomResource, key?: string): HandlerGrants {
    // A key (for example the pool the resource works on) in the id: when the key changes, the old
    // policy is a removed resource, in force until the cleanup Delete of the old physical id is done.
    const id = key ? `HandlerPolicy${createHash('sha256').update(key).digest('hex').slice(0, 8).toUpperCase()}` : 'HandlerPolicy';
    // Beside the resource, not in it: the policy must not inherit the resource's own dependencies.
    const policy = new iam.Policy(resource.node.scope!, id, { roles: [this.role] });
    resource.node.addDependency(policy);
    // "No Lambda retries" must be in force for the resource's first event too.
    resource.node.addDependency(this.handler.node.findChild('EventInvokeConfig'));
    return new HandlerGrants(policy, this.handler);
  }
}

/** The statements one custom resource's events need, on exactly what it works on. */
export class HandlerGrants {
  constructor(
    /** The resource's own policy. */
    public readonly policy: iam.Policy,
    private readonly handler: lambda.IFunction,
  ) {}

  /** Cognito `actions` (API names) on one user pool. */
  public userPool(userPool: cognito.IUserPool, actions: string[]): void {
    this.policy.addStatements(new iam.PolicyStatement({
      actions: actions.map((action) => `cognito-idp:${action}`),
      resources: [userPool.userPoolArn],
    }));
  }

  /** Reading one asset object (and nothing else in the bucket). */
  public readAsset(asset: s3assets.Asset): void {
    this.policy.addStatements(new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: [`arn:${Aws.PARTITION}:s3:::${asset.s3BucketName}/${asset.s3ObjectKey}`],
    }));
  }

  /** DescribeStacks on the stack itself, to tell its Delete events apart, and the reads of it a resource needs. */
  public ownStack(...reads: Array<'ListStackResources' | 'GetTemplate'>): void {
    this.policy.addStatements(new iam.PolicyStatement({
      actions: ['cloudformation:DescribeStacks', ...reads.map((action) => `cloudformation:${action}`)],
      resources: [Aws.STACK_ID],
    }));
  }

  /** Invoking the handler itself, to go on with an event in a fresh invocation. */
  public invokeSelf(): void {
    this.policy.addStatements(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.handler.functionArn] }));
  }

  /** Any other statement. */
  public add(statement: iam.PolicyStatement): void {
    this.policy.addStatements(statement);
  }
}
