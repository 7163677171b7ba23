/**
 * The retry interceptor's rules on their own (the service declares every RPC idempotent, so the real
 * server cannot show the other branches; test/unavailable.test.ts shows the retries against it):
 * a method without an idempotency level and a streaming call are tried once, only UNAVAILABLE is
 * retried, and the backoff never undercuts the service's RetryInfo delay nor passes its ceiling.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { DescMethod } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type UnaryRequest } from "@connectrpc/connect";

import { DiagnosticsService, EmbeddingService } from "../src/index.js";
import { backoffMs, DEFAULT_RETRY_POLICY, retrying } from "../src/interceptors.js";

const POLICY = { ...DEFAULT_RETRY_POLICY, maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 2 };

/** Runs `method` through the retry interceptor over a `next` that fails with `code`; the attempts made. */
async function attempts(method: DescMethod, code: Code, stream = false): Promise<number> {
  let made = 0;
  const next = () => {
    made++;
    return Promise.reject(new ConnectError("refused", code));
  };
  const req = { stream, method, signal: new AbortController().signal } as unknown as UnaryRequest;
  await assert.rejects(retrying(POLICY)(next)(req), ConnectError);
  return made;
}

describe("retrying", () => {
  const getEmbeddings = EmbeddingService.method.getEmbeddings;
  const idempotent = { ...getEmbeddings, idempotency: MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS };

  it("retries UNAVAILABLE on an idempotent RPC up to maxAttempts", async () => {
    assert.equal(await attempts(idempotent, Code.Unavailable), 3);
  });

  it("tries an RPC of unknown idempotency once", async () => {
    const unknown = { ...getEmbeddings, idempotency: MethodOptions_IdempotencyLevel.IDEMPOTENCY_UNKNOWN };
    assert.equal(await attempts(unknown, Code.Unavailable), 1);
  });

  it("never retries a streaming call", async () => {
    assert.equal(await attempts(DiagnosticsService.method.scoreDetectionStream, Code.Unavailable, true), 1);
  });

  it("does not retry other codes", async () => {
    for (const code of [Code.InvalidArgument, Code.ResourceExhausted, Code.DeadlineExceeded, Code.Internal]) {
      assert.equal(await attempts(idempotent, code), 1, Code[code]);
    }
  });

  it("backs off within the exponential ceiling and never under RetryInfo's delay", () => {
    const policy = { ...DEFAULT_RETRY_POLICY, initialBackoffMs: 100, maxBackoffMs: 1000, multiplier: 2 };
    for (let i = 0; i < 200; i++) {
      assert.ok(backoffMs(policy, 1) <= 100);
      assert.ok(backoffMs(policy, 3) <= 400);
      assert.ok(backoffMs(policy, 10) <= 1000);
      assert.ok(backoffMs(policy, 1, 1.5) >= 1500);
    }
  });
});
