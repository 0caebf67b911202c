import { CfnResource, Stack } from 'aws-cdk-lib';
import { harness, synth } from './harness';
import { PrivateWorkforce, Workers } from '../../src';
import { StackOperationFailed, SynthesizedStack } from '../fakes/cloudformation-sim';
import { providerSchema, resourceFacts } from '../fakes/registry';

// Each rule the simulator applies comes from AWS's registry data; each has a negative control
// here: a template with the bug planted, and the simulator refusing it as CloudFormation would.

const WORKFORCE = 'AWS::SageMaker::Workforce';
const WORKTEAM = 'AWS::SageMaker::Workteam';

const withTeam = (props: { workforceName?: string } = {}) => (stack: Stack) => {
  const workforce = new PrivateWorkforce(stack, 'Workforce', { workforceName: 'labeling', ...props });
  workforce.addWorkteam('Cats', { description: 'Cats', workteamName: 'cats', workers: Workers.fromList([{ email: 'ana@example.com' }]) });
};

/** A copy of a synthesized stack whose template `plant` changes. */
function planted(stack: SynthesizedStack, plant: (resources: Record<string, any>) => void): SynthesizedStack {
  const template = JSON.parse(JSON.stringify(stack.template));
  plant(template.Resources);
  return { ...stack, template };
}

function idOf(resources: Record<string, any>, type: string): string {
  return Object.keys(resources).find((id) => resources[id].Type === type)!;
}

describe('registry facts the simulator reads (aws-service-spec, registry schemas)', () => {
  test('Ref of AWS::SageMaker::Workforce is its ARN, of a user pool its id, of an app client its client id', () => {
    expect(resourceFacts(WORKFORCE).refIdentifier).toEqual(['WorkforceArn']);
    expect(resourceFacts('AWS::Cognito::UserPool').refIdentifier).toEqual(['UserPoolId']);
    expect(resourceFacts('AWS::Cognito::UserPoolClient').refIdentifier).toEqual(['ClientId']); // cfnRefIdentifier
    expect([...resourceFacts(WORKFORCE).attributes!].sort()).toEqual(['SubDomain', 'WorkforceArn']);
    expect(resourceFacts(WORKFORCE).required).toEqual(['WorkforceName']);
    expect([...resourceFacts(WORKFORCE).replacing.keys()].sort()).toEqual(['CognitoConfig', 'WorkforceName']);
    // The registry schema records how a workforce is replaced: the old one goes first.
    expect(resourceFacts(WORKFORCE).replacementStrategy).toBe('delete_then_create');
    expect(providerSchema(WORKFORCE).replacementStrategy).toBe('delete_then_create');
    expect(resourceFacts(WORKTEAM).replacementStrategy).toBe('create_then_delete');
  });

  test('the library\'s templates deploy: the work team gets the workforce\'s name', async () => {
    const h = harness();
    await h.cfn.deploy(synth(withTeam()));
    expect(h.sagemaker.workteamNames()).toEqual(['cats']);
    expect(h.sagemaker.requests.find((r) => r.operation === 'CreateWorkteam')!.input.WorkforceName).toBe('labeling');
    expect(h.sagemaker.violations).toEqual([]);
  });

  test('negative control: a Ref used as a name (the old bug) fails the work team, and the first deploy rolls back', async () => {
    const h = harness();
    const stack = planted(synth(withTeam()), (resources) => {
      resources[idOf(resources, WORKTEAM)].Properties.WorkforceName = { Ref: idOf(resources, WORKFORCE) };
    });
    const failure = await h.cfn.deploy(stack).catch((e) => e);
    expect(failure).toBeInstanceOf(StackOperationFailed);
    expect(failure.message).toMatch(/^ROLLBACK_COMPLETE: Properties validation failed for resource WorkforceCats[0-9A-F]+ with message: #\/WorkforceName: must match pattern/);
    expect(failure.message).toContain('#/WorkforceName');
    expect(h.sagemaker.workteamNames()).toEqual([]);
  });

  test('negative control: an attribute the type does not have fails template validation, before any change', async () => {
    const h = harness();
    const stack = planted(synth(withTeam()), (resources) => {
      resources[idOf(resources, WORKTEAM)].Properties.WorkforceName = { 'Fn::GetAtt': [idOf(resources, WORKFORCE), 'WorkforceName'] };
    });
    await expect(h.cfn.deploy(stack)).rejects.toThrow(/does not support attribute type WorkforceName in Fn::GetAtt \(AWS::SageMaker::Workforce has WorkforceArn, SubDomain\)/);
    expect(h.cfn.statuses).toEqual([]);
    expect(h.cognito.requests).toEqual([]);
  });

  test('negative control: a missing required property fails the resource', async () => {
    const h = harness();
    const stack = planted(synth(withTeam()), (resources) => {
      delete resources[idOf(resources, WORKFORCE)].Properties.WorkforceName;
    });
    await expect(h.cfn.deploy(stack)).rejects.toThrow(/ROLLBACK_COMPLETE: Properties validation failed for resource Workforce[0-9A-F]+ with message: #: required key \[WorkforceName\] not found/);
  });

  test('negative control: a property the registry schema refuses fails the resource', async () => {
    const h = harness();
    const stack = planted(synth(withTeam()), (resources) => {
      resources[idOf(resources, WORKFORCE)].Properties.SourceIpConfig = { Cidrs: Array.from({ length: 11 }, (_, i) => `10.${i}.0.0/16`) };
    });
    await expect(h.cfn.deploy(stack)).rejects.toThrow(/#\/SourceIpConfig\/Cidrs: must NOT have more than 10 items/);
  });

  test('a replacing property change replaces the resource: new first, old deleted in the cleanup phase', async () => {
    const h = harness();
    const v1 = synth((stack) => new PrivateWorkforce(stack, 'Workforce', { workforceName: 'labeling' }));
    await h.cfn.deploy(v1);
    const pool = h.cfn.physicalIdOf('AWS::Cognito::UserPool');
    const oldClient = h.cfn.physicalIdOf('AWS::Cognito::UserPoolClient');
    const v2 = planted(v1, (resources) => {
      resources[idOf(resources, 'AWS::Cognito::UserPoolClient')].Properties.GenerateSecret = false;
    });
    const deletedAt: string[] = [];
    const deleteClient = h.cognito.deleteUserPoolClient.bind(h.cognito);
    jest.spyOn(h.cognito, 'deleteUserPoolClient').mockImplementation((p, c) => {
      deletedAt.push(h.cfn.stackStatus);
      deleteClient(p, c);
    });
    await h.cfn.deploy(v2);
    const newClient = h.cfn.physicalIdOf('AWS::Cognito::UserPoolClient');
    expect(newClient).not.toBe(oldClient);
    expect(deletedAt).toEqual(['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS']);
    expect(() => h.cognito.describeClient(pool, oldClient)).toThrow(/does not exist/);
    // The new client id is create-only for the workforce: it was replaced too, old one first.
    expect(h.sagemaker.workforce('labeling')!.CognitoConfig.ClientId).toBe(newClient);
    expect(h.sagemaker.requests.map((r) => r.operation)).toEqual(['CreateWorkforce', 'DeleteWorkforce', 'CreateWorkforce']);
  });

  test('a replacement its dependents refuse rolls the update back: the old resources are in place again', async () => {
    const h = harness();
    const v1 = synth(withTeam());
    await h.cfn.deploy(v1);
    const pool = h.cfn.physicalIdOf('AWS::Cognito::UserPool');
    const oldClient = h.cfn.physicalIdOf('AWS::Cognito::UserPoolClient');
    // GenerateSecret is create-only for an app client (causesReplacement: yes).
    const v2 = planted(v1, (resources) => {
      resources[idOf(resources, 'AWS::Cognito::UserPoolClient')].Properties.GenerateSecret = false;
    });
    await h.cfn.deploy(v2).catch(() => undefined);
    // The client's new id reaches the workforce's CognitoConfig (create-only): the workforce is
    // replaced delete-then-create, which its work team refuses: the update rolls back.
    expect(h.cfn.stackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(h.cfn.physicalIdOf('AWS::Cognito::UserPoolClient')).toBe(oldClient);
    expect(h.cognito.describeClient(pool, oldClient).ClientId).toBe(oldClient);
    expect(h.cfn.failures.map((f) => f.reason).join('\n')).toMatch(/ResourceInUse|has work teams/);
  });

  test('a change that does not replace updates in place (same physical id)', async () => {
    const h = harness();
    const v1 = synth(withTeam());
    await h.cfn.deploy(v1);
    const client = h.cfn.physicalIdOf('AWS::Cognito::UserPoolClient');
    const v2 = planted(v1, (resources) => {
      resources[idOf(resources, 'AWS::Cognito::UserPoolClient')].Properties.RefreshTokenValidity = 600;
    });
    await h.cfn.deploy(v2);
    expect(h.cfn.physicalIdOf('AWS::Cognito::UserPoolClient')).toBe(client);
    expect(h.cfn.statuses.slice(-3)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE']);
  });

  test('negative control: a custom-named resource that must be replaced create-then-delete fails the update', async () => {
    const h = harness();
    const topic = (fifo: boolean) => (stack: Stack) => {
      new CfnResource(stack, 'Topic', { type: 'AWS::SNS::Topic', properties: { TopicName: 'alerts.fifo', FifoTopic: fifo } });
    };
    await h.cfn.deploy(synth(topic(true)));
    // FifoTopic is create-only; TopicName (an identifier) stays: CloudFormation refuses.
    await expect(h.cfn.deploy(synth(topic(false)))).rejects.toThrow(
      /UPDATE_ROLLBACK_COMPLETE: CloudFormation cannot update a stack when a custom-named resource requires replacing\. Rename alerts\.fifo and update the stack again/);
  });

  test('a workforce rename replaces it delete-then-create (one workforce per Region), with a new portal', async () => {
    const h = harness();
    const build = (workforceName: string) => (stack: Stack) => {
      new PrivateWorkforce(stack, 'Workforce', { workforceName, workers: Workers.fromList([{ email: 'ana@example.com' }]) });
    };
    await h.cfn.deploy(synth(build('labeling')));
    const oldPortal = h.cfn.attributesOf(WORKFORCE).SubDomain;
    await h.cfn.deploy(synth(build('labeling-v2')));
    const ops = h.sagemaker.requests.map((r) => `${r.operation} ${r.input.WorkforceName}`);
    expect(ops).toEqual(['CreateWorkforce labeling', 'DeleteWorkforce labeling', 'CreateWorkforce labeling-v2']);
    expect(h.cfn.attributesOf(WORKFORCE).SubDomain).not.toBe(oldPortal);
    // Had CloudFormation created the new one first, SageMaker would have refused it:
    expect(() => h.sagemaker.createWorkforce({ WorkforceName: 'another' })).toThrow(/Cannot create more than one workforce/);
  });

  test('a workforce with work teams cannot be replaced: the update fails and rolls back, the workforce stays', async () => {
    const h = harness();
    await h.cfn.deploy(synth(withTeam()));
    const portal = h.cfn.attributesOf(WORKFORCE).SubDomain;
    await expect(h.cfn.deploy(synth(withTeam({ workforceName: 'labeling-v2' })))).rejects.toThrow(
      /UPDATE_ROLLBACK_COMPLETE: .*ResourceInUse|UPDATE_ROLLBACK_COMPLETE: .*has work teams/);
    expect(h.sagemaker.workforce('labeling')?.SubDomain).toBe(portal);
    expect(h.sagemaker.workteamNames()).toEqual(['cats']);
  });
});

describe('a workforce rename that fails later', () => {
  test('rolls back by replacing the new workforce with one of the old name; the reconciler wires its portal', async () => {
    const h = harness();
    const build = (workforceName: string, broken = false) => (stack: Stack) => {
      const workforce = new PrivateWorkforce(stack, 'Workforce', { workforceName, workers: Workers.fromList([{ email: 'ana@example.com' }]) });
      if (broken) {
        new CfnResource(stack, 'Broken', { type: 'AWS::SSM::Parameter', properties: { Name: '/broken' } }).node.addDependency(workforce.invitations!.resource);
      }
    };
    await h.cfn.deploy(synth(build('labeling')));
    await expect(h.cfn.deploy(synth(build('labeling-v2', true)))).rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
    expect(h.sagemaker.requests.map((r) => `${r.operation} ${r.input.WorkforceName}`)).toEqual([
      'CreateWorkforce labeling', 'DeleteWorkforce labeling', 'CreateWorkforce labeling-v2',
      'DeleteWorkforce labeling-v2', 'CreateWorkforce labeling',
    ]);
    // Three workforces, three portals: the app client must have the last one's URLs, and only those.
    const portal = `https://${h.sagemaker.workforce('labeling')!.SubDomain}`;
    const client = h.cognito.describeClient(h.cfn.physicalIdOf('AWS::Cognito::UserPool'), h.cfn.physicalIdOf('AWS::Cognito::UserPoolClient'));
    expect(client.CallbackURLs).toEqual([`${portal}/oauth2/idpresponse`]);
    expect(client.LogoutURLs).toEqual([`${portal}/logout`]);
  });
});

describe('moving the PrivateWorkforce construct', () => {
  test('a new logical id creates the new workforce before the old one is deleted: SageMaker refuses, the deploy rolls back', async () => {
    const h = harness();
    const at = (id: string) => (stack: Stack) => new PrivateWorkforce(stack, id, { workforceName: 'labeling' });
    await h.cfn.deploy(synth(at('Workforce')));
    const portal = h.sagemaker.workforce('labeling')!.SubDomain;
    await expect(h.cfn.deploy(synth(at('Labeling')))).rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE: .*Cannot create more than one workforce/);
    expect(h.sagemaker.workforce('labeling')!.SubDomain).toBe(portal);
  });
});

describe('SageMaker fake rules, each with a request that breaks it', () => {
  const idp = {
    Issuer: 'https://idp.example.com',
    AuthorizationEndpoint: 'https://idp.example.com/authorize',
    TokenEndpoint: 'https://idp.example.com/token',
    UserInfoEndpoint: 'https://idp.example.com/userinfo',
    LogoutEndpoint: 'https://idp.example.com/logout',
    JwksUri: 'https://idp.example.com/jwks',
  };
  const oidcWorkforce = () => {
    const h = harness();
    h.sagemaker.createWorkforce({ WorkforceName: 'labeling', OidcConfig: { ClientId: 'client', ClientSecret: 'secret', ...idp } });
    return h;
  };
  const oidcUpdate = { WorkforceName: 'labeling', OidcConfig: { ClientId: 'client2', ClientSecret: 'secret', ...idp } };
  const team = (name: string) => ({ WorkteamName: name, WorkforceName: 'labeling', Description: name, MemberDefinitions: [{ OidcMemberDefinition: { Groups: ['g'] } }] });

  test('the OIDC configuration is updated while the workforce has no work teams, and refused once it has one', () => {
    const h = oidcWorkforce();
    h.sagemaker.updateWorkforce(oidcUpdate);
    h.sagemaker.createWorkteam(team('reviewers'));
    expect(() => h.sagemaker.updateWorkforce(oidcUpdate)).toThrow(/only be updated while the workforce has no work teams/);
  });

  test('25 work teams, and the 26th is refused', () => {
    const h = oidcWorkforce();
    for (let i = 0; i < 25; i++) {
      h.sagemaker.createWorkteam(team(`team-${i}`));
    }
    expect(() => h.sagemaker.createWorkteam(team('team-25'))).toThrow(/At most 25 work teams/);
    expect(h.sagemaker.workteamNames()).toHaveLength(25);
  });
});
