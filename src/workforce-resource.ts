import {
  ArnFormat, CfnResource, Fn, ITaggable, IResource, Lazy, RemovalPolicy, Resource, SecretValue, Stack, TagManager, TagType, Token,
} from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { IpAddressType } from './ip-address-type';
import { acknowledgeNagFinding } from './private/nag';
import { WORKFORCE_RESOURCE_TYPES } from './private/prop-specs';
import { checkPropTypes } from './private/prop-types';
import {
  deriveWorkforceName, validateOidcConfig, validateOneWorkforcePerRegion, validateWorkforceRegion, validateWorkforceSettings,
} from './private/workforce-validation';

/**
 * A VPC that workers reach the labeling portal through (Ground Truth creates a VPC endpoint in it).
 *
 * Source-IP restrictions do not apply to a portal reached through a VPC, so this cannot be combined
 * with `sourceIpCidrs`. Point-cloud and video tasks do not load through a VPC.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/samurai-vpc-worker-portal.html
 */
export interface WorkforceVpcConfig {
  /**
   * The VPC. It needs DNS hostnames and DNS resolution turned on.
   */
  readonly vpc: ec2.IVpc;

  /**
   * The subnets for the portal's VPC endpoint (1 to 16, each once).
   *
   * @default - the VPC's private subnets
   */
  readonly subnets?: ec2.SubnetSelection;

  /**
   * The security groups of the VPC endpoint (1 to 5, each once).
   *
   * @default - one security group that allows HTTPS from the VPC's IPv4 CIDR block
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/**
 * Amazon Cognito as the workforce's identity provider.
 */
export interface WorkforceCognitoConfig {
  /** The user pool the workers sign in with. It must have a domain. */
  readonly userPool: cognito.IUserPool;
  /** The app client of the labeling portal. It must have a client secret. */
  readonly userPoolClient: cognito.IUserPoolClient;
}

/**
 * Your own OpenID Connect identity provider as the workforce's identity provider.
 *
 * The IdP must send the claims `sagemaker:groups`, `sagemaker:sub`, `sagemaker:client_id` and
 * `sagemaker:name`. The configuration can only change while the workforce has no work teams.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/sms-workforce-create-private-oidc.html
 */
export interface WorkforceOidcConfig {
  /**
   * The client ID registered for the workforce at your IdP. The `AWS::SageMaker::Workforce`
   * schema allows only letters, digits, `_` and `+` in it (and in the secret).
   */
  readonly clientId: string;
  /**
   * The client secret, from Secrets Manager or an SSM SecureString parameter
   * (`SecretValue.secretsManager(...)`, `SecretValue.ssmSecure(...)`). Plain-text values are rejected
   * so that the secret never appears in the template.
   */
  readonly clientSecret: SecretValue;
  /** The issuer, an https:// URL. */
  readonly issuer: string;
  /** The authorization endpoint, an https:// URL. */
  readonly authorizationEndpoint: string;
  /** The token endpoint, an https:// URL. */
  readonly tokenEndpoint: string;
  /** The user-info endpoint, an https:// URL. */
  readonly userInfoEndpoint: string;
  /** The logout endpoint, an https:// URL. */
  readonly logoutEndpoint: string;
  /** The JSON Web Key Set URL, an https:// URL. */
  readonly jwksUri: string;
  /**
   * Scopes to request, separated by spaces.
   *
   * @default - the IdP's default scopes
   */
  readonly scope?: string;
  /**
   * Extra query parameters for the authentication request.
   *
   * @default - none
   */
  readonly authenticationRequestExtraParams?: Record<string, string>;
}

/**
 * A SageMaker private workforce.
 */
export interface IWorkforce extends IResource {
  /**
   * The name of the workforce.
   * @attribute
   */
  readonly workforceName: string;
  /**
   * The ARN of the workforce.
   * @attribute
   */
  readonly workforceArn: string;
}

/**
 * Properties of a `WorkforceResource`.
 */
export interface WorkforceResourceProps {
  /**
   * The workforce name: 1-63 letters, digits and hyphens, starting with a letter or digit.
   * Changing it replaces the workforce (delete, then create).
   *
   * @default - derived from the construct path
   */
  readonly workforceName?: string;

  /**
   * Cognito as identity provider. Exactly one of `cognitoConfig` and `oidcConfig` is required.
   * Changing it replaces the workforce.
   *
   * @default - no Cognito configuration; `oidcConfig` is required
   */
  readonly cognitoConfig?: WorkforceCognitoConfig;

  /**
   * Your own OIDC identity provider. Exactly one of `cognitoConfig` and `oidcConfig` is required.
   *
   * @default - no OIDC configuration; `cognitoConfig` is required
   */
  readonly oidcConfig?: WorkforceOidcConfig;

  /**
   * CIDR blocks that may reach the labeling portal (1 to 10, each network once). IPv6 blocks need
   * `ipAddressType: IpAddressType.DUALSTACK`. Cannot be combined with `vpcConfig`.
   *
   * @default - the portal is reachable from any address
   * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_SourceIpConfig.html
   */
  readonly sourceIpCidrs?: string[];

  /**
   * A VPC that workers reach the portal through. Cannot be combined with `sourceIpCidrs`.
   *
   * @default - the portal is reached over the internet
   */
  readonly vpcConfig?: WorkforceVpcConfig;

  /**
   * The IP address type of the portal.
   *
   * @default IpAddressType.IPV4
   */
  readonly ipAddressType?: IpAddressType;

  /**
   * Tags of the workforce (at most 50, together with tags applied through `Tags.of()`).
   *
   * @default - none
   */
  readonly tags?: Record<string, string>;

  /**
   * What happens to the workforce when it leaves the stack. Keep the default: a private workforce is
   * one per account and Region, so a retained one blocks the next create.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A SageMaker private workforce: the native `AWS::SageMaker::Workforce` resource behind typed,
 * validated props.
 *
 * There is one private workforce per account and Region. Workers reach it through the labeling
 * portal at `portalUrl`.
 *
 * @example
 * declare const pool: cognito.UserPool;
 * declare const client: cognito.UserPoolClient;
 * new WorkforceResource(this, 'Workforce', {
 *   cognitoConfig: { userPool: pool, userPoolClient: client },
 *   sourceIpCidrs: ['203.0.113.0/24'],
 * });
 */
export class WorkforceResource extends Resource implements IWorkforce, ITaggable {
  /**
   * Imports a workforce by name.
   */
  public static fromWorkforceName(scope: Construct, id: string, workforceName: string): IWorkforce {
    class Import extends Resource implements IWorkforce {
      public readonly workforceName = workforceName;
      public readonly workforceArn = Stack.of(scope).formatArn({
        service: 'sagemaker',
        resource: 'workforce',
        resourceName: workforceName,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    }
    return new Import(scope, id);
  }

  /** @attribute */
  public readonly workforceName: string;
  /** @attribute */
  public readonly workforceArn: string;
  /**
   * The portal's host name, for example `abcd1234.labeling.us-east-1.sagemaker.aws`.
   * @attribute
   */
  public readonly subDomain: string;
  /** The labeling portal URL, `https://` + `subDomain`. */
  public readonly portalUrl: string;
  /** Tags of the workforce; `Tags.of()` adds to them. */
  public readonly tags: TagManager;
  /** The security groups of the portal's VPC endpoint, when `vpcConfig` is given. */
  public readonly securityGroups: ec2.ISecurityGroup[];

  private readonly resource: CfnResource;

  constructor(scope: Construct, id: string, props: WorkforceResourceProps) {
    super(scope, id);
    checkPropTypes(props, WORKFORCE_RESOURCE_TYPES); // first: untyped callers get a clear error, not a TypeError

    validateWorkforceRegion(this);
    validateOneWorkforcePerRegion(this);
    validateWorkforceSettings(props);
    if (!!props.cognitoConfig === !!props.oidcConfig) {
      throw new Error('Exactly one of `cognitoConfig` and `oidcConfig` is required, got ' +
        (props.cognitoConfig ? 'both.' : 'neither.'));
    }
    if (props.oidcConfig) {
      validateOidcConfig(props.oidcConfig, (secret) => Stack.of(this).resolve(secret));
    }

    const workforceName = props.workforceName ?? deriveWorkforceName(this);
    this.tags = new TagManager(TagType.KEY_VALUE, 'AWS::SageMaker::Workforce', props.tags, { tagPropertyName: 'tags' });
    this.securityGroups = props.vpcConfig
      ? props.vpcConfig.securityGroups ?? [this.createPortalSecurityGroup(props.vpcConfig.vpc)]
      : [];

    this.resource = new CfnResource(this, 'Resource', {
      type: 'AWS::SageMaker::Workforce',
      properties: {
        WorkforceName: workforceName,
        CognitoConfig: props.cognitoConfig && {
          UserPool: props.cognitoConfig.userPool.userPoolId,
          ClientId: props.cognitoConfig.userPoolClient.userPoolClientId,
        },
        OidcConfig: props.oidcConfig && renderOidcConfig(props.oidcConfig),
        SourceIpConfig: props.sourceIpCidrs && { Cidrs: props.sourceIpCidrs },
        WorkforceVpcConfig: props.vpcConfig && {
          VpcId: props.vpcConfig.vpc.vpcId,
          Subnets: props.vpcConfig.vpc.selectSubnets(props.vpcConfig.subnets).subnetIds,
          SecurityGroupIds: this.securityGroups.map((sg) => sg.securityGroupId),
        },
        IpAddressType: props.ipAddressType,
        Tags: Lazy.any({ produce: () => this.tags.renderTags() }),
      },
    });
    this.resource.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.DESTROY);

    // Ref of AWS::SageMaker::Workforce is its ARN (the registry's primaryIdentifier), never the
    // name: the name is the string given or derived here, known at synth.
    this.workforceName = workforceName;
    this.workforceArn = this.resource.getAtt('WorkforceArn').toString();
    this.subDomain = this.resource.getAtt('SubDomain').toString();
    this.portalUrl = Fn.join('', ['https://', this.subDomain]);
  }

  private createPortalSecurityGroup(vpc: ec2.IVpc): ec2.ISecurityGroup {
    // aws-ec2 is one of aws-cdk-lib's largest modules: load it only when a VPC is configured, so
    // that synth stays fast for everyone else.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Peer, Port, SecurityGroup }: typeof import('aws-cdk-lib/aws-ec2') = require('aws-cdk-lib/aws-ec2');
    const sg = new SecurityGroup(this, 'PortalEndpointSecurityGroup', {
      vpc,
      description: 'Labeling portal VPC endpoint of the SageMaker private workforce',
      allowAllOutbound: false,
    });
    sg.addIngressRule(Peer.ipv4(vpc.vpcCidrBlock), Port.tcp(443), 'HTTPS to the labeling portal from the VPC');
    if (Token.isUnresolved(vpc.vpcCidrBlock)) {
      acknowledgeNagFinding(sg, 'AwsSolutions-EC23',
        'Ingress is HTTPS from the VPC\'s own IPv4 CIDR block, a CloudFormation reference that cdk-nag cannot resolve.');
    }
    return sg;
  }
}

function renderOidcConfig(oidc: WorkforceOidcConfig): Record<string, unknown> {
  return {
    ClientId: oidc.clientId,
    ClientSecret: oidc.clientSecret.unsafeUnwrap(), // a dynamic reference, checked in validateOidcConfig
    Issuer: oidc.issuer,
    AuthorizationEndpoint: oidc.authorizationEndpoint,
    TokenEndpoint: oidc.tokenEndpoint,
    UserInfoEndpoint: oidc.userInfoEndpoint,
    LogoutEndpoint: oidc.logoutEndpoint,
    JwksUri: oidc.jwksUri,
    Scope: oidc.scope,
    AuthenticationRequestExtraParams: oidc.authenticationRequestExtraParams,
  };
}
