/**
 * The `token` option against a real server that requires authentication: an API key made here (its
 * SHA-256 in a keys file of a temporary directory, as `curation-keys` would write it) is sent as
 * `authorization: Bearer <key>` on gRPC and REST; without it both protocols answer UNAUTHENTICATED.
 */

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { CurationClient, CurationError, RestCurationClient } from "../src/index.js";
import { type RunningServer, startServer } from "./server.js";

const request = { classNames: ["cat", "dog"], assetIds: ["a", "b", "c"], yTrue: [0, 1, 1], yPred: [0, 1, 0] };

describe("the token option against an authenticated server", () => {
  let server: RunningServer;
  const dir = mkdtempSync(join(tmpdir(), "curation-auth-"));
  const key = `cur_ts1_${randomBytes(32).toString("base64url")}`;

  before(async () => {
    const entry = {
      id: "ts1",
      hash: `sha256:${createHash("sha256").update(key).digest("hex")}`,
      tenant: "acme",
      scopes: ["read"],
    };
    writeFileSync(join(dir, "keys.json"), JSON.stringify({ keys: [entry] }));
    server = await startServer({ CURATION_API_KEYS_FILE: join(dir, "keys.json"), CURATION_COMPUTE_PROCESSES: "0" });
  });

  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const protocol of ["grpc", "rest"] as const) {
    const make = (token?: string) =>
      protocol === "grpc"
        ? new CurationClient(server.grpcUrl, token === undefined ? {} : { token })
        : new RestCurationClient(server.httpUrl, token === undefined ? {} : { token });

    it(`${protocol}: answers with the key`, async () => {
      const client = make(key);
      try {
        const response = await client.scoreClassification(request);
        assert.equal(response.summary?.accuracy, 2 / 3);
      } finally {
        client.close();
      }
    });

    it(`${protocol}: refuses without it, saying nothing more`, async () => {
      const client = make();
      try {
        await assert.rejects(client.scoreClassification(request), (error: unknown) => {
          assert.ok(error instanceof CurationError);
          assert.equal(error.kind, "unauthenticated");
          assert.equal(error.code, "UNAUTHENTICATED");
          assert.equal(error.message, "missing or invalid credentials");
          return true;
        });
      } finally {
        client.close();
      }
    });
  }

  it("never logs the key", () => {
    assert.ok(server.logs.some((line) => line["logger"] === "curation.audit" && line["key_id"] === "ts1"));
    assert.ok(!server.logs.some((line) => JSON.stringify(line).includes(key.slice(8))));
  });
});
