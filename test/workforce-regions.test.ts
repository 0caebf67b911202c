import { readFileSync } from 'fs';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { OUTPUT, renderWorkforceRegions } from '../scripts/workforce-regions';
import { PrivateWorkforce } from '../src';

const stackIn = (region: string | undefined) => new Stack(new App(), 'Labeling', region ? { env: { account: '123456789012', region } } : {});

describe('the Regions where AWS::SageMaker::Workforce exists', () => {
  test('the library\'s table is what AWS\'s data says today (regenerate with scripts/workforce-regions.ts)', () => {
    expect(readFileSync(OUTPUT, 'utf-8')).toBe(renderWorkforceRegions());
  });

  test.each(['us-east-1', 'eu-west-1', 'ap-northeast-1', 'me-south-1'])('a stack in %s synthesizes', (region) => {
    expect(() => new PrivateWorkforce(stackIn(region), 'Workforce')).not.toThrow();
  });

  test.each(['eu-north-1', 'sa-east-1', 'us-west-1'])('a stack in %s is refused, naming the Region and where a workforce can be', (region) => {
    expect(() => new PrivateWorkforce(stackIn(region), 'Workforce')).toThrow(
      new RegExp(`^AWS::SageMaker::Workforce does not exist in ${region} \\(CloudFormation registry data\\); a private workforce can be created in: ap-northeast-1, .*us-east-1, us-east-2, .*us-west-2\\.$`));
  });

  test('an environment-agnostic stack (token Region) is not checked', () => {
    expect(() => new PrivateWorkforce(stackIn(undefined), 'Workforce')).not.toThrow();
  });

  test('a Region the data does not cover gets one warning', () => {
    const stack = stackIn('xx-newregion-1');
    new PrivateWorkforce(stack, 'Workforce');
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('Region xx-newregion-1 is not in the CloudFormation registry data'));
    expect(warnings).toHaveLength(1);
  });
});
