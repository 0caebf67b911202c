// A portal reached through a dualstack VPC. Source CIDRs do not apply through a VPC (the
// construct refuses the combination), so this scenario has none.
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { assertWiring, integApp } from './integ-helpers';
import { IpAddressType, PrivateWorkforce, Workers } from '../src';

export const app = integApp();
export const stack = new Stack(app, 'VpcDualstack', { stackName: 'cdk-private-workforce-integ-vpc' });

const vpc = new ec2.Vpc(stack, 'Vpc', {
  maxAzs: 2,
  natGateways: 0,
  ipProtocol: ec2.IpProtocol.DUAL_STACK,
  subnetConfiguration: [
    { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
    { name: 'portal', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
  ],
});
vpc.addFlowLog('FlowLog');

export const workforce = new PrivateWorkforce(stack, 'Workforce', {
  workforceName: 'cdk-private-workforce-integ-vpc',
  vpcConfig: { vpc, subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } },
  ipAddressType: IpAddressType.DUALSTACK,
  removalPolicy: RemovalPolicy.DESTROY,
  workers: Workers.fromList([{ email: 'integ-vpc@example.com', username: 'integ-vpc' }]),
});

const integ = new IntegTest(app, 'PrivateWorkforceVpcDualstack', { testCases: [stack], stackUpdateWorkflow: false });
assertWiring(integ, workforce, { worker: 'integ-vpc' });

app.synth();
