/**
 * The curation service's TypeScript/Node client: `CurationClient` (gRPC) and `RestCurationClient`
 * (proto-JSON REST), one typed method per RPC, `CurationError`, page iterators, and the generated
 * messages of curation.v1 (`create(ScoreClassificationRequestSchema, {...})`, enums, types).
 */

export { BaseClient, CurationClient, DEFAULT_MAX_MESSAGE_BYTES } from "./client.js";
export type { CommonOptions, CurationClientOptions, TlsOptions } from "./client.js";
export { CurationError, REQUEST_ID_HEADER } from "./errors.js";
export { DEFAULT_RETRY_POLICY, isIdempotent, NAMESPACE_HEADER } from "./interceptors.js";
export type { RetryPolicy } from "./interceptors.js";
export { items, pages } from "./paging.js";
export { REQUEST_TIMEOUT_HEADER, RestCurationClient, routeOf } from "./rest.js";
export type { RestCurationClientOptions, Route } from "./rest.js";
export { SERVICES } from "./services.js";
export type { CurationMethods, ServiceClients, ServiceName } from "./services.js";

export * from "./gen/curation/v1/admin_pb.js";
export * from "./gen/curation/v1/classification_pb.js";
export * from "./gen/curation/v1/common_pb.js";
export * from "./gen/curation/v1/detection_pb.js";
export * from "./gen/curation/v1/diagnostics_pb.js";
export * from "./gen/curation/v1/embeddings_pb.js";
export * from "./gen/curation/v1/labeling_pb.js";
export * from "./gen/curation/v1/sampling_pb.js";
