import { ArnFormat, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { WORKFORCE_WEB_ACL_TYPES } from './private/prop-specs';
import { checkPropTypes } from './private/prop-types';
import { validateWebAclProps } from './private/web-acl-validation';

/**
 * Properties of a `WorkforceWebAcl`.
 */
export interface WorkforceWebAclProps {
  /**
   * Requests one IP address may send in any 5-minute window before it is blocked
   * (10 to 2,000,000,000). Workers behind one NAT share an address: raise it for large offices.
   *
   * @default 1000
   * @see https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based.html
   */
  readonly rateLimit?: number;

  /**
   * Countries (ISO 3166 alpha-2 codes such as `DE`) requests may come from; requests from anywhere
   * else are blocked.
   *
   * @default - requests from every country are allowed
   */
  readonly allowedCountryCodes?: string[];

  /**
   * More rules, evaluated after the library's. Their priorities must not collide with each other
   * or with the library's (0 to 4; see `WorkforceWebAcl.LIBRARY_RULE_PRIORITIES`).
   *
   * @default - none
   */
  readonly extraRules?: wafv2.CfnWebACL.RuleProperty[];

  /**
   * Whether to log the web ACL's requests to a CloudWatch log group (named `aws-waf-logs-...`,
   * as WAF requires).
   *
   * @default true
   * @see https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html
   */
  readonly logging?: boolean;

  /**
   * How long the WAF log group keeps its logs.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A regional WAF web ACL for a Cognito user pool: an optional country allow-list, the AWS managed
 * rule groups for common threats, known bad inputs and IP reputation, a per-IP rate limit, then your
 * own rules; CloudWatch metrics on each, and request logs in CloudWatch Logs.
 *
 * Cognito does not allow the account-takeover-prevention (ATP) managed rule group.
 *
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-waf.html
 */
export class WorkforceWebAcl extends Construct {
  /** The names of the AWS managed rule groups the web ACL evaluates, in order. */
  public static readonly MANAGED_RULE_GROUPS: string[] = [
    'AWSManagedRulesCommonRuleSet',
    'AWSManagedRulesKnownBadInputsRuleSet',
    'AWSManagedRulesAmazonIpReputationList',
  ];

  /** The priorities the library's own rules may use; `extraRules` need others. */
  public static readonly LIBRARY_RULE_PRIORITIES: number[] = [0, 1, 2, 3, 4];

  /** The ARN of the web ACL. */
  public readonly webAclArn: string;
  /** The name of the web ACL, which is also the name its CloudWatch metrics are published under. */
  public readonly metricName: string;
  /** The underlying web ACL. */
  public readonly webAcl: wafv2.CfnWebACL;
  /** The log group of the web ACL's requests, when logging is on. */
  public readonly logGroup?: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: WorkforceWebAclProps = {}) {
    super(scope, id);
    checkPropTypes(props, WORKFORCE_WEB_ACL_TYPES); // first: untyped callers get a clear error, not a TypeError
    validateWebAclProps(props);

    this.metricName = Names.uniqueResourceName(this, { maxLength: 128 });
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const rules: wafv2.CfnWebACL.RuleProperty[] = [];
    if (props.allowedCountryCodes) {
      rules.push({
        name: 'AllowedCountriesOnly',
        priority: 0,
        action: { block: {} },
        statement: { notStatement: { statement: { geoMatchStatement: { countryCodes: props.allowedCountryCodes } } } },
        visibilityConfig: visibility('AllowedCountriesOnly'),
      });
    }
    WorkforceWebAcl.MANAGED_RULE_GROUPS.forEach((name, i) => rules.push({
      name,
      priority: i + 1,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      visibilityConfig: visibility(name),
    }));
    rules.push({
      name: 'RateLimitPerIp',
      priority: WorkforceWebAcl.MANAGED_RULE_GROUPS.length + 1,
      action: { block: {} },
      statement: { rateBasedStatement: { limit: props.rateLimit ?? 1000, aggregateKeyType: 'IP' } },
      visibilityConfig: visibility('RateLimitPerIp'),
    });

    this.webAcl = new wafv2.CfnWebACL(this, 'Resource', {
      name: this.metricName, // named, so that its CloudWatch metrics can be found by name
      scope: 'REGIONAL',
      description: 'Protects the Cognito user pool of a SageMaker private workforce',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(this.metricName),
      rules: [...rules, ...(props.extraRules ?? [])],
    });
    this.webAclArn = this.webAcl.attrArn;

    if (props.logging ?? true) {
      // WAF delivers only to log groups named aws-waf-logs-*, addressed without the ":*" suffix.
      const logGroupName = `aws-waf-logs-${Names.uniqueResourceName(this, { maxLength: 100 })}`;
      this.logGroup = new logs.LogGroup(this, 'LogGroup', {
        logGroupName,
        retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const logging = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
        resourceArn: this.webAcl.attrArn,
        logDestinationConfigs: [Stack.of(this).formatArn({
          service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        })],
      });
      logging.node.addDependency(this.logGroup);
    }
  }
}
