import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { newStack, onlyResource, templateOf } from './util';
import { InvitationSender, PrivateWorkforce, PrivateWorkforceProps, WorkerRemovalPolicy, Workers } from '../src';

const SENDER = 'Custom::PrivateWorkforceInvitationSender';

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'workers-')), name);
  writeFileSync(path, text);
  return path;
}

function csvOf(count: number): string {
  return file('workers.csv', ['email', ...Array.from({ length: count }, (_, i) => `worker${i}@example.com`)].join('\n'));
}

function synthWorkforce(props: PrivateWorkforceProps) {
  const stack = newStack();
  const workforce = new PrivateWorkforce(stack, 'Workforce', { workforceName: 'labeling', ...props });
  return { stack, workforce, template: templateOf(stack) };
}

describe('InvitationSender in a PrivateWorkforce', () => {
  test('small lists travel inline, normalized, after the portal is wired', () => {
    const { template } = synthWorkforce({ workers: Workers.fromList([{ email: 'Ana@Example.com' }, { email: 'bo@example.com', username: 'bo' }]) });
    const sender = onlyResource(template, SENDER);
    const reconciler = onlyResource(template, 'Custom::PrivateWorkforceCallbackReconciler').id;
    expect(sender.props).toEqual({
      ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^CdkPrivateWorkforceHandler[0-9A-F]{8}$/), 'Arn'] },
      ServiceTimeout: '960',
      UserPoolId: { Ref: onlyResource(template, 'AWS::Cognito::UserPool').id },
      WorkerSources: [{ Inline: [{ username: 'ana_at_example.com', email: 'Ana@Example.com' }, { username: 'bo', email: 'bo@example.com' }] }],
      RemovedWorkers: 'RETAIN',
      MaxRequestsPerSecond: '48',
      MaxConcurrency: '16',
      PortalUrl: { 'Fn::GetAtt': [reconciler, 'PortalUrl'] },
    });
  });

  test('a file travels as an S3 asset the handler alone may read', () => {
    const { template } = synthWorkforce({ workers: Workers.fromFile(csvOf(3)) });
    const sources = onlyResource(template, SENDER).props.WorkerSources;
    expect(sources).toEqual([{ Bucket: 'cdk-hnb659fds-assets-123456789012-us-east-1', Key: expect.stringMatching(/^[0-9a-f]{64}\.json$/) }]);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => JSON.stringify(s.Action).includes('s3:'));
    expect(statements).toEqual([{
      Action: 's3:GetObject',
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::cdk-hnb659fds-assets-123456789012-us-east-1/${sources[0].Key}`]] },
    }]);
  });

  test('the template is the same size in resources for 1 and for 10,000 workers from a file', () => {
    const count = (t: Template) => Object.keys(t.toJSON().Resources).length;
    const one = synthWorkforce({ workers: Workers.fromFile(csvOf(1)) }).template;
    const many = synthWorkforce({ workers: Workers.fromFile(csvOf(10_000)) }).template;
    expect(count(many)).toBe(count(one));
    expect(JSON.stringify(many.toJSON()).length - JSON.stringify(one.toJSON()).length).toBe(0);
  });

  test('more than 100 inline workers also travel as an asset', () => {
    const workers = Workers.fromList(Array.from({ length: 101 }, (_, i) => ({ email: `w${i}@example.com` })));
    const sources = onlyResource(synthWorkforce({ workers }).template, SENDER).props.WorkerSources;
    expect(sources[0].Key).toMatch(/\.json$/);
  });

  test('the handler may create users; removal permissions come only with a removal policy', () => {
    const actionsOf = (t: Template) => Object.values(t.findResources('AWS::IAM::Policy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
      .flatMap((s: any) => [s.Action].flat())
      .filter((a: string) => a.startsWith('cognito-idp:Admin') || a === 'cognito-idp:ListUsers');
    const workers = Workers.fromList([{ email: 'a@example.com' }]);
    expect(actionsOf(synthWorkforce({ workers }).template).sort()).toEqual(['cognito-idp:AdminCreateUser', 'cognito-idp:ListUsers']);
    expect(actionsOf(synthWorkforce({ workers, removedWorkers: WorkerRemovalPolicy.DELETE }).template).sort())
      .toEqual(['cognito-idp:AdminCreateUser', 'cognito-idp:AdminDeleteUser', 'cognito-idp:AdminEnableUser', 'cognito-idp:ListUsers']);
  });

  test('addWorkers adds a source to the same sender', () => {
    const { workforce } = synthWorkforce({ workers: Workers.fromList([{ email: 'a@example.com' }]) });
    const stack2 = newStack();
    const wf = new PrivateWorkforce(stack2, 'Workforce', { workforceName: 'labeling' });
    expect(wf.invitations).toBeUndefined();
    wf.addWorkers(Workers.fromList([{ email: 'a@example.com' }]));
    wf.addWorkers(Workers.fromList([{ email: 'b@example.com' }]));
    const template = templateOf(stack2);
    template.resourceCountIs(SENDER, 1);
    expect(onlyResource(template, SENDER).props.WorkerSources).toHaveLength(2);
    expect(wf.invitations!.workerCount).toBe(2);
    expect(workforce.invitations!.workerCount).toBe(1);
  });

  test('warns beyond 50 invitations with Cognito\'s default email sender, not with SES', () => {
    const workers = Workers.fromList(Array.from({ length: 51 }, (_, i) => ({ email: `w${i}@example.com` })));
    const { stack } = synthWorkforce({ workers });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp("51 invitations, but Cognito's default email sender allows about 50 emails a day"));
    const ses = synthWorkforce({ workers, email: cognito.UserPoolEmail.withSES({ fromEmail: 'labeling@example.com', sesRegion: 'us-east-1' }) });
    Annotations.fromStack(ses.stack).hasNoWarning('*', Match.stringLikeRegexp('default email sender'));
    const fifty = synthWorkforce({ workers: Workers.fromList(Array.from({ length: 50 }, (_, i) => ({ email: `w${i}@example.com` }))) });
    Annotations.fromStack(fifty.stack).hasNoWarning('*', Match.stringLikeRegexp('default email sender'));
  });

  test('warns when one deploy cannot invite everybody within the handler\'s 15 minutes', () => {
    const { stack } = synthWorkforce({ workers: Workers.fromFile(csvOf(40_001)), sendInvitationEmails: false });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('^40001 workers: one deploy invites about 40000'));
    const fewer = synthWorkforce({ workers: Workers.fromFile(csvOf(40_000)), sendInvitationEmails: false });
    Annotations.fromStack(fewer.stack).hasNoWarning('*', Match.stringLikeRegexp('one deploy invites'));
  });

  test('sendInvitationEmails: false suppresses the emails, and the warning about them', () => {
    const workers = Workers.fromList(Array.from({ length: 60 }, (_, i) => ({ email: `w${i}@example.com` })));
    const { stack, template } = synthWorkforce({ workers, sendInvitationEmails: false });
    expect(onlyResource(template, SENDER).props.SuppressEmails).toBe('true');
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('default email sender'));
  });

  test('removedWorkers other than RETAIN needs a pool the library owns', () => {
    const stack = newStack();
    const userPool = cognito.UserPool.fromUserPoolId(stack, 'Pool', 'us-east-1_AbCdEf123');
    expect(() => new PrivateWorkforce(stack, 'Workforce', { userPool, removedWorkers: WorkerRemovalPolicy.DISABLE })).toThrow(new Error(
      '`removedWorkers: DISABLE` makes the worker list authoritative over every user of the pool, so it needs a pool the library creates; ' +
      'with an existing `userPool` use WorkerRemovalPolicy.RETAIN.'));
  });
});

describe('InvitationSender alone', () => {
  test('works on any pool, without a reconciler, with email user names', () => {
    const stack = newStack();
    const userPool = cognito.UserPool.fromUserPoolId(stack, 'Pool', 'us-east-1_AbCdEf123');
    new InvitationSender(stack, 'Invitations', { userPool, emailAsUsername: true, maxInvitationsPerSecond: 10, workers: Workers.fromList([{ email: 'ana@example.com' }]) });
    const sender = onlyResource(templateOf(stack), SENDER).props;
    expect(sender.WorkerSources).toEqual([{ Inline: [{ username: 'ana@example.com', email: 'ana@example.com' }] }]);
    expect(sender.MaxRequestsPerSecond).toBe('10');
    expect(sender.PortalUrl).toBeUndefined();
  });

  test.each([[0], [51], [2.5]])('maxInvitationsPerSecond %p is refused', (rate) => {
    const stack = newStack();
    const userPool = cognito.UserPool.fromUserPoolId(stack, 'Pool', 'us-east-1_AbCdEf123');
    expect(() => new InvitationSender(stack, 'Invitations', { userPool, maxInvitationsPerSecond: rate }))
      .toThrow(new Error(`\`maxInvitationsPerSecond\` must be a whole number from 1 to 50, got: ${rate}.`));
  });

  test('the same worker added twice with different emails is refused', () => {
    const stack = newStack();
    const userPool = cognito.UserPool.fromUserPoolId(stack, 'Pool', 'us-east-1_AbCdEf123');
    const sender = new InvitationSender(stack, 'Invitations', { userPool, workers: Workers.fromList([{ email: 'ana@example.com', username: 'ana' }]) });
    expect(() => sender.addWorkers(Workers.fromList([{ email: 'other@example.com', username: 'ANA' }])))
      .toThrow(new Error('Worker ANA is added twice with different emails (ana@example.com, other@example.com).'));
  });
});
