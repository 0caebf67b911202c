import type { HttpRequest, HttpResponse } from '@smithy/protocol-http';

/**
 * The configuration that points a real SDK v3 client at an in-process fake: the fake is the
 * client's HTTP handler, so requests go through the SDK's serializers, signing and deserializers.
 * One attempt, because retrying is the handler's job.
 */
export function fakeClientConfig(handle: (request: HttpRequest) => Promise<{ response: HttpResponse }>) {
  return {
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' },
    maxAttempts: 1,
    requestHandler: {
      handle,
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
    } as any,
  };
}
