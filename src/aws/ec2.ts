// Network lookups: the default VPC and its subnets (where lsvc puts RDS and Redis), and security
// groups by name.
import {
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';

import { AwsError } from '../errors.js';
import { send } from './call.js';

export interface DefaultNetwork {
  vpcId: string;
  /** One default subnet per availability zone, sorted by zone. */
  subnetIds: string[];
}

export async function defaultNetwork(ec2: EC2Client, region: string): Promise<DefaultNetwork> {
  const vpcs = await send(
    'ec2',
    ec2,
    new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }),
  );
  const vpcId = vpcs.Vpcs?.[0]?.VpcId;
  if (!vpcId) {
    throw new AwsError(`There is no default VPC in ${region}.`, {
      hint: `Create it once with "aws ec2 create-default-vpc --region ${region}", then run lsvc provision again.`,
    });
  }
  const subnets = await send(
    'ec2',
    ec2,
    new DescribeSubnetsCommand({
      Filters: [
        { Name: 'vpc-id', Values: [vpcId] },
        { Name: 'default-for-az', Values: ['true'] },
      ],
    }),
  );
  const subnetIds = (subnets.Subnets ?? [])
    .sort((a, b) => (a.AvailabilityZone ?? '').localeCompare(b.AvailabilityZone ?? ''))
    .flatMap((s) => (s.SubnetId ? [s.SubnetId] : []));
  if (subnetIds.length < 2) {
    throw new AwsError(
      `The default VPC ${vpcId} has ${subnetIds.length} default subnet(s); RDS needs two zones.`,
      {
        hint: `Create the missing default subnets with "aws ec2 create-default-subnet --availability-zone <zone>".`,
      },
    );
  }
  return { vpcId, subnetIds };
}

export async function findSecurityGroup(
  ec2: EC2Client,
  vpcId: string,
  groupName: string,
): Promise<SecurityGroup | undefined> {
  const out = await send(
    'ec2',
    ec2,
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: 'vpc-id', Values: [vpcId] },
        { Name: 'group-name', Values: [groupName] },
      ],
    }),
  );
  return out.SecurityGroups?.[0];
}

/** Does the group admit TCP `port` from the security group `sourceGroupId`? */
export function allowsFromGroup(group: SecurityGroup, port: number, sourceGroupId: string): boolean {
  return (group.IpPermissions ?? []).some(
    (p) =>
      (p.IpProtocol === 'tcp' || p.IpProtocol === '6') &&
      (p.FromPort ?? -1) <= port &&
      (p.ToPort ?? -1) >= port &&
      (p.UserIdGroupPairs ?? []).some((pair) => pair.GroupId === sourceGroupId),
  );
}
