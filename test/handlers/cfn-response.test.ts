import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { cloudFormationResponder, CREATE_FAILED_PHYSICAL_ID, isCloudFormationResponseUrl, putResponse } from '../../src/handlers/cfn-response';
import type { ResourceEvent } from '../../src/handlers/dispatch';

// CloudFormation's pre-signed response URL, played by a local HTTP server.
let server: Server;
let url: string;
const received: Array<{ method: string; contentType: string | undefined; body: any }> = [];
let failNext = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(500).end();
        return;
      }
      received.push({ method: req.method!, contentType: req.headers['content-type'], body: JSON.parse(body) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response?X-Amz-Signature=abc`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => { received.length = 0; failNext = 0; });

const context = { getRemainingTimeInMillis: () => 60_000, logStreamName: '2026/11/27/[$LATEST]abc' };
// CloudFormation is played on loopback http here; the responder accepts it only when told.
const LOOPBACK = { allowLoopback: true };
function event(requestType: 'Create' | 'Update' | 'Delete', physicalId?: string) {
  return {
    RequestType: requestType,
    ResourceType: 'Custom::PrivateWorkforceCallbackReconciler',
    LogicalResourceId: 'Reconciler',
    RequestId: 'req-1',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/s/1',
    ResourceProperties: {},
    ResponseURL: url,
    ...(physicalId ? { PhysicalResourceId: physicalId } : {}),
  } as ResourceEvent<any> & { ResponseURL: string };
}

describe('the handler answers CloudFormation itself', () => {
  test('success: the physical id and the data', async () => {
    await cloudFormationResponder(async () => ({ PhysicalResourceId: 'pool/client/callback', Data: { PortalUrl: 'https://x' } }), undefined, LOOPBACK)(event('Create'), context);
    expect(received).toEqual([{
      method: 'PUT',
      contentType: '',
      body: {
        Status: 'SUCCESS',
        StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/s/1',
        RequestId: 'req-1',
        LogicalResourceId: 'Reconciler',
        PhysicalResourceId: 'pool/client/callback',
        Data: { PortalUrl: 'https://x' },
      },
    }]);
  });

  test('failure: the reason and where the log is; a failed Create gets a marker id', async () => {
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    await cloudFormationResponder(async () => { throw new Error('User pool us-east-1_x does not exist.'); }, undefined, LOOPBACK)(event('Create'), context);
    expect(received[0].body).toMatchObject({
      Status: 'FAILED',
      Reason: 'User pool us-east-1_x does not exist. (log stream 2026/11/27/[$LATEST]abc)',
      PhysicalResourceId: CREATE_FAILED_PHYSICAL_ID,
    });
  });

  test('a failed Update keeps the physical id (CloudFormation would otherwise delete the resource)', async () => {
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    await cloudFormationResponder(async () => { throw new Error('throttled'); }, undefined, LOOPBACK)(event('Update', 'pool/client/callback'), context);
    expect(received[0].body).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'pool/client/callback' });
  });

  test('the Delete after a failed Create succeeds without calling anything', async () => {
    const dispatch = jest.fn();
    await cloudFormationResponder(dispatch, undefined, LOOPBACK)(event('Delete', CREATE_FAILED_PHYSICAL_ID), context);
    expect(dispatch).not.toHaveBeenCalled();
    expect(received[0].body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: CREATE_FAILED_PHYSICAL_ID });
  });

  test('a response the URL refuses is sent again', async () => {
    failNext = 2;
    await cloudFormationResponder(async () => ({ PhysicalResourceId: 'id' }), undefined, LOOPBACK)(event('Create'), context);
    expect(received).toHaveLength(1);
  });

  test('an unreachable URL fails the invocation (Lambda retries it)', async () => {
    await expect(putResponse('http://127.0.0.1:1/unreachable', '{}')).rejects.toThrow();
  });
});

describe('response URLs', () => {
  test('loopback http is refused unless a test asks for it; CloudFormation\'s https URLs are accepted', async () => {
    const calls: string[] = [];
    const dispatch = async () => { calls.push('dispatched'); return { PhysicalResourceId: 'id' }; };
    await cloudFormationResponder(dispatch)(event('Create'), context);
    expect(calls).toEqual([]);
    expect(received).toEqual([]);
    expect(isCloudFormationResponseUrl('https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/a?X-Amz-Signature=b')).toBe(true);
    expect(isCloudFormationResponseUrl('https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/a')).toBe(true);
    expect(isCloudFormationResponseUrl('https://cloudformation-custom-resource-response-useast1.s3.dualstack.us-east-1.amazonaws.com/a')).toBe(true);
    expect(isCloudFormationResponseUrl('https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/a')).toBe(true);
    expect(isCloudFormationResponseUrl('https://evil.example.com/cloudformation-custom-resource-response-useast1.s3.amazonaws.com')).toBe(false);
    expect(isCloudFormationResponseUrl(url)).toBe(false);
    expect(isCloudFormationResponseUrl(url, true)).toBe(true);
  });
});
