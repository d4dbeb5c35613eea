// An error fastify turns into an HTTP response with this status and a machine-readable code.
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
