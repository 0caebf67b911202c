import * as http from 'http';
import type { AddressInfo } from 'net';
import { Readable } from 'stream';
import { HttpRequest, HttpResponse } from '@smithy/protocol-http';

/*
 * Serves a fake (anything with the `handle(request: HttpRequest)` of the SDK's HTTP handler slot)
 * over real HTTP on loopback, so that code running in another process (the handler bundle, with
 * the SDK it inlines) reaches it through an endpoint URL: node request -> smithy HttpRequest ->
 * handle -> smithy HttpResponse -> node response.
 */

/** Answers one request, as FakeCognito.handle and FakeS3.handle do. */
export type HandleRequest = (request: HttpRequest) => Promise<{ response: HttpResponse }>;

/** A request as it arrived on the wire. */
export interface WireRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  /** Header names in lower case; repeated headers joined with ", ". */
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A fake served over HTTP. */
export interface HttpBridge {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Every request received, in order. */
  readonly received: WireRequest[];
  /** Errors `handle` threw (each answered with a 500); a test should expect none. */
  readonly errors: Error[];
  close(): Promise<void>;
}

/** Starts serving `handle` on a free loopback port. */
export async function serveOverHttp(handle: HandleRequest): Promise<HttpBridge> {
  const received: WireRequest[] = [];
  const errors: Error[] = [];
  const server = http.createServer((req, res) => {
    readBody(req)
      .then(async (body) => {
        const request = toSmithyRequest(req, body);
        received.push({ method: request.method, url: req.url ?? '/', headers: request.headers, body: body.toString('utf-8') });
        const { response } = await handle(request);
        await writeResponse(res, response);
      })
      .catch((error: Error) => {
        errors.push(error);
        if (!res.headersSent) {
          res.statusCode = 500;
          res.setHeader('content-type', 'application/json');
        }
        res.end(JSON.stringify({ __type: 'HttpBridgeError', message: error.message }));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    errors,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections(); // the SDK keeps connections alive
      server.close(() => resolve());
    }),
  };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The request as the SDK built it before its HTTP handler sent it (path still URI-encoded). */
function toSmithyRequest(req: http.IncomingMessage, body: Buffer): HttpRequest {
  const url = new URL(req.url ?? '/', 'http://bridge.invalid');
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const seen = query[key];
    query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) {
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  const [hostname, port] = (headers.host ?? '127.0.0.1').split(':');
  return new HttpRequest({
    protocol: 'http:',
    hostname,
    port: port ? Number(port) : undefined,
    method: req.method ?? 'GET',
    path: url.pathname,
    query,
    headers,
    body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
  });
}

async function writeResponse(res: http.ServerResponse, response: HttpResponse): Promise<void> {
  res.statusCode = response.statusCode;
  for (const [name, value] of Object.entries(response.headers)) {
    res.setHeader(name, value);
  }
  const body: unknown = response.body;
  if (body === undefined || body === null) {
    res.end();
  } else if (typeof body === 'string' || body instanceof Uint8Array) {
    res.end(body); // Node sets content-length
  } else if (body instanceof Readable || (typeof body === 'object' && Symbol.asyncIterator in body)) {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
      chunks.push(Buffer.from(chunk));
    }
    res.end(Buffer.concat(chunks));
  } else {
    throw new Error(`The fake answered with a body the bridge cannot send: ${Object.prototype.toString.call(body)}`);
  }
}
