import { createHash } from 'crypto';
import type { FakeCognito } from './fake-cognito';
import type { FakeDynamoDB, TableDefinition } from './fake-dynamodb';
import type { FakeSageMaker } from './fake-sagemaker';
import type { IamPolicies } from './iam';
import type { ResourceFacts } from './registry';

/*
 * What CloudFormation's resource handlers do for the types the tests care about, against the
 * fakes; every other type only gets identifiers and attribute values (generated from the registry's
 * ARN template and identifiers). Values are what Ref and GetAtt then return.
 */

type Json = Record<string, any>;

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

/** A resource as it exists in the account. */
export interface PhysicalResource {
  readonly logicalId: string;
  readonly type: string;
  /** Identifier and attribute values (what Ref and GetAtt return), by name. */
  readonly values: Json;
  /** The resolved properties it was created or last updated with. */
  readonly properties: Json;
}

/** The fakes CloudFormation's handlers act on. */
export interface ProviderContext {
  readonly cognito: FakeCognito;
  readonly sagemaker: FakeSageMaker;
  readonly iam: IamPolicies;
  /** DynamoDB's tables; a template with an AWS::DynamoDB::Table needs it. */
  readonly dynamodb?: FakeDynamoDB;
  readonly stackName: string;
}

/** Creates a resource of a modeled or generic type; returns its values. */
export function createResource(ctx: ProviderContext, facts: ResourceFacts, logicalId: string, props: Json, generation: number): Json {
  switch (facts.type) {
    case 'AWS::Cognito::UserPool': {
      const id = ctx.cognito.createUserPool(props);
      return { UserPoolId: id, Arn: poolArn(id), ProviderName: `cognito-idp.${REGION}.amazonaws.com/${id}`, ProviderURL: `https://cognito-idp.${REGION}.amazonaws.com/${id}` };
    }
    case 'AWS::Cognito::UserPoolClient': {
      const id = ctx.cognito.createUserPoolClient(props.UserPoolId, props);
      const secret = ctx.cognito.describeClient(props.UserPoolId, id).ClientSecret;
      return { UserPoolId: props.UserPoolId, ClientId: id, Name: props.ClientName ?? id, ClientSecret: secret };
    }
    case 'AWS::Cognito::UserPoolGroup':
      ctx.cognito.createGroup(props.UserPoolId, props.GroupName);
      return { UserPoolId: props.UserPoolId, GroupName: props.GroupName };
    case 'AWS::SageMaker::Workforce': {
      ctx.sagemaker.createWorkforce(withoutUndefined({
        WorkforceName: props.WorkforceName,
        CognitoConfig: props.CognitoConfig,
        OidcConfig: props.OidcConfig,
        SourceIpConfig: props.SourceIpConfig,
        WorkforceVpcConfig: props.WorkforceVpcConfig,
        IpAddressType: props.IpAddressType,
      }));
      const workforce = ctx.sagemaker.workforce(props.WorkforceName)!;
      return { WorkforceName: props.WorkforceName, WorkforceArn: workforce.WorkforceArn, SubDomain: workforce.SubDomain };
    }
    case 'AWS::SageMaker::Workteam': {
      const name = props.WorkteamName ?? generatedName(ctx, logicalId, generation, 63);
      const { WorkteamArn } = ctx.sagemaker.createWorkteam(withoutUndefined({
        WorkteamName: name,
        WorkforceName: props.WorkforceName,
        // The resource names the Cognito member's fields CognitoUserPool, CognitoClientId and
        // CognitoUserGroup; the API calls them UserPool, ClientId and UserGroup.
        MemberDefinitions: (props.MemberDefinitions ?? []).map((m: Json) => (m.CognitoMemberDefinition ? {
          CognitoMemberDefinition: {
            UserPool: m.CognitoMemberDefinition.CognitoUserPool,
            ClientId: m.CognitoMemberDefinition.CognitoClientId,
            UserGroup: m.CognitoMemberDefinition.CognitoUserGroup,
          },
        } : m)),
        Description: props.Description,
        NotificationConfiguration: props.NotificationConfiguration,
      }));
      return { WorkteamName: name, WorkteamArn };
    }
    case 'AWS::DynamoDB::Table': {
      const dynamodb = dynamodbOf(ctx, logicalId);
      const name = props.TableName ?? generatedName(ctx, logicalId, generation, 255);
      const { LatestStreamArn } = dynamodb.createTable(name, tableDefinition(logicalId, props));
      // Ref is the table name (cfnRefIdentifier); GetAtt Arn from the registry's ARN template, and
      // StreamArn, which "You must specify the StreamSpecification property to use".
      return {
        TableName: name,
        Arn: arnFromTemplate(ctx, facts, logicalId, { TableName: name }, generation),
        ...(LatestStreamArn ? { StreamArn: LatestStreamArn } : {}),
      };
    }
    default: {
      const values = genericValues(ctx, facts, logicalId, props, generation);
      attachPolicies(ctx, facts.type, logicalId, props, values);
      return values;
    }
  }
}

/** Updates a resource in place; returns its (possibly changed) values. */
export function updateResource(ctx: ProviderContext, facts: ResourceFacts, current: PhysicalResource, props: Json): Json {
  switch (facts.type) {
    case 'AWS::Cognito::UserPool':
      ctx.cognito.cloudFormationUpdateUserPool(current.values.UserPoolId, props);
      return current.values;
    case 'AWS::Cognito::UserPoolClient':
      ctx.cognito.cloudFormationUpdateUserPoolClient(props.UserPoolId, current.values.ClientId, props);
      return current.values;
    case 'AWS::SageMaker::Workforce':
      ctx.sagemaker.updateWorkforce(withoutUndefined({
        WorkforceName: current.values.WorkforceName,
        SourceIpConfig: props.SourceIpConfig ?? { Cidrs: [] },
        OidcConfig: props.OidcConfig,
        WorkforceVpcConfig: props.WorkforceVpcConfig,
        IpAddressType: props.IpAddressType,
      }));
      return current.values;
    case 'AWS::DynamoDB::Table': {
      // Properties whose change replaces the table (registry: causesReplacement) never reach an
      // in-place update: the simulator replaces the resource instead.
      const replacing = [...facts.replacing.keys()].filter((p) => JSON.stringify(current.properties[p]) !== JSON.stringify(props[p]));
      if (replacing.length > 0) {
        throw new Error(`${current.logicalId}: a change of ${replacing.join(', ')} replaces an AWS::DynamoDB::Table (registry); it cannot be updated in place`);
      }
      tableDefinition(current.logicalId, props);
      for (const unmodelled of ['AttributeDefinitions', 'StreamSpecification']) {
        if (JSON.stringify(current.properties[unmodelled]) !== JSON.stringify(props[unmodelled])) {
          throw new Error(`${current.logicalId}: the simulator does not model a change of ${unmodelled} of an AWS::DynamoDB::Table`);
        }
      }
      dynamodbOf(ctx, current.logicalId).updateTable(current.values.TableName, {
        TimeToLiveSpecification: props.TimeToLiveSpecification ?? { Enabled: false },
        DeletionProtectionEnabled: props.DeletionProtectionEnabled ?? false,
      });
      return current.values;
    }
    default:
      attachPolicies(ctx, facts.type, current.logicalId, props, current.values);
      return current.values;
  }
}

/** Deletes a resource; tolerates one that is already gone where the handler would. */
export function deleteResource(ctx: ProviderContext, facts: ResourceFacts, current: PhysicalResource): void {
  switch (facts.type) {
    case 'AWS::Cognito::UserPool':
      ctx.cognito.deleteUserPool(current.values.UserPoolId);
      return;
    case 'AWS::Cognito::UserPoolClient':
      ctx.cognito.deleteUserPoolClient(current.values.UserPoolId, current.values.ClientId);
      return;
    case 'AWS::Cognito::UserPoolGroup':
      ctx.cognito.deleteGroup(current.values.UserPoolId, current.values.GroupName);
      return;
    case 'AWS::SageMaker::Workforce':
      ctx.sagemaker.deleteWorkforce(current.values.WorkforceName);
      return;
    case 'AWS::SageMaker::Workteam':
      ctx.sagemaker.deleteWorkteam(current.values.WorkteamName);
      return;
    case 'AWS::DynamoDB::Table': {
      // The table goes with its items; one that is already gone is fine.
      const dynamodb = dynamodbOf(ctx, current.logicalId);
      if (dynamodb.hasTable(current.values.TableName)) {
        dynamodb.deleteTable(current.values.TableName);
      }
      return;
    }
    case 'AWS::IAM::Policy':
      ctx.iam.detach(current.logicalId);
      return;
    case 'AWS::IAM::Role':
      ctx.iam.detach(`${current.logicalId}/inline`);
      return;
    default:
      return;
  }
}

function dynamodbOf(ctx: ProviderContext, logicalId: string): FakeDynamoDB {
  if (!ctx.dynamodb) {
    throw new Error(`${logicalId}: the template has an AWS::DynamoDB::Table and the simulator has no FakeDynamoDB (ProviderContext.dynamodb)`);
  }
  return ctx.dynamodb;
}

/**
 * Properties of AWS::DynamoDB::Table that change how the table answers requests, and that the fake
 * does not implement: refused rather than ignored. The rest (Tags, SSE, point-in-time recovery,
 * table class, contributor insights, throughput settings, resource policy) are accepted and have
 * no effect here.
 */
const UNMODELLED_TABLE_PROPERTIES = ['GlobalSecondaryIndexes', 'LocalSecondaryIndexes', 'ImportSourceSpecification', 'KinesisStreamSpecification', 'VectorIndexes'];

/** What the fake's CreateTable takes, from the resource's properties. */
function tableDefinition(logicalId: string, props: Json): TableDefinition {
  const unmodelled = UNMODELLED_TABLE_PROPERTIES.filter((p) => props[p] !== undefined);
  if (unmodelled.length > 0) {
    throw new Error(`${logicalId}: the simulator does not model ${unmodelled.join(', ')} of an AWS::DynamoDB::Table`);
  }
  return {
    KeySchema: props.KeySchema,
    AttributeDefinitions: props.AttributeDefinitions ?? [],
    BillingMode: props.BillingMode,
    DeletionProtectionEnabled: props.DeletionProtectionEnabled,
    TimeToLiveSpecification: props.TimeToLiveSpecification,
    StreamSpecification: props.StreamSpecification && { StreamViewType: props.StreamSpecification.StreamViewType },
  };
}

/** The identity policies a resource attaches (AWS::IAM::Policy, a role's inline Policies). */
function attachPolicies(ctx: ProviderContext, type: string, logicalId: string, props: Json, values: Json): void {
  if (type === 'AWS::IAM::Policy') {
    ctx.iam.attach(logicalId, [props.Roles ?? []].flat(), props.PolicyDocument);
  } else if (type === 'AWS::IAM::Role') {
    const statements = (props.Policies ?? []).flatMap((p: Json) => [p.PolicyDocument?.Statement ?? []].flat());
    ctx.iam.attach(`${logicalId}/inline`, [values.RoleName], { Statement: statements });
  }
}

/**
 * Identifier and attribute values of a type the simulator does not model: properties where the
 * template sets them, ARNs from the registry's ARN template, generated names and ids otherwise.
 */
function genericValues(ctx: ProviderContext, facts: ResourceFacts, logicalId: string, props: Json, generation: number): Json {
  const values: Json = {};
  const names = new Set([...facts.identifiers, ...facts.refIdentifier, ...(facts.attributes ?? [])]);
  for (const name of [...names].filter((n) => !/Arn$/.test(n))) {
    values[name] = props[name] ?? generatedValue(ctx, name, logicalId, generation);
  }
  for (const name of [...names].filter((n) => /Arn$/.test(n))) {
    values[name] = props[name] ?? arnFromTemplate(ctx, facts, logicalId, { ...props, ...values }, generation);
  }
  return values;
}

function generatedValue(ctx: ProviderContext, name: string, logicalId: string, generation: number): string {
  if (/Name$/.test(name)) {
    return generatedName(ctx, logicalId, generation, 64);
  }
  return `${logicalId.slice(0, 20).toLowerCase()}${hash(`${logicalId}/${generation}`)}`;
}

/** A name as CloudFormation generates it: stack name, logical id, a random suffix. */
function generatedName(ctx: ProviderContext, logicalId: string, generation: number, max: number): string {
  const suffix = hash(`${logicalId}/${generation}`).toUpperCase();
  return `${ctx.stackName}-${logicalId}`.slice(0, max - suffix.length - 1) + `-${suffix}`;
}

function arnFromTemplate(ctx: ProviderContext, facts: ResourceFacts, logicalId: string, values: Json, generation: number): string {
  const template = facts.arnTemplate
    ?? `arn:\${Partition}:${facts.type.split('::')[1].toLowerCase()}:\${Region}:\${Account}:${facts.type.split('::')[2].toLowerCase()}/\${Id}`;
  return template.replace(/\$\{([^}]+)\}/g, (_, variable: string) => {
    switch (variable) {
      case 'Partition': return 'aws';
      case 'Region': return REGION;
      case 'Account': return ACCOUNT;
      default: {
        const value = values[variable] ?? values[variable.replace(/WithPath$|WithoutLeadingSlash$/, '')];
        return typeof value === 'string' ? value.replace(/^\//, '') : generatedName(ctx, logicalId, generation, 64);
      }
    }
  });
}

/** The ARN of a user pool. */
export function poolArn(id: string): string {
  return `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${id}`;
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

function withoutUndefined(value: Json): Json {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
