import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, SecretValue, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { newStack } from './util';
import { OUTPUT, renderAwsLimits } from '../scripts/aws-limits';
import { InvitationSender, PrivateWorkforce, Workers, WorkforceResource, Workteam } from '../src';

// Values AWS refuses at deploy, refused at synth by AWS's own rules (src/private/aws-limits.ts is
// generated from the API models). Each case is an untyped JavaScript call, as a Python, Java or
// JavaScript caller would make it, and must fail with its exact message: never a TypeError, never
// a template.

/* eslint-disable @typescript-eslint/no-explicit-any */
const js = (value: unknown) => value as any;
const workforce = (props: unknown) => () => new PrivateWorkforce(newStack(), 'Workforce', js(props));
const rule = (name: unknown, priority: unknown) => ({
  name,
  priority,
  action: { block: {} },
  statement: { geoMatchStatement: { countryCodes: ['KP'] } },
  visibilityConfig: { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: 'm' },
});
const file = (name: string, text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'workers-')), name);
  writeFileSync(path, text);
  return path;
};
const sender = (props: (pool: cognito.IUserPool) => unknown, more?: (s: InvitationSender) => void) => () => {
  const stack = newStack();
  const s = new InvitationSender(stack, 'Invitations', js(props(cognito.UserPool.fromUserPoolId(stack, 'Pool', 'us-east-1_AbCdEf123'))));
  more?.(s);
  return s;
};
const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
const LIBRARY_RULES = 'AllowedCountriesOnly, AWSManagedRulesCommonRuleSet, AWSManagedRulesKnownBadInputsRuleSet, AWSManagedRulesAmazonIpReputationList, RateLimitPerIp';

const EMAIL_AS_USERNAME_WITH_LIBRARY_POOL = '`emailAsUsername: true` needs a user pool that signs in with the email as user name (UsernameAttributes email); ' +
  'the pool the library creates signs in with user names (with the email as an alias): leave emailAsUsername off, or pass your own `userPool`.';

const cases: Array<[string, () => unknown, string]> = [
  ['the UK\'s country code as people write it', workforce({ webAcl: { allowedCountryCodes: ['DE', 'UK'] } }),
    '`webAcl.allowedCountryCodes` must contain ISO 3166-1 alpha-2 country codes that WAF knows, such as "DE" or "GB", got: "UK".'],
  ['a lower-case country code', workforce({ webAcl: { allowedCountryCodes: ['de'] } }),
    '`webAcl.allowedCountryCodes` must contain ISO 3166-1 alpha-2 country codes that WAF knows, such as "DE" or "GB", got: "de".'],
  ['an extra rule named as a library rule', workforce({ webAcl: { extraRules: [rule('RateLimitPerIp', 10)] } }),
    `\`webAcl.extraRules\`: the name "RateLimitPerIp" is one of the library's rules (${LIBRARY_RULES}); rule names must be unique.`],
  ['two extra rules with one name', workforce({ webAcl: { extraRules: [rule('Mine', 10), rule('Mine', 11)] } }),
    '`webAcl.extraRules`: two rules are named "Mine"; rule names must be unique.'],
  ['an extra rule name with a space', workforce({ webAcl: { extraRules: [rule('my rule', 10)] } }),
    '`webAcl.extraRules`: a rule name must be 1-128 letters, digits, _ and -, got: "my rule".'],
  ['an extra rule name a number', workforce({ webAcl: { extraRules: [rule(7, 10)] } }),
    '`webAcl.extraRules`: a rule name must be 1-128 letters, digits, _ and -, got: 7.'],
  ['a negative priority', workforce({ webAcl: { extraRules: [rule('Mine', -1)] } }),
    '`webAcl.extraRules`: rule "Mine" has priority -1; a priority is a whole number, 0 or more.'],
  ['a fractional priority', workforce({ webAcl: { extraRules: [rule('Mine', 5.5)] } }),
    '`webAcl.extraRules`: rule "Mine" has priority 5.5; a priority is a whole number, 0 or more.'],
  ['a callback URL with a fragment', workforce({ additionalCallbackUrls: ['https://tools.example.com/cb#done'] }),
    '`additionalCallbackUrls` must not have a fragment (#...): Cognito refuses redirect URLs with one, got: "https://tools.example.com/cb#done".'],
  ['a logout URL with a fragment', workforce({ additionalLogoutUrls: ['https://tools.example.com/#/bye'] }),
    '`additionalLogoutUrls` must not have a fragment (#...): Cognito refuses redirect URLs with one, got: "https://tools.example.com/#/bye".'],
  ['a tag key starting with aws:', workforce({ tags: { 'aws:team': 'labeling' } }),
    '`tags`: tag keys starting with "aws:" are reserved for AWS, got: "aws:team".'],
  ['a tag key starting with AWS: in capitals', workforce({ tags: { 'AWS:team': 'labeling' } }),
    '`tags`: tag keys starting with "aws:" are reserved for AWS, got: "AWS:team".'],
  ['51 tags', workforce({ tags: tags(51) }), '`tags` can have at most 50 entries, got 51.'],
  ['a tag key of 129 characters', workforce({ tags: { ['k'.repeat(129)]: 'v' } }),
    `\`tags\`: a tag key must be 1-128 letters, digits, spaces and _ . : / = + - @, got: "${'k'.repeat(129)}".`],
  ['an empty tag key', workforce({ tags: { '': 'v' } }),
    '`tags`: a tag key must be 1-128 letters, digits, spaces and _ . : / = + - @, got: "".'],
  ['a tag key with a comma', workforce({ tags: { 'team,cost': 'v' } }),
    '`tags`: a tag key must be 1-128 letters, digits, spaces and _ . : / = + - @, got: "team,cost".'],
  ['a tag value of 257 characters', workforce({ tags: { team: 'v'.repeat(257) } }),
    `\`tags.team\` must be at most 256 letters, digits, spaces and _ . : / = + - @, got: "${'v'.repeat(257)}".`],
  ['a WorkforceResource tag with aws:', () => new WorkforceResource(newStack(), 'Workforce', js({
    oidcConfig: {
      clientId: 'c',
      clientSecret: SecretValue.unsafePlainText('s'),
      issuer: 'https://idp.example.com',
      authorizationEndpoint: 'https://idp.example.com/a',
      tokenEndpoint: 'https://idp.example.com/t',
      userInfoEndpoint: 'https://idp.example.com/u',
      logoutEndpoint: 'https://idp.example.com/l',
      jwksUri: 'https://idp.example.com/j',
    },
    tags: { 'aws:cloudformation:x': 'y' },
  })), '`tags`: tag keys starting with "aws:" are reserved for AWS, got: "aws:cloudformation:x".'],
  ['a parameter path 15 levels deep', workforce({ parameterPath: '/a'.repeat(15) }),
    `\`parameterPath\` has 15 levels; with the parameter names under it SSM allows at most 15, so at most 14, got: "${'/a'.repeat(15)}".`],
  ['a parameter path too long for the names under it', workforce({ parameterPath: `/${'p'.repeat(2030)}` }),
    '`parameterPath` must be at most 2028 characters long (SSM\'s 2048 with the names under it), got 2031.'],
  ['an invitation too long for one portal URL', workforce({ invitation: { emailBody: `{username} {####} {portalUrl}${'x'.repeat(19_950)}` } }),
    '`invitation.emailBody` must be at most 19931 characters long: Cognito allows 20000 with the portal URL (up to 80 characters) in place of each of its 1 {portalUrl}, got 19979.'],
  ['an invitation that fits once but not with three portal URLs', workforce({ invitation: { emailBody: `{username} {####} {portalUrl} {portalUrl} {portalUrl}${'x'.repeat(19_800)}` } }),
    '`invitation.emailBody` must be at most 19793 characters long: Cognito allows 20000 with the portal URL (up to 80 characters) in place of each of its 3 {portalUrl}, got 19853.'],
  ['an invitation with a control character', workforce({ invitation: { emailBody: 'Hello {username}, code {####}\u0007 at {portalUrl}' } }),
    '`invitation.emailBody` must not contain control or invisible characters (Cognito\'s pattern [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\s*]*), ' +
    'got: "Hello {username}, code {####}\\u0007 at {portalUrl}".'],
  ['an email with a zero-width space', () => Workers.fromList(js([{ email: 'ana\u200B@example.com' }]))._load({ emailAsUsername: false }),
    'Workers.fromList item 1: the email must not contain control or invisible characters (Cognito refuses them), got: "ana\u200B@example.com".'],
  ['a user name with a zero-width space', () => Workers.fromList(js([{ email: 'ana@example.com', username: 'ana\u200B' }]))._load({ emailAsUsername: false }),
    'Workers.fromList item 1: the username must be 1-128 letters, digits, symbols or punctuation without spaces, got: "ana\u200B".'],
  ['a user name with a space', () => Workers.fromList(js([{ email: 'ana@example.com', username: 'ana maria' }]))._load({ emailAsUsername: false }),
    'Workers.fromList item 1: the username must be 1-128 letters, digits, symbols or punctuation without spaces, got: "ana maria".'],
  ['one email under two user names across addWorkers and addGroupMembers', sender((userPool) => ({
    userPool, workers: Workers.fromList([{ email: 'ana@example.com', username: 'ana' }]),
  }), (s) => s.addGroupMembers('reviewers', Workers.fromList(js([{ email: 'ANA@example.com', username: 'ana.m' }])))),
  'ANA@example.com is listed under two user names (ana, ana.m) in the lists of this sender; give each worker one user name.'],
  ['one email under two user names across two addWorkers', sender((userPool) => ({ userPool }), (s) => {
    s.addWorkers(Workers.fromList([{ email: 'bo@example.com', username: 'bo' }]));
    s.addWorkers(Workers.fromList(js([{ email: 'bo@example.com', username: 'bo2' }])));
  }), 'bo@example.com is listed under two user names (bo, bo2) in the lists of this sender; give each worker one user name.'],
  ['emailAsUsername with the library\'s pool', workforce({ emailAsUsername: true, workers: Workers.fromList([{ email: 'ana@example.com' }]) }),
    EMAIL_AS_USERNAME_WITH_LIBRARY_POOL],
  // Whether or not workers are listed yet: the pool signs in with user names all the same.
  ['emailAsUsername with the library\'s pool and no workers yet', workforce({ emailAsUsername: true }), EMAIL_AS_USERNAME_WITH_LIBRARY_POOL],
  ['emailAsUsername with a pool of the app that signs in with user names', () => {
    const stack = new Stack(new App(), 'TestStack');
    new PrivateWorkforce(stack, 'Workforce', { userPool: new cognito.UserPool(stack, 'Pool', { signInAliases: { username: true } }), emailAsUsername: true });
  }, '`emailAsUsername: true` needs a user pool that signs in with the email as user name (UsernameAttributes email); ' +
    'TestStack/Pool signs in with user names (as the library\'s pools do, with the email as an alias): leave emailAsUsername off.'],
  ['a CSV row wider than the header', () => Workers.fromFile(file('w.csv', 'email,username\nana@example.com,ana\nbo@example.com,Bo, Jr.\n'))._load({ emailAsUsername: false }),
    'Workers.fromFile("w.csv") line 3: the row has 3 fields, the header 2; quote a field that holds a comma.'],
  ['a CSV space before a quoted field', () => Workers.fromFile(file('w.csv', 'email,username\nana@example.com, "ana"\n'))._load({ emailAsUsername: false }),
    'Workers.fromFile("w.csv") line 2: a space before a quoted field; remove it (the space would be part of the field).'],
];

/** Runs a call; returns what it threw. */
function thrownBy(call: () => unknown): Error {
  try {
    call();
  } catch (error) {
    return error as Error;
  }
  throw new Error('the call did not throw');
}

describe('what AWS refuses at deploy is refused at synth, with its exact message', () => {
  test.each(cases)('%s', (_, call, message) => {
    const error = thrownBy(call);
    expect(error.constructor).toBe(Error); // never a TypeError from inside
    expect(error.message.replace(/"[^"]*\/workers-[^/]+\//, '"')).toBe(message);
  });

  test('the limits are what AWS\'s API models say today (regenerate with scripts/aws-limits.ts)', () => {
    expect(readFileSync(OUTPUT, 'utf-8')).toBe(renderAwsLimits());
  });

  // Negative controls: the values AWS accepts next to those it refuses pass, so the checks are not
  // simply refusing everything.
  test('the accepted neighbours of the refused values synthesize', () => {
    const stack = newStack();
    new PrivateWorkforce(stack, 'Workforce', {
      webAcl: { allowedCountryCodes: ['GB', 'DE', 'XK'], extraRules: [rule('Mine', 5) as any, rule('my-rule_2', 6) as any] },
      additionalCallbackUrls: ['https://tools.example.com/cb?x=1'],
      tags: { ...tags(49), 'team:cost center': 'a/b=c+d@e' },
      parameterPath: '/a'.repeat(14),
      invitation: { emailBody: `{username} {####} {portalUrl}${'x'.repeat(19_900)}`, emailSubject: 'Welcome' },
      workers: Workers.fromList([{ email: 'ana@example.com', username: 'anä' }]),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::WAFv2::WebACL', Match.objectLike({
      Rules: Match.arrayWith([Match.objectLike({ Name: 'my-rule_2', Priority: 6 })]),
    }));
    template.hasResourceProperties('Custom::PrivateWorkforceInvitationSender', Match.objectLike({
      WorkerSources: [{ Inline: [{ email: 'ana@example.com', username: 'anä' }] }],
    }));
  });

  test('a JSON worker file with a byte-order mark is read', () => {
    const records = Workers.fromFile(file('w.json', `\uFEFF${JSON.stringify([{ email: 'ana@example.com' }])}`))._load({ emailAsUsername: false });
    expect(records.map((r) => r.email)).toEqual(['ana@example.com']);
  });

  test('emailAsUsername is accepted for a pool of the app that signs in with the email', () => {
    const stack = newStack();
    const userPool = new cognito.UserPool(stack, 'Pool', { signInAliases: { email: true } });
    expect(() => new InvitationSender(stack, 'Invitations', {
      userPool, emailAsUsername: true, workers: Workers.fromList([{ email: 'ana@example.com' }]),
    })).not.toThrow();
  });
});

describe('accounts and Regions told apart', () => {
  const envStack = (app: App, id: string, region: string, account = '123456789012') => new Stack(app, id, { env: { account, region } });

  test('15 work teams in us-east-1 and 15 in eu-west-1 synthesize', () => {
    const app = new App();
    for (const region of ['us-east-1', 'eu-west-1']) {
      const regional = new PrivateWorkforce(envStack(app, `Labeling-${region}`, region), 'Workforce');
      for (let i = 0; i < 15; i++) {
        regional.addWorkteam(`Team${i}`, { description: 'd', workteamName: `team-${i}` });
      }
    }
    expect(() => app.synth()).not.toThrow();
  });

  test('the 26th work team of one account and Region is refused, counted across its stacks', () => {
    const app = new App();
    const labeling = new PrivateWorkforce(envStack(app, 'Labeling', 'us-east-1'), 'Workforce');
    for (let i = 0; i < 20; i++) {
      labeling.addWorkteam(`Team${i}`, { description: 'd', workteamName: `team-${i}` });
    }
    const teams = envStack(app, 'Teams', 'us-east-1');
    const team = (i: number) => new Workteam(teams, `Team${i}`, {
      description: 'd', workteamName: `more-${i}`, workforce: labeling.workforce, userPool: labeling.userPool, userPoolClient: labeling.userPoolClient,
    });
    for (let i = 0; i < 5; i++) {
      team(i);
    }
    expect(() => team(5)).toThrow(new Error(
      'A private workforce can have at most 25 work teams per account and Region; this app defines 26 in 123456789012 us-east-1 (Teams/Team5).'));
  });

  test('two workforces in one account and Region are refused, naming both', () => {
    const app = new App();
    new PrivateWorkforce(envStack(app, 'Labeling', 'us-east-1'), 'Workforce');
    expect(() => new PrivateWorkforce(envStack(app, 'MoreLabeling', 'us-east-1'), 'Workforce')).toThrow(new Error(
      'An account and Region can have one private workforce, and Labeling/Workforce/Workforce and MoreLabeling/Workforce/Workforce are both in ' +
      '123456789012 us-east-1: keep one (add work teams to it), or put them in different Regions or accounts.'));
  });

  test('two workforces in one environment-agnostic stack are refused', () => {
    const stack = new Stack(new App(), 'Labeling');
    new PrivateWorkforce(stack, 'Workforce');
    expect(() => new PrivateWorkforce(stack, 'Other')).toThrow(new Error(
      'An account and Region can have one private workforce, and Labeling/Workforce/Workforce and Labeling/Other/Workforce are both in ' +
      'the stack Labeling: keep one (add work teams to it), or put them in different Regions or accounts.'));
  });

  test('workforces in other Regions or accounts synthesize', () => {
    const app = new App();
    new PrivateWorkforce(envStack(app, 'A', 'us-east-1'), 'Workforce');
    new PrivateWorkforce(envStack(app, 'B', 'eu-west-1'), 'Workforce');
    new PrivateWorkforce(envStack(app, 'C', 'us-east-1', '210987654321'), 'Workforce');
    expect(() => app.synth()).not.toThrow();
  });

  test('an environment-agnostic stack gets one warning that the check could not run', () => {
    const stack = new Stack(new App(), 'Labeling');
    new PrivateWorkforce(stack, 'Workforce');
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('cannot check that this is the only private workforce'))).toEqual([
      expect.objectContaining({
        entry: expect.objectContaining({
          data: 'The stack has no concrete account and Region, so the library cannot check that this is the only private workforce of its account and Region ' +
            '(SageMaker allows one): give the stack an env to have it checked. [ack: cdk-private-workforce:oneWorkforcePerRegionNotChecked]',
        }),
      }),
    ]);
    const placed = newStack();
    new PrivateWorkforce(placed, 'Workforce');
    expect(Annotations.fromStack(placed).findWarning('*', Match.stringLikeRegexp('cannot check that'))).toEqual([]);
  });
});
