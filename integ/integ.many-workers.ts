// A few thousand workers from a CSV file. Cognito's default email sender sends about 50 emails a
// day, so this test creates the workers without invitation emails (SES would lift the limit).
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { assertWiring, integApp } from './integ-helpers';
import { PrivateWorkforce, Workers } from '../src';

const WORKERS = 3000;
const file = join(mkdtempSync(join(tmpdir(), 'integ-workers-')), 'workers.csv');
writeFileSync(file, ['email,username', ...Array.from({ length: WORKERS }, (_, i) => `integ-worker-${i}@example.com,integ-worker-${i}`)].join('\n'));

export const app = integApp();
export const stack = new Stack(app, 'ManyWorkers', { stackName: 'cdk-private-workforce-integ-many-workers' });
export const workforce = new PrivateWorkforce(stack, 'Workforce', {
  workforceName: 'cdk-private-workforce-integ-many',
  sourceIpCidrs: ['203.0.113.0/24', '198.51.100.0/24'],
  removalPolicy: RemovalPolicy.DESTROY,
  sendInvitationEmails: false,
  workers: Workers.fromFile(file),
});

const integ = new IntegTest(app, 'PrivateWorkforceManyWorkers', { testCases: [stack], stackUpdateWorkflow: false });
assertWiring(integ, workforce, { worker: `integ-worker-${WORKERS - 1}`, sourceIpCidrs: ['203.0.113.0/24', '198.51.100.0/24'] });

app.synth();
