import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { harness, synth } from './harness';
import { PrivateWorkforce, Workers } from '../../src';

/** A CSV file of `count` workers. */
function workersFile(count: number): string {
  const file = join(mkdtempSync(join(tmpdir(), 'workers-')), 'workers.csv');
  writeFileSync(file, ['email', ...Array.from({ length: count }, (_, i) => `worker${i}@example.com`)].join('\n'));
  return file;
}

describe('inviting thousands of workers within the UserCreation quota', () => {
  const file = workersFile(10_000);
  const stack = synth((s) => {
    new PrivateWorkforce(s, 'Workforce', { workforceName: 'labeling', workers: Workers.fromFile(file) });
  });

  test('10,000 workers, no throttling: all invited once, within 10% of 10,000 / 50 s', async () => {
    const h = harness();
    const started = h.clock.now();
    await h.cfn.deploy(stack);
    const seconds = (h.clock.now() - started) / 1000;

    expect(h.cognito.sentEmails).toHaveLength(10_000);
    expect(new Set(h.cognito.sentEmails.map((e) => e.to)).size).toBe(10_000);
    expect(h.cognito.count('AdminCreateUser')).toBe(10_000);
    expect(h.cognito.throttled).toBe(0); // the client-side limit keeps under the quota
    expect(seconds).toBeLessThanOrEqual((10_000 / 50) * 1.1);
    expect(seconds).toBeGreaterThanOrEqual(10_000 / 50);
  });

  test('10,000 workers with 30% of calls throttled: all invited, none twice', async () => {
    const h = harness({ throttleRate: 0.3, throttledOperations: ['AdminCreateUser'] });
    await h.cfn.deploy(stack);

    expect(h.cognito.throttled).toBeGreaterThan(2_000);
    expect(h.cognito.sentEmails).toHaveLength(10_000);
    expect(new Set(h.cognito.sentEmails.map((e) => e.username)).size).toBe(10_000);
    expect(h.cognito.users(h.cfn.physicalIdOf('AWS::Cognito::UserPool'))).toHaveLength(10_000);
    expect(h.cognito.violations).toEqual([]);
    // A redeploy with the same list invites nobody.
    const sender = h.cfn.invocations.find((i) => i.resourceType === 'Custom::PrivateWorkforceInvitationSender')!;
    expect(sender.data).toMatchObject({ Workers: 10_000, Invited: 10_000, AlreadyPresent: 0 });
  });
});

describe('any list in one deploy: the event goes on in fresh invocations', () => {
  /** The stack, with the handler's Lambda timeout planted shorter so that a few thousand workers need several invocations. */
  function withTimeout(count: number, seconds: number) {
    const file = workersFile(count);
    const stack = synth((s) => {
      new PrivateWorkforce(s, 'Workforce', { workforceName: 'labeling', workers: Workers.fromFile(file), sendInvitationEmails: false });
    });
    for (const resource of Object.values<any>(stack.template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')) {
      resource.Properties.Timeout = seconds;
    }
    return stack;
  }

  test('3,000 workers through a 60-second Lambda: five invocations, one answer, nobody invited twice, no run past its time', async () => {
    const h = harness();
    const invocations = await h.cfn.deploy(withTimeout(3_000, 60));
    const sender = invocations.find((i) => i.resourceType === 'Custom::PrivateWorkforceInvitationSender')!;
    expect(sender.data).toMatchObject({ Workers: 3_000, Invited: 3_000, AlreadyPresent: 0 });
    expect(Number(sender.data!.Runs)).toBeGreaterThanOrEqual(3);
    expect(sender.runs).toBe(Number(sender.data!.Runs));
    expect(h.cognito.count('AdminCreateUser')).toBe(3_000);
    expect(h.cognito.users(h.cfn.physicalIdOf('AWS::Cognito::UserPool'))).toHaveLength(3_000);
    expect(h.cfn.failures.filter((f) => f.operation === 'LAMBDA')).toEqual([]); // no invocation ran past its timeout
    expect(h.lambda.requests.every((r) => r.invocationType === 'Event')).toBe(true);
    expect(h.lambda.violations).toEqual([]);
  });

  test('negative control: without continuing, the same list runs past the Lambda\'s time and CloudFormation gets no answer', async () => {
    const h = harness();
    // Plant a handler that ignores its deadline: the time limit never reaches the loop.
    const stack = withTimeout(3_000, 60);
    const original = h.handler;
    (h.cfn as any).dispatch = (event: any, context: any) => original(event, { ...context, getRemainingTimeInMillis: () => 3_600_000 });
    await expect(h.cfn.deploy(stack)).rejects.toThrow(/did not receive a response|ROLLBACK/);
    expect(h.cfn.failures.filter((f) => f.operation === 'LAMBDA').length).toBeGreaterThan(0);
  });
});
