import { DescribeStacksCommand, ListStackResourcesCommand, StackResourceSummary } from '@aws-sdk/client-cloudformation';
import type { HandlerContext } from './dispatch';

/**
 * The status of a stack (DescribeStacks on its id). It tells the Delete events CloudFormation sends
 * apart: DELETE_IN_PROGRESS when the stack itself is deleted; UPDATE_COMPLETE_CLEANUP_IN_PROGRESS
 * after an update that replaced or removed the resource; ROLLBACK_IN_PROGRESS or
 * UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS during rollbacks (CloudFormation user guide, stack
 * status codes).
 */
export async function stackStatusOf(stackId: string, ctx: Pick<HandlerContext, 'call' | 'cloudFormation'>): Promise<string> {
  const described = await ctx.call(`DescribeStacks ${stackId}`, () => ctx.cloudFormation.send(new DescribeStacksCommand({ StackName: stackId })));
  const status = described.Stacks?.[0]?.StackStatus;
  if (!status) {
    throw new Error(`DescribeStacks of ${stackId} returned no stack status.`);
  }
  return status;
}

/** The resources of the handler's own stack (ListStackResources, every page). */
export async function stackResources(stackId: string, ctx: Pick<HandlerContext, 'call' | 'cloudFormation'>): Promise<StackResourceSummary[]> {
  const found: StackResourceSummary[] = [];
  let token: string | undefined;
  do {
    const page = await ctx.call('ListStackResources', () => ctx.cloudFormation.send(new ListStackResourcesCommand({ StackName: stackId, NextToken: token })));
    found.push(...page.StackResourceSummaries ?? []);
    token = page.NextToken;
  } while (token);
  return found;
}
