/**
 * `RestCurationClient` against the same real server: the same answers as gRPC (compared as proto
 * JSON, the cache flag aside), bytes and int64 through the JSON mapping, routes read from
 * `google.api.http`, and a bad request decoded from the AIP-193 body.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { type DescMessage, type MessageShape, toJson } from "@bufbuild/protobuf";

import {
  CurationClient,
  CurationError,
  EmbeddingDtype,
  RestCurationClient,
  routeOf,
  SERVICES,
  StrategyKind,
  UncertaintyMeasure,
} from "../../src/index.js";
import { detectionRequest, EMBEDDING_IDS, LABEL_MATRIX, packed, README_EXAMPLE, VECTORS } from "../data.js";
import { server } from "../fixture.js";

/** `message` as proto JSON without `cache.cached` (the second of two equal calls is a cache hit). */
function comparable<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): unknown {
  const doc = toJson(schema, message) as Record<string, unknown>;
  const cache = doc["cache"] as Record<string, unknown> | undefined;
  if (cache !== undefined) delete cache["cached"];
  return doc;
}

describe("RestCurationClient: the same answers and errors over REST", () => {
  let rest: RestCurationClient;
  let grpc: CurationClient;

  before(() => {
    const options = { namespace: "ts-rest", timeoutMs: 60_000 };
    rest = new RestCurationClient(server().httpUrl, options);
    grpc = new CurationClient(server().grpcUrl, options);
  });

  after(() => {
    rest.close();
    grpc.close();
  });

  it("every unary RPC has a REST route, the stream none", () => {
    for (const service of Object.values(SERVICES)) {
      for (const method of service.methods) {
        const route = routeOf(method);
        if (method.methodKind === "unary") {
          assert.ok(route, `${method.name} has no google.api.http route`);
          assert.match(route.path, /^\/v1\//);
        } else {
          assert.equal(route, undefined, method.name);
        }
      }
    }
  });

  const cases = [
    ["scoreClassification", README_EXAMPLE],
    ["scoreDetection", detectionRequest()],
    [
      "select",
      {
        assetIds: ["s0", "s1", "s2", "s3"],
        numClasses: 2,
        scores: [0.5, 0.5, 0.9, 0.1, 0.55, 0.45, 0.99, 0.01],
        budget: 2n,
        strategies: [{ kind: StrategyKind.UNCERTAINTY, measure: UncertaintyMeasure.MARGIN, fraction: 1 }],
      },
    ],
    ["analyzeLabelingFunctions", { classNames: ["ham", "spam"], labelMatrix: LABEL_MATRIX }],
    ["fitLabelModel", { classNames: ["ham", "spam"], assetIds: ["a", "b", "c", "d"], labelMatrix: LABEL_MATRIX }],
  ] as const;

  for (const [name, request] of cases) {
    it(`${name}: the gRPC answer`, async () => {
      const method = Object.values(SERVICES)
        .flatMap((s) => s.methods)
        .find((m) => m.localName === name)!;
      const call = (client: CurationClient | RestCurationClient) =>
        (client[name] as (r: unknown) => Promise<MessageShape<DescMessage>>)(request);
      const overGrpc = await call(grpc);
      const overRest = await call(rest);
      assert.deepEqual(comparable(method.output, overRest), comparable(method.output, overGrpc));
    });
  }

  it("FlushCache over REST: this namespace's entries go, the next request is computed again", async () => {
    await rest.scoreClassification(README_EXAMPLE);
    const flushed = await rest.flushCache({});
    assert.ok(flushed.entriesRemoved > 0n, `removed ${flushed.entriesRemoved}`);
    assert.equal((await rest.scoreClassification(README_EXAMPLE)).cache?.cached, false);
  });

  it("the README example's accuracy over REST", async () => {
    const response = await rest.scoreClassification(README_EXAMPLE);
    assert.equal(response.summary?.accuracy, 0.6666666666666666);
    assert.equal(response.summary?.numAssets, 3n);
  });

  it("embeddings: bytes go as base64 and come back equal", async () => {
    const collection = "ts-rest-vectors";
    const put = await rest.putEmbeddings({
      collection,
      dimension: 4,
      dtype: EmbeddingDtype.FLOAT32,
      assetIds: EMBEDDING_IDS,
      vectors: packed(VECTORS),
    });
    assert.equal(put.stored, 6n);
    const got = await rest.getEmbeddings({ collection, assetIds: ["e2", "e0"] });
    assert.deepEqual(got.vectors, packed([VECTORS[2]!, VECTORS[0]!]));
    const groups: string[][] = [];
    for await (const group of rest.duplicateGroups({
      collection,
      assetIds: EMBEDDING_IDS,
      threshold: 0.01,
      pageSize: 1,
    })) {
      groups.push([...group.assetIds].sort());
    }
    assert.equal(groups.length, 2);
    assert.ok((await rest.deleteEmbeddings({ collection, deleteCollection: true })).collectionDeleted);
  });

  it("a bad label is 400 with the field violation of the AIP-193 body", async () => {
    const bad = { classNames: ["a", "b"], assetIds: ["x", "y"], yTrue: [0, 5], yPred: [0, 1] };
    await assert.rejects(
      rest.scoreClassification(bad, { headers: { "x-request-id": "ts-rest-bad" } }),
      (e: unknown) => {
        assert.ok(e instanceof CurationError, String(e));
        assert.equal(e.protocol, "rest");
        assert.equal(e.status, 400);
        assert.equal(e.code, "INVALID_ARGUMENT");
        assert.equal(e.kind, "invalid_argument");
        assert.equal(e.field, "y_true[1]");
        assert.equal(e.requestId, "ts-rest-bad");
        return true;
      },
    );
  });

  it("the same bad request reads the same over both protocols", async () => {
    const bad = { classNames: ["a", "b"], assetIds: ["x"], yTrue: [0], scores: [0.5] };
    const errors: CurationError[] = [];
    for (const client of [grpc, rest]) {
      await client.scoreClassification(bad).then(
        () => assert.fail("accepted a score matrix of the wrong shape"),
        (e: unknown) => {
          assert.ok(e instanceof CurationError, String(e));
          errors.push(e);
        },
      );
    }
    const [overGrpc, overRest] = errors;
    assert.deepEqual(
      [overRest!.kind, overRest!.code, overRest!.field, overRest!.message],
      [overGrpc!.kind, overGrpc!.code, overGrpc!.field, overGrpc!.message],
    );
    assert.notEqual(overGrpc!.field, "");
  });
});
