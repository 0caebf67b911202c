import { Readable } from 'stream';
import * as sdk from '@aws-sdk/client-s3';
import { HttpRequest, HttpResponse } from '@smithy/protocol-http';
import { ApiModel, ModelViolation } from './api-model';
import { fakeClientConfig } from './client-config';
import type { Authorizer } from './iam';

const s3Model = ApiModel.load('s3', '2006-03-01', sdk as unknown as Record<string, unknown>);

/**
 * An S3 bucket store for tests that serves GetObject (path-style) to the real SDK v3 client and
 * answers NoSuchKey for missing objects. Requests are checked against the S3 API model.
 */
export class FakeS3 {
  public readonly violations: ModelViolation[] = [];
  public readonly gets: string[] = [];
  /** Checks each request against the caller's IAM policies; set by the simulator. */
  public authorizer?: Authorizer;
  private readonly objects = new Map<string, Buffer>();

  /** Stores an object. */
  public put(bucket: string, key: string, body: string): void {
    this.objects.set(`${bucket}/${key}`, Buffer.from(body));
  }

  /** A client of this fake. */
  public client(): sdk.S3Client {
    return new sdk.S3Client({ ...fakeClientConfig((request) => this.handle(request)), forcePathStyle: true });
  }

  /** Answers one HTTP request of the real SDK client (also served over HTTP by tests of the bundled handler). */
  public async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    const [bucket, ...rest] = decodeURIComponent(request.path).replace(/^\//, '').split('/');
    const key = rest.join('/');
    try {
      s3Model.check(request.method === 'GET' ? 'GetObject' : `Unsupported${request.method}`, { Bucket: bucket, Key: key });
    } catch (error) {
      this.violations.push(error as ModelViolation);
      return { response: new HttpResponse({ statusCode: 400, headers: {}, body: Readable.from([Buffer.from('<Error><Code>InvalidRequest</Code></Error>')]) }) };
    }
    try {
      this.authorizer?.('s3:GetObject', `arn:aws:s3:::${bucket}/${key}`);
    } catch (error) {
      const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>${(error as Error).message}</Message></Error>`;
      return { response: new HttpResponse({ statusCode: 403, headers: { 'content-type': 'application/xml' }, body: Readable.from([Buffer.from(xml)]) }) };
    }
    this.gets.push(`${bucket}/${key}`);
    const body = this.objects.get(`${bucket}/${key}`);
    if (!body) {
      const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>${key}</Key></Error>`;
      return { response: new HttpResponse({ statusCode: 404, headers: { 'content-type': 'application/xml' }, body: Readable.from([Buffer.from(xml)]) }) };
    }
    return {
      response: new HttpResponse({
        statusCode: 200,
        headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
        body: Readable.from([body]),
      }),
    };
  }
}
