/**
 * The interceptors every client's transport runs, outermost first: `retrying` (UNAVAILABLE on an
 * idempotent unary RPC is tried again with backoff), `withHeaders` (namespace, extra headers) and
 * `bearer` (the token). Errors become `CurationError`s outside the transport (client.ts), where connect's own
 * wrapping of a failed call is done.
 */

import type { DescMethod } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import type { Interceptor } from "@connectrpc/connect";

import { asCurationError, CurationError } from "./errors.js";

/** Namespace (tenant) header of the service: cache entries and stored data are kept per namespace. */
export const NAMESPACE_HEADER = "x-curation-namespace";

/** How UNAVAILABLE is retried: attempts in all (1 = no retry) and the exponential backoff's bounds. */
export interface RetryPolicy {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  multiplier: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  initialBackoffMs: 100,
  maxBackoffMs: 5000,
  multiplier: 2,
};

/** Whether the protos declare `method` safe to retry (`idempotency_level` IDEMPOTENT or NO_SIDE_EFFECTS). */
export function isIdempotent(method: DescMethod): boolean {
  return (
    method.idempotency === MethodOptions_IdempotencyLevel.IDEMPOTENT ||
    method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS
  );
}

/** Sets `headers` on every call (when the caller did not set them on the call itself). */
export function withHeaders(headers: Record<string, string>): Interceptor {
  return (next) => (req) => {
    for (const [name, value] of Object.entries(headers)) {
      if (!req.header.has(name)) req.header.set(name, value);
    }
    return next(req);
  };
}

/** `authorization: Bearer <token>` on every call; a token function is asked each time (refreshed tokens). */
export function bearer(token: string | (() => string | Promise<string>)): Interceptor {
  return (next) => async (req) => {
    if (!req.header.has("authorization")) {
      req.header.set("authorization", `Bearer ${typeof token === "string" ? token : await token()}`);
    }
    return next(req);
  };
}

/** Resolves after `ms`, or rejects when `signal` aborts first (the call's deadline or cancellation). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The wait before attempt `attempt + 1`: full jitter over the exponential backoff, and never less
 * than the service's `RetryInfo` delay when it sent one.
 */
export function backoffMs(policy: RetryPolicy, attempt: number, retryDelaySeconds?: number): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** (attempt - 1));
  const jittered = Math.random() * ceiling;
  return Math.max(jittered, (retryDelaySeconds ?? 0) * 1000);
}

/**
 * Retries a unary call that failed with UNAVAILABLE, when its RPC is idempotent, up to
 * `policy.maxAttempts` in all and within the call's deadline (the signal covers every attempt).
 * Streaming calls and RPCs with side effects are never retried: their request cannot be replayed safely.
 */
export function retrying(policy: RetryPolicy): Interceptor {
  return (next) => async (req) => {
    if (req.stream || policy.maxAttempts <= 1 || !isIdempotent(req.method)) return next(req);
    for (let attempt = 1; ; attempt++) {
      try {
        return await next(req);
      } catch (error) {
        // A gRPC failure is a ConnectError here, a REST one already a CurationError.
        const failure = asCurationError(error, "grpc");
        const retry =
          failure instanceof CurationError && failure.code === "UNAVAILABLE" && attempt < policy.maxAttempts;
        if (!retry || req.signal.aborted) throw error;
        await sleep(backoffMs(policy, attempt, failure.retryDelay), req.signal).catch(() => {
          throw error;
        });
      }
    }
  };
}
