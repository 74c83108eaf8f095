/** An error returned by the remote method (Go's rpc.ServerError): the text of its error value. */
export class RpcError extends Error {
  override name = 'RpcError';
}

/** The connection is gone; Go's rpc.ErrShutdown has this exact text. */
export class ShutdownError extends Error {
  override name = 'ShutdownError';
  constructor(cause?: Error) {
    super('connection is shut down', cause ? {cause} : undefined);
  }
}
