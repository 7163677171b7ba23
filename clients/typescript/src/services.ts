/**
 * The service's gRPC services, by the name a client exposes each under, and the flat set of their
 * methods (every RPC name is unique across the services, so one client can carry them all).
 */

import type { Client } from "@connectrpc/connect";

import { AdminService } from "./gen/curation/v1/admin_pb.js";
import { DiagnosticsService } from "./gen/curation/v1/diagnostics_pb.js";
import { EmbeddingService } from "./gen/curation/v1/embeddings_pb.js";
import { LabelingFunctionService } from "./gen/curation/v1/labeling_pb.js";
import { SamplingService } from "./gen/curation/v1/sampling_pb.js";

export const SERVICES = {
  admin: AdminService,
  diagnostics: DiagnosticsService,
  embeddings: EmbeddingService,
  labeling: LabelingFunctionService,
  sampling: SamplingService,
} as const;

export type ServiceName = keyof typeof SERVICES;

/** One typed client per service: `clients.diagnostics.scoreClassification(...)`. */
export type ServiceClients = { readonly [N in ServiceName]: Client<(typeof SERVICES)[N]> };

/** Every RPC of every service as one typed method: `scoreClassification(...)`, `select(...)`, ... */
export type CurationMethods = Client<typeof AdminService> &
  Client<typeof DiagnosticsService> &
  Client<typeof EmbeddingService> &
  Client<typeof LabelingFunctionService> &
  Client<typeof SamplingService>;
