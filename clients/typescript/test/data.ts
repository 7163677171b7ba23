/** Requests the tests send, with answers that can be worked out by hand. */

import type { MessageInitShape } from "@bufbuild/protobuf";

import { type ScoreClassificationRequestSchema, type ScoreDetectionRequestSchema, ScoreType } from "../src/index.js";

/** The README's example: two of three assets right, "c" wrong (0.6 on cat for a dog). */
export const README_EXAMPLE = {
  classNames: ["cat", "dog"],
  assetIds: ["a", "b", "c"],
  yTrue: [0, 1, 1],
  scores: [0.9, 0.1, 0.3, 0.7, 0.6, 0.4],
  scoreType: ScoreType.PROBABILITY,
} satisfies MessageInitShape<typeof ScoreClassificationRequestSchema>;

/** Two images, two categories: the request of the Python client's tests. */
export function detectionRequest() {
  return {
    assetIds: ["img1", "img2"],
    categoryNames: ["car", "person"],
    gtAsset: [0, 0, 1],
    gtCategory: [0, 1, 1],
    gtBoxes: [10, 10, 50, 40, 100, 100, 30, 60, 5, 5, 20, 40],
    predAsset: [0, 0, 1, 1],
    predCategory: [0, 0, 1, 0],
    predBoxes: [12, 11, 48, 40, 200, 200, 10, 10, 6, 5, 20, 38, 6, 5, 20, 38],
    predScores: [0.9, 0.4, 0.8, 0.3],
  } satisfies MessageInitShape<typeof ScoreDetectionRequestSchema>;
}

/** Votes of 3 labeling functions on 4 assets (abstentions are absent: the matrix is sparse). */
export const LABEL_MATRIX = {
  numRows: 4,
  numFunctions: 3,
  rows: [0, 0, 1, 2, 2, 3, 3],
  functions: [0, 1, 1, 0, 2, 1, 2],
  labels: [1, 1, 0, 1, 0, 0, 0],
};

/** Six unit-ish vectors of dimension 4: e0 ~ e1 and e2 ~ e3 nearly identical, e4 and e5 apart. */
export const VECTORS = [
  [1, 0, 0, 0],
  [1, 0.001, 0, 0],
  [0, 1, 0, 0],
  [0, 1, 0.001, 0],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
];
export const EMBEDDING_IDS = VECTORS.map((_, i) => `e${i}`);

export function packed(rows: number[][]): Uint8Array {
  return new Uint8Array(new Float32Array(rows.flat()).buffer);
}
