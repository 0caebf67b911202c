import { Names } from 'aws-cdk-lib';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
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
}

/**
 * A regional WAF web ACL for a Cognito user pool: the AWS managed rule groups for common threats,
 * known bad inputs and IP reputation, then a per-IP rate limit, with CloudWatch metrics on each.
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

  /** The ARN of the web ACL. */
  public readonly webAclArn: string;
  /** The name of the web ACL, which is also the name its CloudWatch metrics are published under. */
  public readonly metricName: string;
  /** The underlying web ACL. */
  public readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: WorkforceWebAclProps = {}) {
    super(scope, id);
    validateWebAclProps(props);

    this.metricName = Names.uniqueResourceName(this, { maxLength: 128 });
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const managedRules = WorkforceWebAcl.MANAGED_RULE_GROUPS.map((name, priority): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      visibilityConfig: visibility(name),
    }));
    const rateLimitRule: wafv2.CfnWebACL.RuleProperty = {
      name: 'RateLimitPerIp',
      priority: managedRules.length,
      action: { block: {} },
      statement: { rateBasedStatement: { limit: props.rateLimit ?? 1000, aggregateKeyType: 'IP' } },
      visibilityConfig: visibility('RateLimitPerIp'),
    };

    this.webAcl = new wafv2.CfnWebACL(this, 'Resource', {
      name: this.metricName, // named, so that its CloudWatch metrics can be found by name
      scope: 'REGIONAL',
      description: 'Protects the Cognito user pool of a SageMaker private workforce',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(this.metricName),
      rules: [...managedRules, rateLimitRule],
    });
    this.webAclArn = this.webAcl.attrArn;
  }
}
