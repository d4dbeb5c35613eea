// How the client reaches an agent. The same client runs in Node (unix socket or TCP, through node:http) and
// in the browser (fetch); only the transport differs.
export interface TransportRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | AsyncIterable<Uint8Array>;
}

export interface TransportResponse {
  status: number;
  /** The body as a stream of chunks (for NDJSON progress), consumed once. */
  body: AsyncIterable<Uint8Array>;
}

export type Transport = (req: TransportRequest) => Promise<TransportResponse>;

/** Browser (and Node) fetch transport against a base URL. */
export function fetchTransport(baseUrl: string, fetchImpl: typeof fetch = fetch): Transport {
  return async (req) => {
    const res = await fetchImpl(new URL(req.path, baseUrl), {
      method: req.method,
      headers: req.headers,
      body: req.body as BodyInit | undefined,
      ...(req.body && typeof req.body === 'object' && Symbol.asyncIterator in req.body ? { duplex: 'half' } : {}),
    } as RequestInit);
    return { status: res.status, body: res.body ? iterateStream(res.body) : emptyBody() };
  };
}

async function* iterateStream(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

async function* emptyBody(): AsyncIterable<Uint8Array> {}
