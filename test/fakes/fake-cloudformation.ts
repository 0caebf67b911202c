import * as sdk from '@aws-sdk/client-cloudformation';
import { HttpRequest, HttpResponse } from '@smithy/protocol-http';
import { ApiModel, ModelViolation } from './api-model';
import { fakeClientConfig } from './client-config';
import type { Authorizer } from './iam';

/*
 * CloudFormation's DescribeStacks and DescribeStackResources for the handler (the query protocol: a form-encoded request and
 * an XML answer), answering with the status the simulator's stack is in at that moment. Requests
 * are checked against the AWS API models.
 */

const cloudFormationModel = ApiModel.load('cloudformation', '2010-05-15', sdk as unknown as Record<string, unknown>);

/** A resource of the stack, as DescribeStackResources reports it. */
export interface StackResourceView {
  readonly LogicalResourceId: string;
  readonly ResourceType: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceStatus: string;
}

/** What DescribeStacks and DescribeStackResources report about the simulated stack. */
export interface StackView {
  readonly stackId: string;
  readonly stackName: string;
  readonly status: () => string;
  readonly resources: () => StackResourceView[];
  /** The stack's template now (during an update rollback, the one it rolls back to). */
  readonly template: () => unknown;
}

/** The fake service; `client()` gives a real CloudFormationClient that talks to it. */
export class FakeCloudFormation {
  public readonly requests: Array<{ operation: string; input: Record<string, string> }> = [];
  public readonly violations: ModelViolation[] = [];
  public authorizer?: Authorizer;

  constructor(private readonly stack: StackView) {}

  public client(): sdk.CloudFormationClient {
    return new sdk.CloudFormationClient(fakeClientConfig((request) => this.handle(request)));
  }

  private listStackResources(ns: string, nextToken: string | undefined): string {
    const all = this.stack.resources();
    const start = nextToken ? Number(nextToken) : 0;
    const page = all.slice(start, start + PAGE);
    const next = start + PAGE < all.length ? `<NextToken>${start + PAGE}</NextToken>` : '';
    return `<ListStackResourcesResponse ${ns}><ListStackResourcesResult><StackResourceSummaries>` +
      page.map((r) => '<member>' +
        `<LogicalResourceId>${r.LogicalResourceId}</LogicalResourceId>` +
        (r.PhysicalResourceId ? `<PhysicalResourceId>${escapeXml(r.PhysicalResourceId)}</PhysicalResourceId>` : '') +
        `<ResourceType>${r.ResourceType}</ResourceType><LastUpdatedTimestamp>2026-12-01T00:00:00.000Z</LastUpdatedTimestamp>` +
        `<ResourceStatus>${r.ResourceStatus}</ResourceStatus></member>`).join('') +
      `</StackResourceSummaries>${next}</ListStackResourcesResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></ListStackResourcesResponse>`;
  }

  public async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    const body = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array);
    const params = Object.fromEntries(new URLSearchParams(body));
    const { Action: operation, Version: _version, ...input } = params;
    this.requests.push({ operation, input });
    try {
      cloudFormationModel.check(operation, input);
    } catch (error) {
      this.violations.push(error as ModelViolation);
      return xmlError(400, 'ValidationError', (error as Error).message);
    }
    if (!['DescribeStacks', 'DescribeStackResources', 'ListStackResources', 'GetTemplate'].includes(operation)) {
      return xmlError(400, 'InvalidAction', `The fake does not implement ${operation}.`);
    }
    // A stack never created (or deleted) does not exist, by name.
    const exists = !['NONE', 'DELETE_COMPLETE'].includes(this.stack.status());
    const known = (input.StackName === this.stack.stackId || input.StackName === this.stack.stackName) && exists;
    try {
      this.authorizer?.(`cloudformation:${operation}`, known ? this.stack.stackId : `arn:aws:cloudformation:us-east-1:123456789012:stack/${input.StackName}/*`);
    } catch (error) {
      return xmlError(403, 'AccessDenied', (error as Error).message);
    }
    if (!known) {
      return xmlError(400, 'ValidationError', `Stack with id ${input.StackName} does not exist`);
    }
    const ns = 'xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"';
    if (operation === 'GetTemplate') {
      const xml = `<GetTemplateResponse ${ns}><GetTemplateResult><TemplateBody>${escapeXml(JSON.stringify(this.stack.template()))}</TemplateBody>` +
        '<StagesAvailable><member>Original</member><member>Processed</member></StagesAvailable></GetTemplateResult></GetTemplateResponse>';
      return { response: new HttpResponse({ statusCode: 200, headers: { 'content-type': 'text/xml' }, body: new TextEncoder().encode(xml) }) };
    }
    if (operation === 'ListStackResources') {
      return { response: new HttpResponse({ statusCode: 200, headers: { 'content-type': 'text/xml' }, body: new TextEncoder().encode(this.listStackResources(ns, input.NextToken)) }) };
    }
    const xml = operation === 'DescribeStacks'
      ? `<DescribeStacksResponse ${ns}><DescribeStacksResult><Stacks><member>` +
        `<StackId>${this.stack.stackId}</StackId><StackName>${this.stack.stackName}</StackName>` +
        `<CreationTime>2026-12-01T00:00:00.000Z</CreationTime><StackStatus>${this.stack.status()}</StackStatus>` +
        '</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></DescribeStacksResponse>'
      : `<DescribeStackResourcesResponse ${ns}><DescribeStackResourcesResult><StackResources>` +
        this.stack.resources().map((r) => '<member>' +
          `<StackId>${this.stack.stackId}</StackId><StackName>${this.stack.stackName}</StackName><LogicalResourceId>${r.LogicalResourceId}</LogicalResourceId>` +
          (r.PhysicalResourceId ? `<PhysicalResourceId>${escapeXml(r.PhysicalResourceId)}</PhysicalResourceId>` : '') +
          `<ResourceType>${r.ResourceType}</ResourceType><Timestamp>2026-12-01T00:00:00.000Z</Timestamp><ResourceStatus>${r.ResourceStatus}</ResourceStatus>` +
          '</member>').join('') +
        '</StackResources></DescribeStackResourcesResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></DescribeStackResourcesResponse>';
    return { response: new HttpResponse({ statusCode: 200, headers: { 'content-type': 'text/xml' }, body: new TextEncoder().encode(xml) }) };
  }
}

/** ListStackResources: 100 summaries a page, as CloudFormation pages them. */
const PAGE = 100;

function xmlError(statusCode: number, code: string, message: string): { response: HttpResponse } {
  const xml = `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>fake</RequestId></ErrorResponse>`;
  return { response: new HttpResponse({ statusCode, headers: { 'content-type': 'text/xml' }, body: new TextEncoder().encode(xml) }) };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
