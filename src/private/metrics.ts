import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as cognito from 'aws-cdk-lib/aws-cognito';

/** A Cognito metric of one app client of a pool (AWS/Cognito, by UserPool and UserPoolClient). */
export function cognitoClientMetric(
  userPool: cognito.IUserPool, client: cognito.IUserPoolClient, metricName: string, props?: cloudwatch.MetricOptions,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Cognito',
    metricName,
    dimensionsMap: { UserPool: userPool.userPoolId, UserPoolClient: client.userPoolClientId },
    statistic: 'Sum',
    period: Duration.minutes(5),
    ...props,
  });
}
