import * as sdk from '@aws-sdk/client-lambda';
import { HttpRequest, HttpResponse } from '@smithy/protocol-http';
import { ApiModel, ModelViolation } from './api-model';
import { fakeClientConfig } from './client-config';
import type { Authorizer } from './iam';

/*
 * Lambda's Invoke for the handler (REST-JSON: the function in the path, the invocation type in a
 * header): an asynchronous invocation (`Event`) is queued and answered 202, as Lambda does; the
 * simulator runs it. Requests are checked against the AWS API models.
 */

const lambdaModel = ApiModel.load('lambda', '2015-03-31', sdk as unknown as Record<string, unknown>);

/** The fake service; `client()` gives a real LambdaClient that talks to it. */
export class FakeLambda {
  public readonly requests: Array<{ functionName: string; invocationType: string; payload: unknown }> = [];
  public readonly violations: ModelViolation[] = [];
  public authorizer?: Authorizer;
  /** Runs an asynchronous invocation; set by the simulator. */
  public onEvent?: (functionName: string, payload: unknown) => void;

  public client(): sdk.LambdaClient {
    return new sdk.LambdaClient(fakeClientConfig((request) => this.handle(request)));
  }

  public async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(request.path);
    if (!match) {
      return respond(404, { message: `The fake does not implement ${request.method} ${request.path}` }, 'ResourceNotFoundException');
    }
    const functionName = decodeURIComponent(match[1]);
    const header = Object.entries(request.headers).find(([h]) => h.toLowerCase() === 'x-amz-invocation-type')?.[1];
    const invocationType = header ?? 'RequestResponse';
    const body = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array);
    try {
      lambdaModel.check('Invoke', { FunctionName: functionName, InvocationType: invocationType });
    } catch (error) {
      this.violations.push(error as ModelViolation);
      return respond(400, { message: (error as Error).message }, 'InvalidParameterValueException');
    }
    try {
      this.authorizer?.('lambda:InvokeFunction', functionName);
    } catch (error) {
      return respond(403, { message: (error as Error).message }, 'AccessDeniedException');
    }
    const payload = JSON.parse(body || '{}');
    this.requests.push({ functionName, invocationType, payload });
    if (invocationType !== 'Event') {
      return respond(400, { message: 'The fake runs asynchronous invocations (InvocationType Event) only.' }, 'InvalidParameterValueException');
    }
    this.onEvent?.(functionName, payload);
    return { response: new HttpResponse({ statusCode: 202, headers: {}, body: new Uint8Array() }) };
  }
}

function respond(statusCode: number, body: Record<string, unknown>, errorType: string): { response: HttpResponse } {
  return {
    response: new HttpResponse({
      statusCode,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': errorType },
      body: new TextEncoder().encode(JSON.stringify(body)),
    }),
  };
}
