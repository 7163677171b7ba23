/**
 * The retry policy against a real UNAVAILABLE: a server whose Redis (which holds stored data) does not
 * answer fails every embeddings call with UNAVAILABLE and a RetryInfo delay. An RPC the protos declare
 * idempotent (today every RPC is) is tried `maxAttempts` times, waiting at least that delay between
 * tries; any other RPC once (test/retry.test.ts shows that branch). Attempts are counted by an
 * interceptor of the caller's (each try passes through it).
 */

import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";

import type { DescMethod } from "@bufbuild/protobuf";

import { CurationClient, CurationError, EmbeddingDtype, EmbeddingService, isIdempotent } from "../src/index.js";
import { type RunningServer, startServer } from "./server.js";

/** A port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe("UNAVAILABLE from a real server is retried on idempotent RPCs", () => {
  let server: RunningServer;
  let client: CurationClient;
  const attempts = new Map<string, number>();

  before(async () => {
    server = await startServer({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}/0` });
    client = new CurationClient(server.grpcUrl, {
      timeoutMs: 30_000,
      retry: { maxAttempts: 3, initialBackoffMs: 10 },
      interceptors: [
        (next) => (req) => {
          attempts.set(req.method.name, (attempts.get(req.method.name) ?? 0) + 1);
          return next(req);
        },
      ],
    });
  });

  after(async () => {
    client.close();
    await server.stop();
  });

  const vectors = new Uint8Array(new Float32Array([1, 0, 0, 1]).buffer);
  const calls: [DescMethod, () => Promise<unknown>][] = [
    [EmbeddingService.method.getEmbeddings, () => client.getEmbeddings({ collection: "c", assetIds: ["a"] })],
    [
      EmbeddingService.method.putEmbeddings,
      () =>
        client.putEmbeddings({
          collection: "c",
          dimension: 2,
          dtype: EmbeddingDtype.FLOAT32,
          assetIds: ["a", "b"],
          vectors,
        }),
    ],
    [
      EmbeddingService.method.deleteEmbeddings,
      () => client.deleteEmbeddings({ collection: "c", deleteCollection: true }),
    ],
  ];

  for (const [method, call] of calls) {
    const expected = isIdempotent(method) ? 3 : 1;
    it(`${method.name} (${isIdempotent(method) ? "idempotent" : "not idempotent"}): ${expected} attempt(s)`, async () => {
      const started = performance.now();
      await assert.rejects(call(), (e: unknown) => {
        assert.ok(e instanceof CurationError, String(e));
        assert.equal(e.code, "UNAVAILABLE");
        assert.equal(e.kind, "unavailable");
        assert.ok(e.retryDelay !== undefined && e.retryDelay > 0, `RetryInfo: ${e.retryDelay}`);
        if (expected > 1) {
          const waited = (performance.now() - started) / 1000;
          assert.ok(waited >= (expected - 1) * e.retryDelay, `waited ${waited} s between ${expected} attempts`);
        }
        return true;
      });
      assert.equal(attempts.get(method.name), expected);
    });
  }

  it("the protos mark at least one of these RPCs idempotent", () => {
    assert.ok(calls.some(([method]) => isIdempotent(method)));
  });

  it("INVALID_ARGUMENT is never retried", async () => {
    attempts.clear();
    await assert.rejects(client.getEmbeddings({ collection: "not a name!", assetIds: ["a"] }), (e: unknown) => {
      assert.ok(e instanceof CurationError);
      assert.equal(e.kind, "invalid_argument");
      return true;
    });
    assert.equal(attempts.get("GetEmbeddings"), 1);
  });
});
