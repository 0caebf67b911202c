import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as logs from 'aws-cdk-lib/aws-logs';
import { newStack, onlyResource, templateOf } from './util';
import { CognitoBackbone, PrivateWorkforce } from '../src';

describe('CognitoBackbone with a new user pool', () => {
  const stack = newStack();
  const backbone = new CognitoBackbone(stack, 'Cognito');
  const template = templateOf(stack);

  test('only admins can create users', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: Match.objectLike({ AllowAdminCreateUserOnly: true }),
    });
  });

  test('users sign in with user name or email, case-insensitively', () => {
    const pool = onlyResource(template, 'AWS::Cognito::UserPool').props;
    expect(pool.AliasAttributes).toEqual(['email']);
    expect(pool.UsernameAttributes).toBeUndefined();
    expect(pool.UsernameConfiguration).toEqual({ CaseSensitive: false });
    expect(pool.AutoVerifiedAttributes).toEqual(['email']);
  });

  test('MFA is required, with TOTP only', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
    });
  });

  test('the password policy is strong', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
          TemporaryPasswordValidityDays: 7,
        },
      },
    });
  });

  test('accounts recover by verified email only', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
    });
  });

  test('the feature plan is Plus with full threat protection', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
  });

  test('the template invitation has no portal URL yet, and still the placeholders Cognito needs', () => {
    const invite = onlyResource(template, 'AWS::Cognito::UserPool').props.AdminCreateUserConfig.InviteMessageTemplate;
    expect(invite.EmailSubject).toBe('You are invited to a labeling workforce');
    expect(invite.EmailMessage).toContain('{username}');
    expect(invite.EmailMessage).toContain('{####}');
    expect(invite.EmailMessage).not.toContain('{portalUrl}');
    expect(invite.EmailMessage).toContain('the labeling portal');
  });

  test('the pool is retained and protected from deletion by default, and deleted by a failed first deploy', () => {
    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtection: 'ACTIVE' }),
    });
  });

  test('deletionProtection: false leaves the template\'s protection off (PrivateWorkforce\'s reconciler turns it on)', () => {
    const backboneStack = newStack();
    new CognitoBackbone(backboneStack, 'Cognito', { deletionProtection: false });
    templateOf(backboneStack).hasResourceProperties('AWS::Cognito::UserPool', { DeletionProtection: 'INACTIVE' });
    const workforceStack = newStack();
    new PrivateWorkforce(workforceStack, 'Workforce', { workforceName: 'labeling' });
    templateOf(workforceStack).hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'RetainExceptOnCreate',
      Properties: Match.objectLike({ DeletionProtection: 'INACTIVE' }),
    });
  });

  test('the app client uses the code flow with a secret and a placeholder callback', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['email', 'openid', 'profile'],
      SupportedIdentityProviders: ['COGNITO'],
      CallbackURLs: [CognitoBackbone.PLACEHOLDER_CALLBACK_URL],
      LogoutURLs: [CognitoBackbone.PLACEHOLDER_LOGOUT_URL],
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      AccessTokenValidity: 60,
      IdTokenValidity: 60,
      RefreshTokenValidity: 43200,
    });
  });

  test('the domain prefix is derived from the stack UUID, never from synth-time randomness', () => {
    const domain = onlyResource(template, 'AWS::Cognito::UserPoolDomain').props.Domain;
    expect(domain).toEqual({
      'Fn::Join': ['-', [
        `workforce-${backbone.node.addr.slice(0, 8)}`,
        { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] },
      ]],
    });
    // Synthesizing again gives the same prefix.
    const again = newStack();
    new CognitoBackbone(again, 'Cognito');
    expect(onlyResource(templateOf(again), 'AWS::Cognito::UserPoolDomain').props.Domain).toEqual(domain);
  });

  test('a WAF web ACL with the managed rule groups and a rate limit protects the pool', () => {
    const acl = onlyResource(template, 'AWS::WAFv2::WebACL');
    expect(acl.props.Scope).toBe('REGIONAL');
    expect(acl.props.DefaultAction).toEqual({ Allow: {} });
    expect(acl.props.VisibilityConfig.CloudWatchMetricsEnabled).toBe(true);
    expect(acl.props.Rules.map((r: any) => [r.Priority, r.Name])).toEqual([
      [1, 'AWSManagedRulesCommonRuleSet'],
      [2, 'AWSManagedRulesKnownBadInputsRuleSet'],
      [3, 'AWSManagedRulesAmazonIpReputationList'],
      [4, 'RateLimitPerIp'],
    ]);
    expect(acl.props.Rules[3].Statement.RateBasedStatement).toEqual({ Limit: 1000, AggregateKeyType: 'IP' });
    expect(acl.props.Rules[3].Action).toEqual({ Block: {} });
    for (const rule of acl.props.Rules) {
      expect(rule.VisibilityConfig.CloudWatchMetricsEnabled).toBe(true);
    }
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: { 'Fn::GetAtt': [onlyResource(template, 'AWS::Cognito::UserPool').id, 'Arn'] },
      WebACLArn: { 'Fn::GetAtt': [acl.id, 'Arn'] },
    });
  });

  test('the web ACL logs to an aws-waf-logs-* group kept three months', () => {
    const acl = onlyResource(template, 'AWS::WAFv2::WebACL');
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup')).map((g: any) => g.Properties);
    const waf = groups.find((g) => typeof g.LogGroupName === 'string' && g.LogGroupName.startsWith('aws-waf-logs-'));
    expect(waf).toEqual({ LogGroupName: expect.stringMatching(/^aws-waf-logs-/), RetentionInDays: 90 });
    template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      ResourceArn: { 'Fn::GetAtt': [acl.id, 'Arn'] },
      LogDestinationConfigs: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:logs:us-east-1:123456789012:log-group:${waf.LogGroupName}`]] }],
    });
  });

  test('user-activity logs and notification errors go to a vended-logs group with one year retention', () => {
    const found = template.findResources('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 365 } });
    const [groupId] = Object.keys(found);
    const group = { id: groupId, props: found[groupId].Properties, resource: found[groupId] };
    expect(group.props.RetentionInDays).toBe(365);
    expect(group.props.LogGroupName).toEqual({ 'Fn::Join': ['', ['/aws/vendedlogs/cognito/', { Ref: onlyResource(template, 'AWS::Cognito::UserPool').id }]] });
    expect(group.resource.DeletionPolicy).toBe('RetainExceptOnCreate');
    const arn = { 'Fn::GetAtt': [group.id, 'Arn'] };
    template.hasResourceProperties('AWS::Cognito::LogDeliveryConfiguration', {
      LogConfigurations: [
        { EventSource: 'userNotification', LogLevel: 'ERROR', CloudWatchLogsConfiguration: { LogGroupArn: arn } },
        { EventSource: 'userAuthEvents', LogLevel: 'INFO', CloudWatchLogsConfiguration: { LogGroupArn: arn } },
      ],
    });
  });

  test('SSM parameters record the pool id, client id and domain prefix', () => {
    const path = `/cdk-private-workforce/${backbone.node.addr}`;
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: `${path}/user-pool-id`, Type: 'String' });
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: `${path}/user-pool-client-id`, Type: 'String' });
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: `${path}/domain-prefix`, Type: 'String' });
    template.resourceCountIs('AWS::SSM::Parameter', 3);
  });

  test('the app client secret is not recorded anywhere', () => {
    expect(JSON.stringify(template.toJSON())).not.toMatch(/ClientSecret/);
  });
});

describe('CognitoBackbone overrides', () => {
  test('domainPrefix is used as given', () => {
    const stack = newStack();
    new CognitoBackbone(stack, 'Cognito', { domainPrefix: 'acme-labeling' });
    templateOf(stack).hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'acme-labeling' });
    templateOf(stack).hasResourceProperties('AWS::SSM::Parameter', { Value: 'acme-labeling' });
  });

  test('webAclArn is associated and no web ACL is created', () => {
    const stack = newStack();
    const arn = 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/corp/0123abcd';
    new CognitoBackbone(stack, 'Cognito', { webAclArn: arn });
    const template = templateOf(stack);
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { WebACLArn: arn });
  });

  test('createWebAcl: false leaves the pool without a web ACL', () => {
    const stack = newStack();
    new CognitoBackbone(stack, 'Cognito', { createWebAcl: false });
    templateOf(stack).resourceCountIs('AWS::WAFv2::WebACL', 0);
    templateOf(stack).resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
  });

  test('webAcl.rateLimit sets the rate limit', () => {
    const stack = newStack();
    new CognitoBackbone(stack, 'Cognito', { webAcl: { rateLimit: 250 } });
    const acl = onlyResource(templateOf(stack), 'AWS::WAFv2::WebACL');
    expect(acl.props.Rules[3].Statement.RateBasedStatement.Limit).toBe(250);
  });

  test('webAcl country allow-list, extra rules and logging settings', () => {
    const stack = newStack();
    new CognitoBackbone(stack, 'Cognito', {
      webAcl: {
        allowedCountryCodes: ['DE', 'FR'],
        logRetention: logs.RetentionDays.ONE_WEEK,
        extraRules: [{
          name: 'BlockAdminPath',
          priority: 10,
          action: { block: {} },
          statement: { byteMatchStatement: { fieldToMatch: { uriPath: {} }, positionalConstraint: 'STARTS_WITH', searchString: '/admin', textTransformations: [{ priority: 0, type: 'NONE' }] } },
          visibilityConfig: { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: 'BlockAdminPath' },
        }],
      },
    });
    const template = templateOf(stack);
    const acl = onlyResource(template, 'AWS::WAFv2::WebACL');
    expect(acl.props.Rules.map((r: any) => [r.Priority, r.Name])).toEqual([
      [0, 'AllowedCountriesOnly'],
      [1, 'AWSManagedRulesCommonRuleSet'],
      [2, 'AWSManagedRulesKnownBadInputsRuleSet'],
      [3, 'AWSManagedRulesAmazonIpReputationList'],
      [4, 'RateLimitPerIp'],
      [10, 'BlockAdminPath'],
    ]);
    expect(acl.props.Rules[0]).toMatchObject({
      Action: { Block: {} },
      Statement: { NotStatement: { Statement: { GeoMatchStatement: { CountryCodes: ['DE', 'FR'] } } } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('^aws-waf-logs-'), RetentionInDays: 7 });
  });

  test('webAcl.logging false turns WAF logging off', () => {
    const stack = newStack();
    new CognitoBackbone(stack, 'Cognito', { webAcl: { logging: false } });
    templateOf(stack).resourceCountIs('AWS::WAFv2::LoggingConfiguration', 0);
  });

  test('featurePlan ESSENTIALS has no threat protection and no user-activity logs', () => {
    const stack = newStack();
    new CognitoBackbone(stack, 'Cognito', { featurePlan: cognito.FeaturePlan.ESSENTIALS });
    const template = templateOf(stack);
    const pool = onlyResource(template, 'AWS::Cognito::UserPool').props;
    expect(pool.UserPoolTier).toBe('ESSENTIALS');
    expect(pool.UserPoolAddOns).toBeUndefined();
    const delivery = onlyResource(template, 'AWS::Cognito::LogDeliveryConfiguration').props;
    expect(delivery.LogConfigurations.map((c: any) => c.EventSource)).toEqual(['userNotification']);
  });

  test('email with SES is passed to the pool', () => {
    const stack = newStack();
    new CognitoBackbone(stack, 'Cognito', {
      email: cognito.UserPoolEmail.withSES({ fromEmail: 'labeling@example.com', sesRegion: 'us-east-1' }),
    });
    templateOf(stack).hasResourceProperties('AWS::Cognito::UserPool', {
      EmailConfiguration: Match.objectLike({ EmailSendingAccount: 'DEVELOPER', From: 'labeling@example.com' }),
    });
  });

  test('passwordPolicy replaces the default', () => {
    const stack = newStack();
    new CognitoBackbone(stack, 'Cognito', { passwordPolicy: { minLength: 16 } });
    templateOf(stack).hasResourceProperties('AWS::Cognito::UserPool', {
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 16 }) },
    });
  });

  test('token validities apply to the client', () => {
    const stack = newStack();
    new CognitoBackbone(stack, 'Cognito', {
      accessTokenValidity: Duration.minutes(15),
      idTokenValidity: Duration.minutes(30),
      refreshTokenValidity: Duration.days(1),
    });
    templateOf(stack).hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AccessTokenValidity: 15, IdTokenValidity: 30, RefreshTokenValidity: 1440,
    });
  });

  test('additional callback and logout URLs are kept after the placeholder', () => {
    const stack = newStack();
    new CognitoBackbone(stack, 'Cognito', {
      additionalCallbackUrls: ['https://tools.example.com/callback', 'http://localhost:3000/callback'],
      additionalLogoutUrls: ['https://tools.example.com/logout'],
    });
    templateOf(stack).hasResourceProperties('AWS::Cognito::UserPoolClient', {
      CallbackURLs: [CognitoBackbone.PLACEHOLDER_CALLBACK_URL, 'https://tools.example.com/callback', 'http://localhost:3000/callback'],
      LogoutURLs: [CognitoBackbone.PLACEHOLDER_LOGOUT_URL, 'https://tools.example.com/logout'],
    });
  });

  test('logRetention and removalPolicy apply to the log group and pool', () => {
    const stack = newStack();
    new CognitoBackbone(stack, 'Cognito', { logRetention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY, webAcl: { logging: false } });
    const template = templateOf(stack);
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ RetentionInDays: 30 }) });
    template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ DeletionProtection: 'INACTIVE' }) });
  });

  test('userActivityLogs: false creates no log delivery', () => {
    const stack = newStack();
    new CognitoBackbone(stack, 'Cognito', { userActivityLogs: false, webAcl: { logging: false } });
    templateOf(stack).resourceCountIs('AWS::Cognito::LogDeliveryConfiguration', 0);
    templateOf(stack).resourceCountIs('AWS::Logs::LogGroup', 0);
  });

  test('parameterPath sets where the parameters live', () => {
    const stack = newStack();
    new CognitoBackbone(stack, 'Cognito', { parameterPath: '/teams/labeling' });
    templateOf(stack).hasResourceProperties('AWS::SSM::Parameter', { Name: '/teams/labeling/user-pool-id' });
  });

  test('the invitation message starts in the pool with the portal URL pending', () => {
    const stack = newStack();
    new CognitoBackbone(stack, 'Cognito', {
      invitation: { emailSubject: 'Welcome', emailBody: 'Hi {username}, password {####}, portal {portalUrl}' },
    });
    templateOf(stack).hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: Match.objectLike({
        InviteMessageTemplate: { EmailSubject: 'Welcome', EmailMessage: 'Hi {username}, password {####}, portal the labeling portal' },
      }),
    });
  });

  test('an invitation without {portalUrl} is allowed, with a warning', () => {
    const stack = newStack();
    new CognitoBackbone(stack, 'Cognito', { invitation: { emailBody: 'Hi {username}, password {####}' } });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('has no \\{portalUrl\\}'));
  });
});

describe('CognitoBackbone with an existing user pool', () => {
  test('adds only an app client and parameters by default', () => {
    const stack = newStack();
    const pool = cognito.UserPool.fromUserPoolId(stack, 'Existing', 'us-east-1_AbCdEf123');
    const backbone = new CognitoBackbone(stack, 'Cognito', { userPool: pool });
    const template = templateOf(stack);
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    template.resourceCountIs('AWS::Cognito::UserPoolDomain', 0);
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
    template.resourceCountIs('AWS::Cognito::LogDeliveryConfiguration', 0);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', { UserPoolId: 'us-east-1_AbCdEf123', GenerateSecret: true });
    template.hasResourceProperties('AWS::SSM::Parameter', { Value: 'us-east-1_AbCdEf123' });
    expect(backbone.ownsUserPool).toBe(false);
    expect(backbone.userPoolDomain).toBeUndefined();
  });

  test('adds a domain, web ACL and logs when asked', () => {
    const stack = newStack();
    const pool = cognito.UserPool.fromUserPoolId(stack, 'Existing', 'us-east-1_AbCdEf123');
    new CognitoBackbone(stack, 'Cognito', { userPool: pool, domainPrefix: 'corp-labeling', createWebAcl: true, userActivityLogs: true });
    const template = templateOf(stack);
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'corp-labeling', UserPoolId: 'us-east-1_AbCdEf123' });
    template.resourceCountIs('AWS::WAFv2::WebACL', 1);
    template.resourceCountIs('AWS::Cognito::LogDeliveryConfiguration', 1);
  });
});
