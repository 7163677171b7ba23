/**
 * Every RPC of the service, called through `CurationClient` (gRPC) against a real running server,
 * with answers checked against values worked out by hand; a bad request decoded from the standard
 * `google.rpc.Status` (kind, code, field, request ID).
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { Code } from "@connectrpc/connect";

import {
  ClassificationTask,
  CurationClient,
  CurationError,
  EmbeddingDtype,
  LabelModelType,
  SERVICES,
  StrategyKind,
  TieBreak,
  UncertaintyMeasure,
} from "../../src/index.js";
import type { DescService, MessageInitShape } from "@bufbuild/protobuf";
import type { ScoreClassificationRequestSchema } from "../../src/index.js";
import * as api from "../../src/index.js";
import { detectionRequest, EMBEDDING_IDS, LABEL_MATRIX, packed, README_EXAMPLE, VECTORS } from "../data.js";
import { server } from "../fixture.js";

describe("CurationClient over gRPC: every RPC", () => {
  let client: CurationClient;

  before(() => {
    client = new CurationClient(server().grpcUrl, { namespace: "ts-every-rpc", timeoutMs: 60_000 });
  });

  after(() => client.close());

  describe("DiagnosticsService", () => {
    it("ScoreClassification: the README example's numbers", async () => {
      const response = await client.scoreClassification(README_EXAMPLE);
      const summary = response.summary!;
      assert.equal(summary.accuracy, 0.6666666666666666);
      assert.equal(summary.numAssets, 3n);
      const expectedLogLoss = -(Math.log(0.9) + Math.log(0.7) + Math.log(0.4)) / 3;
      assert.ok(Math.abs(summary.logLoss! - expectedLogLoss) < 1e-6, `log loss ${summary.logLoss}`);
      assert.deepEqual(
        response.misclassified.map((m) => m.assetId),
        ["c"],
      );
      assert.deepEqual(summary.confusionMatrix?.counts, [1n, 0n, 1n, 1n]);
      assert.match(response.cache!.keyDigest, /^[0-9a-f]{64}$/);
    });

    it("ScoreClassification: pages of misclassified assets, followed to the end", async () => {
      // 12 assets, every odd one wrong: 6 misclassified, 2 per page.
      const n = 12;
      const request = {
        classNames: ["a", "b", "c"],
        assetIds: Array.from({ length: n }, (_, i) => `p${i}`),
        yTrue: Array.from({ length: n }, (_, i) => i % 3),
        yPred: Array.from({ length: n }, (_, i) => (i % 2 === 1 ? (i + 1) % 3 : i % 3)),
        task: ClassificationTask.SINGLE_LABEL,
        pageSize: 2,
      };
      const paged: string[] = [];
      for await (const asset of client.misclassified(request)) paged.push(asset.assetId);
      const whole = await client.scoreClassification({ ...request, pageSize: 100 });
      assert.equal(whole.misclassifiedTotal, 6n);
      assert.equal(whole.nextPageToken, "");
      assert.deepEqual(
        paged,
        whole.misclassified.map((m) => m.assetId),
      );
      assert.deepEqual([...paged].sort(), ["p1", "p11", "p3", "p5", "p7", "p9"]);
    });

    it("ScoreDetection: counts, COCO summary and per-asset outcomes", async () => {
      const response = await client.scoreDetection(detectionRequest());
      assert.equal(response.counts?.numAssets, 2n);
      assert.equal(response.counts?.numGt, 3n);
      assert.equal(response.counts?.numPredictions, 4n);
      assert.equal(response.summary.length, 12); // COCOeval.summarize()'s twelve numbers
      assert.deepEqual(
        response.perClass.map((c) => c.category),
        ["car", "person"],
      );
      assert.equal(response.assetsTotal, 2n);
      const assets: string[] = [];
      for await (const asset of client.detectionAssets({ ...detectionRequest(), pageSize: 1 })) {
        assets.push(asset.assetId);
      }
      assert.deepEqual([...assets].sort(), ["img1", "img2"]);
    });

    it("ScoreDetectionStream: chunks merged in order give the unary answer", async () => {
      const r = detectionRequest();
      const chunks = [
        { assetIds: r.assetIds, categoryNames: r.categoryNames },
        { gtAsset: r.gtAsset!.slice(0, 2), gtCategory: r.gtCategory!.slice(0, 2), gtBoxes: r.gtBoxes!.slice(0, 8) },
        { gtAsset: r.gtAsset!.slice(2), gtCategory: r.gtCategory!.slice(2), gtBoxes: r.gtBoxes!.slice(8) },
        { predAsset: r.predAsset, predCategory: r.predCategory, predBoxes: r.predBoxes, predScores: r.predScores },
      ];
      async function* stream() {
        for (const chunk of chunks) yield { chunk };
      }
      const streamed = await client.scoreDetectionStream(stream());
      const unary = await client.scoreDetection(detectionRequest());
      assert.equal(streamed.response?.cache?.keyDigest, unary.cache?.keyDigest);
      assert.ok(unary.cache?.cached, "the stream stored its answer under the unary request's key");
      assert.deepEqual(streamed.response?.summary, unary.summary);
    });
  });

  describe("EmbeddingService and SamplingService", () => {
    const collection = "ts-vectors";

    it("PutEmbeddings stores a collection", async () => {
      const response = await client.putEmbeddings({
        collection,
        dimension: 4,
        dtype: EmbeddingDtype.FLOAT32,
        assetIds: EMBEDDING_IDS,
        vectors: packed(VECTORS),
      });
      assert.equal(response.stored, 6n);
      assert.equal(response.dimension, 4);
    });

    it("GetEmbeddings returns the stored vectors and names the missing IDs", async () => {
      const response = await client.getEmbeddings({ collection, assetIds: ["e1", "e5", "nope"] });
      assert.deepEqual(response.assetIds, ["e1", "e5"]);
      assert.deepEqual(response.missingIds, ["nope"]);
      assert.deepEqual(response.vectors, packed([VECTORS[1]!, VECTORS[5]!]));
    });

    it("FindNearDuplicates: the two pairs, one group per page", async () => {
      const request = { collection, assetIds: EMBEDDING_IDS, threshold: 0.01, pageSize: 1 };
      const groups: string[][] = [];
      for await (const group of client.duplicateGroups(request)) groups.push([...group.assetIds].sort());
      assert.deepEqual(groups.sort(), [
        ["e0", "e1"],
        ["e2", "e3"],
      ]);
    });

    it("Select: margin uncertainty picks the three least certain assets", async () => {
      const response = await client.select({
        assetIds: ["s0", "s1", "s2", "s3", "s4", "s5"],
        numClasses: 2,
        scores: [0.5, 0.5, 0.9, 0.1, 0.55, 0.45, 0.99, 0.01, 0.6, 0.4, 0.8, 0.2],
        budget: 3n,
        seed: 7n,
        strategies: [{ kind: StrategyKind.UNCERTAINTY, measure: UncertaintyMeasure.MARGIN, fraction: 1 }],
      });
      assert.deepEqual(
        response.selected.map((s) => s.assetId),
        ["s0", "s2", "s4"],
      );
      assert.deepEqual(
        response.selected.map((s) => s.rank),
        [1n, 2n, 3n],
      );
    });

    it("Plan: targets the weakest class of a cached diagnosis", async () => {
      const diagnosis = await client.scoreClassification(README_EXAMPLE);
      const response = await client.plan({
        diagnosticsKey: diagnosis.cache!.keyDigest,
        selection: {
          assetIds: ["q0", "q1", "q2", "q3"],
          numClasses: 2,
          scores: [0.7, 0.3, 0.2, 0.8, 0.6, 0.4, 0.1, 0.9],
          budget: 2n,
          seed: 1n,
        },
        weakestClasses: 1,
      });
      // dog: recall 1/2, F1 2/3; cat: recall 1, F1 2/3 — the lower recall makes dog the weaker.
      assert.deepEqual(
        response.weakClasses.map((c) => c.className),
        ["dog"],
      );
      assert.equal(response.selection?.selected.length, 2);
      assert.ok(response.reasons.length > 0);
    });

    it("DeleteEmbeddings drops the collection", async () => {
      const response = await client.deleteEmbeddings({ collection, deleteCollection: true });
      assert.ok(response.collectionDeleted);
      await assert.rejects(client.getEmbeddings({ collection, assetIds: ["e0"] }), (e: unknown) => {
        assert.ok(e instanceof CurationError);
        assert.equal(e.kind, "not_found");
        return true;
      });
    });
  });

  describe("LabelingFunctionService", () => {
    let modelId = "";

    it("ApplyLabelingFunctions: a keyword rule votes spam on the two money messages", async () => {
      const response = await client.applyLabelingFunctions({
        classNames: ["ham", "spam"],
        assetIds: ["m1", "m2", "m3"],
        texts: [{ key: "body", values: ["win money now", "lunch?", "free MONEY"] }],
        labelingFunctions: [
          {
            name: "money",
            label: 1,
            rule: { kind: { case: "keyword", value: { field: "body", patterns: ["money"], caseInsensitive: true } } },
          },
        ],
      });
      assert.deepEqual(response.labelMatrix?.rows, [0, 2]);
      assert.deepEqual(response.labelMatrix?.labels, [1, 1]);
      assert.equal(response.counts[0]?.votes, 2n);
      assert.equal(response.counts[0]?.coverage, 2 / 3);
    });

    it("AnalyzeLabelingFunctions: coverage, overlap and conflict of the matrix", async () => {
      const response = await client.analyzeLabelingFunctions({
        classNames: ["ham", "spam"],
        labelMatrix: LABEL_MATRIX,
      });
      assert.equal(response.labelCoverage, 1);
      assert.equal(response.labelOverlap, 0.75);
      assert.equal(response.labelConflict, 0.25);
      assert.deepEqual(
        response.functions.map((f) => f.coverage),
        [0.5, 0.75, 0.5],
      );
    });

    it("FitLabelModel: majority vote, the tie abstains", async () => {
      const response = await client.fitLabelModel({
        classNames: ["ham", "spam"],
        assetIds: ["a", "b", "c", "d"],
        labelMatrix: LABEL_MATRIX,
        model: LabelModelType.MAJORITY_VOTE,
        tieBreak: TieBreak.ABSTAIN,
      });
      assert.deepEqual(response.predictions?.labels, [1, 0, -1, 0]);
      assert.notEqual(response.modelId, "");
      modelId = response.modelId;
    });

    it("PredictLabelModel: the stored model gives the fit's labels", async () => {
      const response = await client.predictLabelModel({
        modelId,
        labelMatrix: LABEL_MATRIX,
        tieBreak: TieBreak.ABSTAIN,
      });
      assert.deepEqual(response.predictions?.labels, [1, 0, -1, 0]);
    });

    it("DeleteLabelModel frees it: predicting again is NOT_FOUND", async () => {
      assert.ok((await client.deleteLabelModel({ modelId })).deleted);
      await assert.rejects(client.predictLabelModel({ modelId, labelMatrix: LABEL_MATRIX }), (e: unknown) => {
        assert.ok(e instanceof CurationError);
        assert.equal(e.kind, "not_found");
        assert.equal(e.code, "NOT_FOUND");
        assert.equal(e.status, Code.NotFound);
        return true;
      });
    });
  });

  describe("AdminService", () => {
    it("FlushCache removes this namespace's cache entries: the next request is computed again", async () => {
      const before = await client.scoreClassification(README_EXAMPLE);
      assert.ok(before.cache?.cached, "cached by the DiagnosticsService tests");
      const flushed = await client.flushCache({});
      assert.ok(flushed.entriesRemoved > 0n, `removed ${flushed.entriesRemoved}`);
      const after = await client.scoreClassification(README_EXAMPLE);
      assert.equal(after.cache?.cached, false);
      assert.equal(after.cache?.keyDigest, before.cache?.keyDigest);
    });
  });

  describe("errors", () => {
    it("a bad label is INVALID_ARGUMENT naming y_true[1], from the standard status", async () => {
      const bad: MessageInitShape<typeof ScoreClassificationRequestSchema> = {
        classNames: ["a", "b"],
        assetIds: ["x", "y"],
        yTrue: [0, 5],
        yPred: [0, 1],
      };
      await assert.rejects(
        client.scoreClassification(bad, { headers: { "x-request-id": "ts-bad-1" } }),
        (e: unknown) => {
          assert.ok(e instanceof CurationError, String(e));
          assert.equal(e.kind, "invalid_argument");
          assert.equal(e.code, "INVALID_ARGUMENT");
          assert.equal(e.protocol, "grpc");
          assert.equal(e.status, Code.InvalidArgument);
          assert.equal(e.field, "y_true[1]");
          assert.equal(e.requestId, "ts-bad-1");
          assert.match(e.message, /y_true/);
          assert.equal(e.rpcStatus.code, Code.InvalidArgument);
          return true;
        },
      );
    });
  });

  describe("the client", () => {
    it("has every RPC of every generated curation.v1 service as a method", () => {
      const generated = (Object.values(api) as unknown[]).filter(
        (v: unknown): v is DescService =>
          typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "service",
      );
      assert.deepEqual(
        generated.map((s) => s.typeName).sort(),
        Object.values(SERVICES)
          .map((s) => s.typeName)
          .sort(),
      );
      for (const service of generated) {
        for (const method of service.methods) {
          assert.equal(
            typeof (client as unknown as Record<string, unknown>)[method.localName],
            "function",
            method.name,
          );
        }
      }
    });
  });
});
