// The example app: what a team drops into its own CDK app. `npm run demo` synthesizes it offline.
import { App, CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { PrivateWorkforce, Workers } from '../src';

/** One stack with a private workforce. */
export class LabelingStack extends Stack {
  public readonly workforce: PrivateWorkforce;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.workforce = new PrivateWorkforce(this, 'Workforce', {
      workforceName: 'example-labeling',
      sourceIpCidrs: ['203.0.113.0/24'],
      workers: Workers.fromList([
        { email: 'ana@example.com' },
        { email: 'bo@example.com', username: 'bo' },
      ]),
    });
    this.workforce.addWorkteam('Annotators', {
      description: 'Labels the example data set',
      workers: Workers.fromList([{ email: 'ana@example.com' }]),
      createNotificationTopic: true,
    });
    new CfnOutput(this, 'PortalUrl', { value: this.workforce.portalUrl, description: 'Labeling portal' });
    new CfnOutput(this, 'UserPoolId', { value: this.workforce.userPool.userPoolId });
  }
}

/** Builds the example app; `outdir` is where the cloud assembly goes. */
export function buildExampleApp(outdir?: string): App {
  const app = new App({ outdir, context: { 'aws:cdk:disable-creation-stack-traces': true } });
  new LabelingStack(app, 'LabelingStack', {
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  return app;
}

if (require.main === module) {
  buildExampleApp().synth();
}
