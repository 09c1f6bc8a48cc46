/**
 * The API's connection to Temporal. Lazy: the API starts (and reports unhealthy) while Temporal is down, and connects
 * when it is back. A call rides out a blip of about two seconds, then fails: the client's default retries (ten, over
 * some 20 s) held each request that long before its 503, or, for a request whose workflow the sweep starts, its answer.
 */
import { Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';

export function requestConnection(address: string): Connection {
  return Connection.lazy({ address, interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 5 }))] });
}
