// The benchmark's app for this library, as plain JavaScript (the library precompiled in lib/):
// one stack, one workforce, BENCH_WORKERS workers (default 2). Written to CDK_OUTDIR.
const { App, Stack } = require('aws-cdk-lib');
const { PrivateWorkforce, Workers } = require('../lib');

const app = new App();
const stack = new Stack(app, 'PrivateWorkforceStack', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
const count = Number(process.env.BENCH_WORKERS ?? 2);
new PrivateWorkforce(stack, 'Workforce', {
  workforceName: 'my-private-workforce',
  workers: Workers.fromList(Array.from({ length: count }, (_, i) => ({ email: `user${i}@example.com` }))),
});
app.synth();
