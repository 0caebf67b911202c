import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import { newStack, onlyResource, templateOf } from './util';
import { InvitationSender, PrivateWorkforce, PrivateWorkforceProps, WorkerRemovalPolicy, Workers } from '../src';
import { PLAN_ACTIONS } from '../src/cli/live-plan';

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
      ServiceTimeout: '3600', // CloudFormation's longest wait: long lists go on in fresh invocations
      PoolOwned: 'true',
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
    // A pool of the app: the list decides emails, and a worker the sender disabled comes back under any policy.
    const always = ['cognito-idp:AdminCreateUser', 'cognito-idp:AdminEnableUser', 'cognito-idp:AdminRemoveUserFromGroup', 'cognito-idp:AdminUpdateUserAttributes', 'cognito-idp:ListUsers'];
    expect(actionsOf(synthWorkforce({ workers }).template).sort()).toEqual(always);
    expect(actionsOf(synthWorkforce({ workers, removedWorkers: WorkerRemovalPolicy.DELETE }).template).sort()).toEqual([...always, 'cognito-idp:AdminDeleteUser'].sort());
    expect(actionsOf(synthWorkforce({ workers, removedWorkers: WorkerRemovalPolicy.DISABLE }).template).sort()).toEqual([...always, 'cognito-idp:AdminDisableUser'].sort());
  });

  test('addWorkers adds to the same sender: every list travels together', () => {
    const { workforce } = synthWorkforce({ workers: Workers.fromList([{ email: 'a@example.com' }]) });
    const stack2 = newStack();
    const wf = new PrivateWorkforce(stack2, 'Workforce', { workforceName: 'labeling' });
    expect(wf.invitations).toBeUndefined();
    wf.addWorkers(Workers.fromList([{ email: 'a@example.com' }]));
    wf.addWorkers(Workers.fromList([{ email: 'b@example.com' }]));
    const template = templateOf(stack2);
    template.resourceCountIs(SENDER, 1);
    expect(onlyResource(template, SENDER).props.WorkerSources).toEqual([{
      Inline: [
        { username: 'a_at_example.com', email: 'a@example.com' }, { username: 'b_at_example.com', email: 'b@example.com' },
      ],
    }]);
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

  test('a list too long for one deploy is refused at synth, naming its size and the limit', () => {
    expect(() => synthWorkforce({ workers: Workers.fromFile(csvOf(150_000)), sendInvitationEmails: false })).toThrow(
      'TestStack/Workforce/InvitationSender: 150000 workers do not fit in one deploy: CloudFormation waits an hour at most, which is about 100800 invitations ' +
      'at 48 per second, with room for throttling. Deploy the list in parts, across deploys.');
    expect(() => synthWorkforce({ workers: Workers.fromFile(csvOf(100_000)), sendInvitationEmails: false })).not.toThrow();
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
      '`removedWorkers: DISABLE` makes the worker list authoritative over every user of the pool, so it needs a user pool created in this app; ' +
      'with an existing pool use WorkerRemovalPolicy.RETAIN.'));
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

  test('one user name spelled two ways across the lists is refused: a case-sensitive pool has two users there', () => {
    const stack = newStack();
    const userPool = cognito.UserPool.fromUserPoolId(stack, 'Pool', 'us-east-1_AbCdEf123');
    const sender = new InvitationSender(stack, 'Invitations', { userPool, workers: Workers.fromList([{ email: 'alice@example.com', username: 'Alice' }]) });
    expect(() => sender.addGroupMembers('reviewers', Workers.fromList([{ email: 'alice@example.com', username: 'alice' }])))
      .toThrow(new Error('Worker alice is also listed as Alice: in a case-sensitive user pool those are two users. Spell the user name the same way in every list of this sender.'));
    // The same spelling is the same worker, in as many lists as it likes.
    sender.addGroupMembers('reviewers', Workers.fromList([{ email: 'alice@example.com', username: 'Alice' }]));
  });
});

describe('InvitationSender: the guard where the power is (synth)', () => {
  const ownPool = (stack: ReturnType<typeof newStack>) => new cognito.UserPool(stack, 'Pool');

  test('an unknown removedWorkers (an untyped caller\'s "retain") is refused, never taken for another', () => {
    const stack = newStack();
    expect(() => new InvitationSender(stack, 'Invitations', { userPool: ownPool(stack), removedWorkers: 'retain' as WorkerRemovalPolicy }))
      .toThrow(new Error('`removedWorkers` must be one of WorkerRemovalPolicy.RETAIN, WorkerRemovalPolicy.DISABLE, WorkerRemovalPolicy.DELETE, got: "retain" (a string).'));
  });

  test('DISABLE or DELETE with an empty list is refused at synth (a header-only CSV deletes nobody)', () => {
    const stack = newStack();
    new InvitationSender(stack, 'Invitations', { userPool: ownPool(stack), removedWorkers: WorkerRemovalPolicy.DELETE, workers: Workers.fromFile(file('workers.csv', 'email\n')) });
    expect(() => templateOf(stack)).toThrow(/`removedWorkers: DELETE` with an empty worker list would remove every user of the pool: add workers, or use WorkerRemovalPolicy.RETAIN\./);
  });

  test('a PrivateWorkforce with DISABLE and no workers is refused at synth', () => {
    const stack = newStack();
    new PrivateWorkforce(stack, 'Workforce', { workforceName: 'labeling', removedWorkers: WorkerRemovalPolicy.DISABLE });
    expect(() => templateOf(stack)).toThrow(/`removedWorkers: DISABLE` with an empty worker list/);
  });

  test('an authoritative sender is its pool\'s only sender, whichever comes first; the error names both', () => {
    const workers = Workers.fromList([{ email: 'ana@example.com' }]);
    const tail = ', and a sender with `removedWorkers` DISABLE or DELETE must be its pool\'s only one: give the workers to one sender.';
    const stack = newStack();
    const userPool = ownPool(stack);
    new InvitationSender(stack, 'First', { userPool, removedWorkers: WorkerRemovalPolicy.DISABLE, workers });
    expect(() => new InvitationSender(stack, 'Second', { userPool, removedWorkers: WorkerRemovalPolicy.DELETE, workers })).toThrow(new Error(
      `The user pool TestStack/Pool already has an authoritative InvitationSender (TestStack/First); TestStack/Second would be a second${tail}`));
    expect(() => new InvitationSender(stack, 'Retaining', { userPool, workers })).toThrow(new Error(
      `The user pool TestStack/Pool already has an authoritative InvitationSender (TestStack/First); TestStack/Retaining would be a second${tail}`));
    const other = newStack();
    const otherPool = ownPool(other);
    new InvitationSender(other, 'Retaining', { userPool: otherPool, workers });
    new InvitationSender(other, 'AlsoRetaining', { userPool: otherPool, workers }); // RETAIN senders may share a pool
    expect(() => new InvitationSender(other, 'Authoritative', { userPool: otherPool, removedWorkers: WorkerRemovalPolicy.DISABLE, workers })).toThrow(new Error(
      `The user pool TestStack/Pool already has an InvitationSender (TestStack/Retaining); TestStack/Authoritative would be a second${tail}`));
  });

  test('removeWorkersOnStackDelete needs DISABLE or DELETE', () => {
    const stack = newStack();
    expect(() => new InvitationSender(stack, 'Invitations', { userPool: ownPool(stack), removeWorkersOnStackDelete: true }))
      .toThrow(new Error('`removeWorkersOnStackDelete: true` needs `removedWorkers` WorkerRemovalPolicy.DISABLE or WorkerRemovalPolicy.DELETE, got: "RETAIN".'));
  });

  test('inline means small per sender: 60 + 60 workers in two lists travel as one asset', () => {
    const stack = newStack();
    const sender = new InvitationSender(stack, 'Invitations', { userPool: ownPool(stack) });
    const list = (from: number) => Workers.fromList(Array.from({ length: 60 }, (_, i) => ({ email: `w${from + i}@example.com` })));
    sender.addWorkers(list(0));
    sender.addGroupMembers('team', list(60));
    const sources = onlyResource(templateOf(stack), SENDER).props.WorkerSources;
    expect(sources).toEqual([{ Bucket: expect.any(String), Key: expect.stringMatching(/\.json$/) }]);
  });

  test('the staged worker file lives in the cloud assembly, not in a temp folder', () => {
    const inTemp = () => readdirSync(tmpdir()).filter((d: string) => d.startsWith('cdk-private-workforce-workers-'));
    const before = inTemp();
    const stack = newStack();
    new InvitationSender(stack, 'Invitations', { userPool: ownPool(stack), workers: Workers.fromFile(csvOf(3)) });
    const assembly = (stack.node.root as App).synth();
    const asset = Object.values<any>(JSON.parse(readFileSync(join(assembly.directory, 'TestStack.assets.json'), 'utf-8')).files)
      .find((f) => String(f.source.path).endsWith('.json'));
    expect(asset).toBeDefined();
    const staged = readdirSync(join(assembly.directory, 'cdk-private-workforce-workers'));
    expect(staged).toHaveLength(1);
    expect(inTemp()).toEqual(before);
  });

  test('the sender\'s permissions are a policy of its own that it depends on (in force for its last Delete)', () => {
    const { template } = synthWorkforce({ workers: Workers.fromList([{ email: 'a@example.com' }]) });
    const sender = onlyResource(template, SENDER);
    const policies = template.findResources('AWS::IAM::Policy');
    const own = Object.entries<any>(policies).find(([id]) => [sender.resource.DependsOn].flat().includes(id));
    expect(own).toBeDefined();
    const actions = own![1].Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['cognito-idp:AdminCreateUser', 'cloudformation:DescribeStacks', 'lambda:InvokeFunction']));
    const statement = own![1].Properties.PolicyDocument.Statement.find((s: any) => s.Action === 'cloudformation:DescribeStacks');
    expect(statement.Resource).toEqual({ Ref: 'AWS::StackId' });
  });

  test('the handler has no Lambda retries of its own, an event age below every ServiceTimeout, and knows its stack and its fence table', () => {
    const { template } = synthWorkforce({ workers: Workers.fromList([{ email: 'a@example.com' }]) });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 600, Qualifier: '$LATEST' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          CDK_PRIVATE_WORKFORCE_STACK_ID: { Ref: 'AWS::StackId' },
          CDK_PRIVATE_WORKFORCE_FENCE_TABLE: { Ref: Match.stringLikeRegexp('^CdkPrivateWorkforceHandlerFence') },
        },
      },
    });
    // The fence argument: no event waits in Lambda's queue as long as CloudFormation waits for an answer.
    const age = Object.values<any>(template.findResources('AWS::Lambda::EventInvokeConfig'))[0].Properties.MaximumEventAgeInSeconds;
    for (const resource of Object.values<any>(template.toJSON().Resources).filter((r) => r.Type.startsWith('Custom::'))) {
      expect(Number(resource.Properties.ServiceTimeout)).toBeGreaterThan(age);
    }
  });
});

describe('grantPlan: what the access plan command needs, and no more', () => {
  const statementsOf = (template: Template, roleId: string) => Object.values<any>(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);

  test.each(['PrivateWorkforce', 'InvitationSender'])('%s.grantPlan: reads of the stack, the pool and the fence table', (kind) => {
    const stack = newStack();
    const role = new iam.Role(stack, 'Reviewer', { assumedBy: new iam.AccountRootPrincipal() });
    const workforce = new PrivateWorkforce(stack, 'Workforce', { workforceName: 'labeling', workers: Workers.fromList([{ email: 'a@example.com' }]) });
    (kind === 'PrivateWorkforce' ? workforce : workforce.invitations!).grantPlan(role);
    const statements = statementsOf(templateOf(stack), 'Reviewer');
    expect(statements).toEqual([
      { Action: ['cloudformation:DescribeStacks', 'cloudformation:ListStackResources'], Effect: 'Allow', Resource: expect.objectContaining({ 'Fn::Join': expect.anything() }) },
      { Action: ['cognito-idp:DescribeUserPool', 'cognito-idp:ListUsers', 'cognito-idp:ListUsersInGroup'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^WorkforceCognitoUserPool/), 'Arn'] } },
      { Action: 'dynamodb:Query', Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^CdkPrivateWorkforceHandlerFence/), 'Arn'] } },
    ]);
    // The command's own list of actions is exactly what is granted.
    expect(statements.flatMap((s: any) => [s.Action].flat()).sort()).toEqual([...PLAN_ACTIONS].sort());
  });

  test('an untyped caller gets a clear error', () => {
    const stack = newStack();
    const workforce = new PrivateWorkforce(stack, 'Workforce', { workforceName: 'labeling' });
    expect(() => workforce.grantPlan('reviewer' as any)).toThrow(/`grantee` must be an iam.IGrantable/);
  });
});
