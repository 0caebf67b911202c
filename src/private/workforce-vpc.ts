/**
 * The EC2 actions of CloudFormation's own update handler of AWS::SageMaker::Workforce (registry
 * data): UpdateWorkforce with a VPC configuration changes the portal's VPC endpoint with the
 * caller's permissions. A test compares them with the registry schema.
 */
export const WORKFORCE_VPC_ACTIONS = [
  'ec2:CreateVpcEndpoint', 'ec2:DescribeVpcEndpoints', 'ec2:DeleteVpcEndpoints', 'ec2:ModifyVpcEndpoint',
  'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs',
];
