import { Match } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { newStack, onlyResource, templateOf } from './util';
import { PrivateWorkforce } from '../src';

describe('metrics and alarms', () => {
  test('metrics carry the pool, client and web ACL', () => {
    const stack = newStack();
    const workforce = new PrivateWorkforce(stack, 'Workforce');
    const template = templateOf(stack);
    const pool = onlyResource(template, 'AWS::Cognito::UserPool').id;
    const client = onlyResource(template, 'AWS::Cognito::UserPoolClient').id;
    for (const [metric, name] of [[workforce.metricSignInSuccesses(), 'SignInSuccesses'], [workforce.metricSignInThrottles(), 'SignInThrottles']] as const) {
      expect(metric.namespace).toBe('AWS/Cognito');
      expect(metric.metricName).toBe(name);
      expect(stack.resolve(metric.dimensions)).toEqual({ UserPool: { Ref: pool }, UserPoolClient: { Ref: client } });
      expect(metric.statistic).toBe('Sum');
    }
    const waf = workforce.metricWafBlockedRequests()!;
    expect(waf.namespace).toBe('AWS/WAFV2');
    expect(waf.dimensions).toEqual({ WebACL: onlyResource(template, 'AWS::WAFv2::WebACL').props.Name, Region: 'us-east-1', Rule: 'ALL' });
  });

  test('there is no WAF metric when the library did not create the web ACL', () => {
    const stack = newStack();
    const workforce = new PrivateWorkforce(stack, 'Workforce', { webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/corp/1' });
    expect(workforce.metricWafBlockedRequests()).toBeUndefined();
  });

  test('handler failures are counted from its log, as it reports failures instead of throwing', () => {
    const stack = newStack();
    new PrivateWorkforce(stack, 'Workforce');
    templateOf(stack).hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '"cdk-private-workforce-handler-failed"',
      MetricTransformations: [{ MetricNamespace: 'CdkPrivateWorkforce', MetricName: 'HandlerFailures-TestStack', MetricValue: '1' }],
    });
  });

  test('addAlarms raises alarms on throttling, WAF blocks and handler failures, to a topic', () => {
    const stack = newStack();
    const workforce = new PrivateWorkforce(stack, 'Workforce');
    const topic = new sns.Topic(stack, 'Ops', { enforceSSL: true });
    const alarms = workforce.addAlarms({ topic, wafBlockedRequestsThreshold: 500 });
    const template = templateOf(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    const topicRef = { Ref: onlyResource(template, 'AWS::SNS::Topic').id };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'SignInThrottles',
      Namespace: 'AWS/Cognito',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topicRef],
      OKActions: [topicRef],
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'BlockedRequests', Namespace: 'AWS/WAFV2', Threshold: 500 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'FILL(failures, 0) + FILL(errors, 0)' })]),
      Threshold: 1,
    });
    expect(alarms.wafBlockedRequestsAlarm).toBeDefined();
  });

  test('alarm thresholds are validated', () => {
    const stack = newStack();
    const workforce = new PrivateWorkforce(stack, 'Workforce');
    expect(() => workforce.addAlarms({ signInThrottleThreshold: 0 })).toThrow(new Error('`signInThrottleThreshold` must be a whole number from 1 to 1000000, got: 0.'));
  });
});
