import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { WORKFORCE_ALARMS_TYPES } from './private/prop-specs';
import { checkPropTypes } from './private/prop-types';
import { checkRange } from './private/validation';

/**
 * Options of `PrivateWorkforce.addAlarms()`.
 */
export interface WorkforceAlarmsOptions {
  /**
   * Where alarms (and their return to OK) are sent.
   *
   * @default - no action; the alarms only show in CloudWatch
   */
  readonly topic?: sns.ITopic;

  /**
   * Throttled sign-ins in 5 minutes that raise the alarm.
   *
   * @default 1
   */
  readonly signInThrottleThreshold?: number;

  /**
   * WAF-blocked requests in 5 minutes that raise the alarm (a spike means an attack or workers
   * behind one address hitting the rate limit).
   *
   * @default 100
   */
  readonly wafBlockedRequestsThreshold?: number;
}

/**
 * Properties of `WorkforceAlarms`.
 */
export interface WorkforceAlarmsProps extends WorkforceAlarmsOptions {
  /** Throttled sign-ins. */
  readonly signInThrottles: cloudwatch.IMetric;
  /** Requests the web ACL blocked, when the library created it. */
  readonly wafBlockedRequests?: cloudwatch.IMetric;
  /** Errors of the handler that wires the portal and invites workers. */
  readonly handlerErrors: cloudwatch.IMetric;
}

/**
 * Alarms on what operators of a private workforce watch: sign-in throttling, WAF block spikes and
 * failures of the wiring and invitation handler.
 */
export class WorkforceAlarms extends Construct {
  /** Sign-ins are being throttled. */
  public readonly signInThrottlesAlarm: cloudwatch.Alarm;
  /** The web ACL blocks more requests than usual. */
  public readonly wafBlockedRequestsAlarm?: cloudwatch.Alarm;
  /** The handler failed (a deploy's wiring or invitations did not complete). */
  public readonly handlerErrorsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: WorkforceAlarmsProps) {
    super(scope, id);
    checkPropTypes(props, WORKFORCE_ALARMS_TYPES); // first: untyped callers get a clear error, not a TypeError
    checkRange('signInThrottleThreshold', props.signInThrottleThreshold, 1, 1_000_000);
    checkRange('wafBlockedRequestsThreshold', props.wafBlockedRequestsThreshold, 1, 1_000_000_000);

    const alarm = (alarmId: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      if (props.topic) {
        created.addAlarmAction(new actions.SnsAction(props.topic));
        created.addOkAction(new actions.SnsAction(props.topic));
      }
      return created;
    };
    this.signInThrottlesAlarm = alarm('SignInThrottles', props.signInThrottles, props.signInThrottleThreshold ?? 1,
      'Cognito throttled sign-ins to the labeling portal: workers cannot sign in. Check the UserAuthentication quota.');
    if (props.wafBlockedRequests) {
      this.wafBlockedRequestsAlarm = alarm('WafBlockedRequests', props.wafBlockedRequests, props.wafBlockedRequestsThreshold ?? 100,
        'The web ACL in front of the sign-in pages blocks many requests: an attack, or workers behind one address over the rate limit.');
    }
    this.handlerErrorsAlarm = alarm('HandlerErrors', props.handlerErrors, 1,
      'The handler that wires the labeling portal and invites workers failed: see its log group, then deploy again.');
  }
}
