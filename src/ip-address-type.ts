/**
 * The IP address type of a private workforce's worker portal.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/sms-workforce-management-private-api-dualstack.html
 */
export enum IpAddressType {
  /** IPv4 only. */
  IPV4 = 'ipv4',
  /** IPv4 and IPv6. Needed for IPv6 source CIDRs; with a VPC, the VPC and its subnets must be dualstack too. */
  DUALSTACK = 'dualstack',
}
