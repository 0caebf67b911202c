import { Match } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { newStack, onlyResource, templateOf } from './util';
import { PrivateWorkforce, Workers } from '../src';

function workforceIn(stack = newStack()) {
  return { stack, workforce: new PrivateWorkforce(stack, 'Workforce', { workforceName: 'labeling' }) };
}

describe('PrivateWorkforce.addWorkteam', () => {
  test('creates a Cognito group and a work team bound to it through the workforce\'s pool and client', () => {
    const { stack, workforce } = workforceIn();
    const team = workforce.addWorkteam('Cats', { description: 'Labels cat pictures', workteamName: 'cats' });
    const template = templateOf(stack);
    const pool = onlyResource(template, 'AWS::Cognito::UserPool').id;
    const client = onlyResource(template, 'AWS::Cognito::UserPoolClient').id;
    const group = onlyResource(template, 'AWS::Cognito::UserPoolGroup');
    expect(group.props).toEqual({ UserPoolId: { Ref: pool }, GroupName: 'workteam-cats', Description: 'Members of the SageMaker work team cats' });
    const wt = onlyResource(template, 'AWS::SageMaker::Workteam');
    expect(wt.props).toEqual({
      WorkteamName: 'cats',
      WorkforceName: 'labeling', // the name: Ref of AWS::SageMaker::Workforce is its ARN
      Description: 'Labels cat pictures',
      MemberDefinitions: [{
        CognitoMemberDefinition: { CognitoUserPool: { Ref: pool }, CognitoClientId: { Ref: client }, CognitoUserGroup: { Ref: group.id } },
      }],
    });
    expect(wt.resource.DependsOn).toContain(onlyResource(template, 'AWS::SageMaker::Workforce').id);
    expect(stack.resolve(team.workteamName)).toEqual({ 'Fn::GetAtt': [wt.id, 'WorkteamName'] });
    expect(stack.resolve(team.workteamArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:123456789012:workteam/private-crowd/', { 'Fn::GetAtt': [wt.id, 'WorkteamName'] }]],
    });
    expect(team.groupName).toBe('workteam-cats');
  });

  test('the team\'s workers are invited by the workforce\'s sender and kept in the group', () => {
    const { stack, workforce } = workforceIn();
    workforce.addWorkers(Workers.fromList([{ email: 'lead@example.com', username: 'lead' }]));
    workforce.addWorkteam('Cats', { description: 'Cats', workteamName: 'cats', workers: Workers.fromList([{ email: 'ana@example.com' }]) });
    const template = templateOf(stack);
    template.resourceCountIs('Custom::PrivateWorkforceInvitationSender', 1);
    const sender = onlyResource(template, 'Custom::PrivateWorkforceInvitationSender');
    expect(sender.props.ManagedGroups).toEqual(['workteam-cats']);
    expect(sender.props.WorkerSources).toEqual([{
      Inline: [
        { username: 'lead', email: 'lead@example.com' },
        { username: 'ana_at_example.com', email: 'ana@example.com', groups: ['workteam-cats'] },
      ],
    }]);
    expect(sender.resource.DependsOn).toContain(onlyResource(template, 'AWS::Cognito::UserPoolGroup').id);
    const actions = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement).flatMap((s: any) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['cognito-idp:ListUsersInGroup', 'cognito-idp:AdminAddUserToGroup', 'cognito-idp:AdminRemoveUserFromGroup']));
  });

  test('createNotificationTopic makes an encrypted, HTTPS-only topic SageMaker may publish to', () => {
    const { stack, workforce } = workforceIn();
    workforce.addWorkteam('Cats', { description: 'Cats', createNotificationTopic: true });
    const template = templateOf(stack);
    const topic = onlyResource(template, 'AWS::SNS::Topic');
    expect(topic.props.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/NotificationKey/), 'Arn'] });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'sagemaker.amazonaws.com' }, Action: ['kms:GenerateDataKey*', 'kms:Decrypt'] })]) },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Action: 'sns:Publish', Principal: { Service: 'sagemaker.amazonaws.com' } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SageMaker::Workteam', { NotificationConfiguration: { NotificationTopicArn: { Ref: topic.id } } });
  });

  test('an existing topic is used as is', () => {
    const { stack, workforce } = workforceIn();
    const topic = sns.Topic.fromTopicArn(stack, 'Topic', 'arn:aws:sns:us-east-1:123456789012:labeling');
    const team = workforce.addWorkteam('Cats', { description: 'Cats', notificationTopic: topic });
    templateOf(stack).hasResourceProperties('AWS::SageMaker::Workteam', { NotificationConfiguration: { NotificationTopicArn: 'arn:aws:sns:us-east-1:123456789012:labeling' } });
    expect(team.notificationTopic).toBe(topic);
  });

  test.each([
    ['a description that is empty', { description: '' }, '`description` must be 1 to 200 characters long, got 0: "".'],
    ['a description over 200 characters', { description: 'd'.repeat(201) }, `\`description\` must be 1 to 200 characters long, got 201: "${'d'.repeat(201)}".`],
    ['a name with an underscore', { description: 'd', workteamName: 'cat_team' },
      '`workteamName` must be letters, digits and hyphens, starting and ending with a letter or digit (pattern ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$), got: "cat_team".'],
    ['a name ending with a hyphen', { description: 'd', workteamName: 'cats-' },
      '`workteamName` must be letters, digits and hyphens, starting and ending with a letter or digit (pattern ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$), got: "cats-".'],
    ['both a topic and createNotificationTopic', { description: 'd', createNotificationTopic: true, notificationTopic: 'TOPIC' },
      '`notificationTopic` and `createNotificationTopic: true` cannot be combined: give a topic or let the work team create one.'],
  ])('refuses %s', (_what, options: any, message) => {
    const { stack, workforce } = workforceIn();
    const resolved = { ...options, notificationTopic: options.notificationTopic ? sns.Topic.fromTopicArn(stack, 'T', 'arn:aws:sns:us-east-1:123456789012:t') : undefined };
    expect(() => workforce.addWorkteam('Team', resolved)).toThrow(new Error(message));
  });

  test('refuses a 26th work team in one app', () => {
    const { workforce } = workforceIn();
    for (let i = 0; i < 25; i++) {
      workforce.addWorkteam(`Team${i}`, { description: 'd', workteamName: `team-${i}` });
    }
    expect(() => workforce.addWorkteam('Team25', { description: 'd' })).toThrow(new Error(
      'A private workforce can have at most 25 work teams per account and Region; this app defines 26 in 123456789012 us-east-1 (TestStack/Workforce/Team25).'));
  });
});
