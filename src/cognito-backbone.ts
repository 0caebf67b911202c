import { Annotations, Aws, CfnOutput, Duration, Fn, Lazy, RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { InvitationMessage } from './invitation-message';
import { validateCognitoBackboneOptions } from './private/backbone-validation';
import { resolveInvitation, templateInvitationBody } from './private/invitation';
import { COGNITO_BACKBONE_TYPES, IDENTITY_PROVIDER } from './private/prop-specs';
import { checkPropTypes, required } from './private/prop-types';
import { WorkforceWebAcl, WorkforceWebAclProps } from './workforce-web-acl';

/** The hosted zone id of every CloudFront distribution, for alias records (Route 53 docs). */
const CLOUDFRONT_HOSTED_ZONE_ID = 'Z2FDTNDATAQYW2';

/**
 * A domain your organization owns for Cognito's sign-in pages, instead of a prefix domain.
 *
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-add-custom-domain.html
 */
export interface CognitoCustomDomain {
  /** The fully qualified domain name, for example `login.labeling.example.com`. */
  readonly domainName: string;

  /** An ACM certificate for the domain, in us-east-1 (Cognito serves the pages through CloudFront). */
  readonly certificate: acm.ICertificate;

  /**
   * The hosted zone to create the alias records (A and AAAA) in.
   *
   * @default - no records: point DNS at the `cognitoDomainTarget` attribute (also a stack output)
   */
  readonly hostedZone?: route53.IHostedZone;
}

/**
 * Settings of the Cognito backbone, shared by `CognitoBackbone` and `PrivateWorkforce`.
 */
export interface CognitoBackboneOptions {
  /**
   * An existing user pool to use instead of creating one. The library then adds an app client
   * and, only where you ask for them, a domain (`domainPrefix`), a web ACL (`webAclArn` or
   * `createWebAcl`) and log delivery (`userActivityLogs`): a pool has at most one of each, and
   * yours may already have them. The pool must have a domain for the workforce to work.
   *
   * @default - a new user pool with secure defaults
   */
  readonly userPool?: cognito.IUserPool;

  /**
   * The prefix of the Cognito domain of the sign-in pages: 1-63 lowercase letters, digits and
   * hyphens, not containing `aws`, `amazon` or `cognito`. It cannot be changed without replacing
   * the domain, and it is global within the Region.
   *
   * @default - with a new pool, `workforce-<hash>-<stack UUID>`, stable for the stack's life;
   * with an existing pool, no domain is added (the pool must already have one)
   * @see https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-assign-domain-prefix.html
   */
  readonly domainPrefix?: string;

  /**
   * A domain your organization owns for the sign-in pages, instead of a prefix domain.
   * Mutually exclusive with `domainPrefix`.
   *
   * @default - a prefix domain (see `domainPrefix`)
   */
  readonly customDomain?: CognitoCustomDomain;

  /**
   * The ARN of an existing WAF web ACL (regional) to associate with the user pool.
   * Cannot be combined with `createWebAcl: true`.
   *
   * @default - with a new pool, a web ACL is created (see `webAcl`)
   */
  readonly webAclArn?: string;

  /**
   * Whether to create and associate the library's web ACL.
   *
   * @default - true with a new pool and no `webAclArn`; false with an existing pool
   * (a pool has at most one web ACL)
   */
  readonly createWebAcl?: boolean;

  /**
   * Settings of the web ACL the library creates.
   *
   * @default - a rate limit of 1000 requests per IP address per 5 minutes
   */
  readonly webAcl?: WorkforceWebAclProps;

  /**
   * Whether to deliver Cognito's user-activity logs (Plus plan) and notification errors to a
   * CloudWatch log group.
   *
   * @default - true with a new pool; false with an existing pool (Cognito keeps one log delivery
   * configuration per pool, and this would replace yours)
   */
  readonly userActivityLogs?: boolean;

  /**
   * The feature plan of a new user pool. Plus adds threat protection and user-activity logs.
   * Only for a new pool.
   *
   * @default cognito.FeaturePlan.PLUS
   * @see https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-sign-in-feature-plans.html
   */
  readonly featurePlan?: cognito.FeaturePlan;

  /**
   * How a new user pool sends email. Cognito's default sender allows only about 50 emails a day:
   * use SES (`cognito.UserPoolEmail.withSES(...)`) for more invitations. Only for a new pool.
   *
   * @default - Cognito's default email sender
   * @see https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-email.html
   */
  readonly email?: cognito.UserPoolEmail;

  /**
   * The password policy of a new user pool. Only for a new pool.
   *
   * @default - at least 12 characters with lowercase, uppercase, digits and symbols; temporary
   * passwords valid for 7 days
   */
  readonly passwordPolicy?: cognito.PasswordPolicy;

  /**
   * How long access tokens of the portal's app client are valid (5 minutes to 1 day).
   *
   * @default Duration.hours(1)
   */
  readonly accessTokenValidity?: Duration;

  /**
   * How long ID tokens of the portal's app client are valid (5 minutes to 1 day).
   *
   * @default Duration.hours(1)
   */
  readonly idTokenValidity?: Duration;

  /**
   * How long refresh tokens of the portal's app client are valid (60 minutes to 10 years).
   *
   * @default Duration.days(30)
   */
  readonly refreshTokenValidity?: Duration;

  /**
   * More callback URLs for the app client, kept next to the portal's.
   *
   * @default - only the portal's callback URL
   */
  readonly additionalCallbackUrls?: string[];

  /**
   * More logout URLs for the app client, kept next to the portal's.
   *
   * @default - only the portal's logout URL
   */
  readonly additionalLogoutUrls?: string[];

  /**
   * How long the log group keeps Cognito's logs.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to a new user pool (with its users) and the log group when they leave the stack.
   * The default keeps them when the stack is deleted or they are replaced, and deletes them when
   * the deploy that created them fails (DeletionPolicy `RetainExceptOnCreate`): a failed first
   * deploy leaves no pool behind, and workers are never invited into a pool the stack lost.
   *
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * The SSM Parameter Store path under which the user pool id, client id and domain prefix are
   * recorded (`<path>/user-pool-id`, `<path>/user-pool-client-id`, `<path>/domain-prefix`).
   *
   * @default - `/cdk-private-workforce/<workforce name>` in a `PrivateWorkforce`, else
   * `/cdk-private-workforce/<unique id of the construct>`
   */
  readonly parameterPath?: string;
}

/**
 * Properties of a `CognitoBackbone`.
 */
export interface CognitoBackboneProps extends CognitoBackboneOptions {
  /**
   * The invitation email a new user pool starts with. `{portalUrl}` stays a placeholder until a
   * `CallbackReconciler` writes the portal URL in.
   *
   * @default - the default invitation of `InvitationMessage`
   */
  readonly invitation?: InvitationMessage;

  /**
   * Whether a new user pool's template turns deletion protection on. A protected pool cannot be
   * deleted, not even by the rollback of the deploy that created it (CloudFormation's delete
   * handler only calls DeleteUserPool), so `PrivateWorkforce` leaves it off here and has its
   * `CallbackReconciler` turn it on once the stack's first deploy has got that far.
   *
   * @default - on, unless `removalPolicy` is `RemovalPolicy.DESTROY`
   */
  readonly deletionProtection?: boolean;
}

/**
 * The Cognito side of a private workforce: a hardened user pool (or yours), the portal's app client
 * (with a placeholder callback URL until the workforce exists), the sign-in domain, a WAF web ACL,
 * log delivery to CloudWatch Logs and SSM parameters that record what other teams need.
 *
 * @example
 * const backbone = new CognitoBackbone(this, 'Cognito', { domainPrefix: 'acme-labeling' });
 */
export class CognitoBackbone extends Construct {
  /** The callback URL the app client holds until the portal's replaces it. */
  public static readonly PLACEHOLDER_CALLBACK_URL = 'https://example.com/cdk-private-workforce/placeholder/oauth2/idpresponse';
  /** The logout URL the app client holds until the portal's replaces it. */
  public static readonly PLACEHOLDER_LOGOUT_URL = 'https://example.com/cdk-private-workforce/placeholder/logout';

  /** The user pool. */
  public readonly userPool: cognito.IUserPool;
  /** The labeling portal's app client. */
  public readonly userPoolClient: cognito.IUserPoolClient;
  /** The sign-in domain, when the library added one. */
  public readonly userPoolDomain?: cognito.IUserPoolDomain;
  /** The domain prefix, when the library added a prefix domain. */
  public readonly domainPrefix?: string;
  /**
   * The CloudFront distribution to point the custom domain at (alias or CNAME), when the library
   * added a custom domain.
   */
  public readonly cognitoDomainTarget?: string;
  /** The ARN of the web ACL associated with the pool, when the library associated one. */
  public readonly webAclArn?: string;
  /** The web ACL the library created, if any. */
  public readonly webAcl?: WorkforceWebAcl;
  /** The log group that receives Cognito's logs, when log delivery is on. */
  public readonly logGroup?: logs.ILogGroup;
  /** The SSM parameter path under which this backbone records its identifiers. */
  public readonly parameterPath: string;
  /** The callback URLs configured next to the portal's. */
  public readonly additionalCallbackUrls: string[];
  /** The logout URLs configured next to the portal's. */
  public readonly additionalLogoutUrls: string[];
  /** Whether the library created the user pool (false when `userPool` was given). */
  public readonly ownsUserPool: boolean;

  private readonly identityProviders: string[] = ['COGNITO'];

  constructor(scope: Construct, id: string, props: CognitoBackboneProps = {}) {
    super(scope, id);
    checkPropTypes(props, COGNITO_BACKBONE_TYPES); // first: untyped callers get a clear error, not a TypeError
    validateCognitoBackboneOptions(props);
    const invitation = resolveInvitation(this, props.invitation);
    if (props.customDomain && Token.isUnresolved(props.customDomain.certificate.certificateArn)) {
      Annotations.of(this).addWarningV2('cdk-private-workforce:customDomainCertificateRegion',
        'customDomain.certificate is not known until deploy: make sure it is in us-east-1, as Cognito requires.');
    }

    this.ownsUserPool = !props.userPool;
    this.parameterPath = props.parameterPath ?? `/cdk-private-workforce/${this.node.addr}`;
    this.additionalCallbackUrls = props.additionalCallbackUrls ?? [];
    this.additionalLogoutUrls = props.additionalLogoutUrls ?? [];
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;

    this.userPool = props.userPool
      ?? this.createUserPool(props, invitation.emailSubject, templateInvitationBody(invitation.emailBody), removalPolicy,
        props.deletionProtection ?? removalPolicy !== RemovalPolicy.DESTROY);
    this.userPoolClient = this.userPool.addClient('AppClient', {
      generateSecret: true,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.EMAIL, cognito.OAuthScope.OPENID, cognito.OAuthScope.PROFILE],
        callbackUrls: [CognitoBackbone.PLACEHOLDER_CALLBACK_URL, ...this.additionalCallbackUrls],
        logoutUrls: [CognitoBackbone.PLACEHOLDER_LOGOUT_URL, ...this.additionalLogoutUrls],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO], // more with addIdentityProvider()
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: props.accessTokenValidity ?? Duration.hours(1),
      idTokenValidity: props.idTokenValidity ?? Duration.hours(1),
      refreshTokenValidity: props.refreshTokenValidity ?? Duration.days(30),
    });

    // Identity providers added later join Cognito in the client's list.
    (this.userPoolClient.node.defaultChild as cognito.CfnUserPoolClient).supportedIdentityProviders =
      Lazy.list({ produce: () => this.identityProviders });

    if (props.customDomain) {
      const domain = this.userPool.addDomain('Domain', {
        customDomain: { domainName: props.customDomain.domainName, certificate: props.customDomain.certificate },
      });
      this.userPoolDomain = domain;
      this.cognitoDomainTarget = domain.cloudFrontEndpoint;
      if (props.customDomain.hostedZone) {
        this.createAliasRecords(props.customDomain.hostedZone, props.customDomain.domainName, domain.cloudFrontEndpoint);
      } else {
        new CfnOutput(this, 'CognitoDomainTarget', {
          value: domain.cloudFrontEndpoint,
          description: `Point ${props.customDomain.domainName} (alias, or CNAME) at this CloudFront distribution`,
        });
      }
    } else if (this.ownsUserPool || props.domainPrefix !== undefined) {
      this.domainPrefix = props.domainPrefix ?? this.stableDomainPrefix();
      this.userPoolDomain = this.userPool.addDomain('Domain', { cognitoDomain: { domainPrefix: this.domainPrefix } });
    }

    if (props.webAclArn !== undefined) {
      this.webAclArn = props.webAclArn;
    } else if (props.createWebAcl ?? this.ownsUserPool) {
      this.webAcl = new WorkforceWebAcl(this, 'WebAcl', props.webAcl);
      this.webAclArn = this.webAcl.webAclArn;
    }
    if (this.webAclArn !== undefined) {
      new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
        resourceArn: this.userPool.userPoolArn,
        webAclArn: this.webAclArn,
      });
    }

    if (props.userActivityLogs ?? this.ownsUserPool) {
      this.logGroup = this.createLogDelivery(props, removalPolicy);
    }

    this.recordParameter('UserPoolIdParameter', 'user-pool-id', this.userPool.userPoolId, 'Cognito user pool id of the private workforce');
    this.recordParameter('UserPoolClientIdParameter', 'user-pool-client-id', this.userPoolClient.userPoolClientId,
      'Cognito app client id of the labeling portal');
    if (this.domainPrefix !== undefined) {
      this.recordParameter('DomainPrefixParameter', 'domain-prefix', this.domainPrefix, 'Cognito domain prefix of the sign-in pages');
    }
    if (props.customDomain) {
      this.recordParameter('CustomDomainParameter', 'custom-domain', props.customDomain.domainName, 'Custom domain of the Cognito sign-in pages');
    }
  }

  /**
   * Records a value in SSM Parameter Store under this backbone's parameter path.
   *
   * @param id construct id of the parameter
   * @param name the last segment of the parameter name
   * @param value the value
   * @param description what the value is
   */
  public recordParameter(id: string, name: string, value: string, description: string): ssm.StringParameter {
    return new ssm.StringParameter(this, id, {
      parameterName: `${this.parameterPath}/${name}`,
      simpleName: false, // the path starts with "/", even when it is a token
      stringValue: value,
      description,
      tier: ssm.ParameterTier.STANDARD,
    });
  }

  /**
   * Lets workers sign in through an identity provider of the user pool (SAML, OIDC, social): the
   * portal's app client lists it, and the hosted sign-in page offers it.
   *
   * @param provider the identity provider, for example a `cognito.UserPoolIdentityProviderSaml`
   */
  public addIdentityProvider(provider: cognito.IUserPoolIdentityProvider): void {
    checkPropTypes({ provider }, { provider: required(IDENTITY_PROVIDER) });
    this.identityProviders.push(provider.providerName);
    this.userPoolClient.node.addDependency(provider);
  }

  private createAliasRecords(zone: route53.IHostedZone, domainName: string, cloudFrontEndpoint: string): void {
    const target = route53.RecordTarget.fromAlias({
      bind: () => ({ dnsName: cloudFrontEndpoint, hostedZoneId: CLOUDFRONT_HOSTED_ZONE_ID }),
    });
    new route53.ARecord(this, 'DomainAliasRecord', { zone, recordName: domainName, target });
    new route53.AaaaRecord(this, 'DomainAliasRecordIpv6', { zone, recordName: domainName, target });
  }

  private createUserPool(props: CognitoBackboneOptions, emailSubject: string, emailBody: string, removalPolicy: RemovalPolicy,
    deletionProtection: boolean): cognito.UserPool {
    const featurePlan = props.featurePlan ?? cognito.FeaturePlan.PLUS;
    return new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      autoVerify: { email: true },
      signInCaseSensitive: false,
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: props.passwordPolicy ?? {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(7),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan,
      standardThreatProtectionMode: featurePlan === cognito.FeaturePlan.PLUS
        ? cognito.StandardThreatProtectionMode.FULL_FUNCTION
        : undefined,
      userInvitation: { emailSubject, emailBody },
      email: props.email,
      deletionProtection,
      removalPolicy,
    });
  }

  /**
   * A prefix that is unique in the Region and stable for the stack's life: derived from the
   * stack's UUID in CloudFormation (hex digits, so no reserved word can appear), never from
   * anything that changes between synths.
   */
  private stableDomainPrefix(): string {
    const stackUuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
    return Fn.join('-', ['workforce', this.node.addr.slice(0, 8), stackUuid]);
  }

  private createLogDelivery(props: CognitoBackboneOptions, removalPolicy: RemovalPolicy): logs.LogGroup {
    // Vended logs go to /aws/vendedlogs/ so that the delivery service's resource policy stays small.
    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: Fn.join('', ['/aws/vendedlogs/cognito/', this.userPool.userPoolId]),
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy,
    });
    const plus = this.ownsUserPool ? (props.featurePlan ?? cognito.FeaturePlan.PLUS) === cognito.FeaturePlan.PLUS : true;
    const logConfigurations: cognito.CfnLogDeliveryConfiguration.LogConfigurationProperty[] = [
      { eventSource: 'userNotification', logLevel: 'ERROR', cloudWatchLogsConfiguration: { logGroupArn: logGroup.logGroupArn } },
    ];
    if (plus) {
      logConfigurations.push({ eventSource: 'userAuthEvents', logLevel: 'INFO', cloudWatchLogsConfiguration: { logGroupArn: logGroup.logGroupArn } });
    }
    new cognito.CfnLogDeliveryConfiguration(this, 'LogDelivery', {
      userPoolId: this.userPool.userPoolId,
      logConfigurations,
    });
    return logGroup;
  }
}
