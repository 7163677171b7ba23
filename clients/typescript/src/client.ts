/**
 * `CurationClient`: every RPC of the service as a typed method over gRPC (HTTP/2, connect-node's
 * gRPC transport), with the service's error type, UNAVAILABLE retried on idempotent RPCs, TLS and a
 * bearer token. `RestCurationClient` (rest.ts) is its twin over the proto-JSON REST API; both share
 * `BaseClient`, so a program moves from one protocol to the other by changing its constructor.
 */

import type { MessageInitShape } from "@bufbuild/protobuf";
import { type CallOptions, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";

import type { ScoreClassificationRequestSchema } from "./gen/curation/v1/classification_pb.js";
import type { ScoreDetectionRequestSchema } from "./gen/curation/v1/detection_pb.js";
import type { FindNearDuplicatesRequestSchema } from "./gen/curation/v1/sampling_pb.js";
import { asCurationError } from "./errors.js";
import {
  bearer,
  DEFAULT_RETRY_POLICY,
  NAMESPACE_HEADER,
  retrying,
  type RetryPolicy,
  withHeaders,
} from "./interceptors.js";
import { items } from "./paging.js";
import { type CurationMethods, SERVICES, type ServiceClients, type ServiceName } from "./services.js";

/** What both clients are told. */
export interface CommonOptions {
  /** The tenant (`x-curation-namespace`): cache entries and stored data are kept per namespace. */
  namespace?: string;
  /** Sent as `authorization: Bearer <token>` on every call; a function is asked before each call. */
  token?: string | (() => string | Promise<string>);
  /** More headers (gRPC metadata) for every call. */
  headers?: Record<string, string>;
  /** The default deadline of every call, in milliseconds (a call's own `timeoutMs` wins). */
  timeoutMs?: number;
  /** The UNAVAILABLE retry policy of idempotent RPCs (merged over the default); `false` = never retry. */
  retry?: Partial<RetryPolicy> | false;
  /** Interceptors of your own, run inside ours (each attempt of a retried call passes through them). */
  interceptors?: Interceptor[];
}

/** TLS of an `https://` address: a private CA, and a client certificate for mutual TLS. */
export interface TlsOptions {
  /** PEM certificate(s) of the CA(s) to trust instead of the system's. */
  ca?: string | Buffer | (string | Buffer)[];
  /** PEM client certificate and key, when the server asks for one. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** The name the server's certificate must carry, when it differs from the address's host. */
  servername?: string;
}

export interface CurationClientOptions extends CommonOptions, TlsOptions {
  /** Largest message sent or received, in bytes (default 512 MiB, the service's default limit). */
  maxMessageBytes?: number;
}

/** The server's default request and response limit: larger answers are legitimate. */
export const DEFAULT_MAX_MESSAGE_BYTES = 512 * 1024 * 1024;

/** Our interceptors, outermost first: retry, then the headers, then the caller's interceptors. */
export function interceptorsFor(options: CommonOptions): Interceptor[] {
  const headers: Record<string, string> = { ...options.headers };
  if (options.namespace !== undefined) headers[NAMESPACE_HEADER] = options.namespace;
  const chain: Interceptor[] = [];
  if (options.retry !== false) chain.push(retrying({ ...DEFAULT_RETRY_POLICY, ...options.retry }));
  chain.push(withHeaders(headers));
  if (options.token !== undefined) chain.push(bearer(options.token));
  chain.push(...(options.interceptors ?? []));
  return chain;
}

/** `host:port` means plaintext `http://host:port`, as gRPC targets are usually written. */
export function normalizedBaseUrl(address: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `http://${address}`;
}

// Declaration merging: the class carries every RPC as a method (assigned in the constructor).
export interface BaseClient extends CurationMethods {}

/** A unary or client-streaming method of a connect client: both answer with one promise. */
type Rpc = (...args: unknown[]) => Promise<unknown>;

/** Every RPC as a method (`scoreClassification`, ...), each service's client, and the page iterators. */
export abstract class BaseClient {
  /** Each service's typed client: `client.services.diagnostics.scoreClassification(...)`. */
  readonly services: ServiceClients;

  protected constructor(
    readonly transport: Transport,
    protocol: "grpc" | "rest",
  ) {
    const services = {} as Record<ServiceName, Record<string, Rpc>>;
    for (const name of Object.keys(SERVICES) as ServiceName[]) {
      const raw = createClient(SERVICES[name], transport) as unknown as Record<string, Rpc>;
      const client: Record<string, Rpc> = {};
      for (const method of SERVICES[name].methods) {
        const call = raw[method.localName]!;
        client[method.localName] = (...args) =>
          call(...args).catch((error: unknown) => {
            throw asCurationError(error, protocol);
          });
      }
      services[name] = client;
      Object.assign(this, client);
    }
    this.services = services as unknown as ServiceClients;
  }

  /** Ends the client's connections; calls in flight fail. */
  abstract close(): void;

  /** Misclassified assets over every page, most confidently wrong first. */
  misclassified(request: MessageInitShape<typeof ScoreClassificationRequestSchema>, options?: CallOptions) {
    return items(this.scoreClassification, request, "misclassified", options);
  }

  /** Per-asset detection outcomes over every page, worst first. */
  detectionAssets(request: MessageInitShape<typeof ScoreDetectionRequestSchema>, options?: CallOptions) {
    return items(this.scoreDetection, request, "assets", options);
  }

  /** Near-duplicate groups over every page. */
  duplicateGroups(request: MessageInitShape<typeof FindNearDuplicatesRequestSchema>, options?: CallOptions) {
    return items(this.findNearDuplicates, request, "groups", options);
  }
}

/**
 * The gRPC client. `address` is `"localhost:50051"` / `"http://host:port"` (plaintext HTTP/2) or
 * `"https://host:port"` (TLS, with `ca` / `cert` / `key` for a private CA or mutual TLS). `close()`
 * ends its connection.
 */
export class CurationClient extends BaseClient {
  private readonly session: Http2SessionManager;

  constructor(address: string, options: CurationClientOptions = {}) {
    const baseUrl = normalizedBaseUrl(address);
    const { ca, cert, key, servername } = options;
    const tls = Object.fromEntries(Object.entries({ ca, cert, key, servername }).filter(([, v]) => v !== undefined));
    const session = new Http2SessionManager(baseUrl, {}, tls);
    const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    super(
      createGrpcTransport({
        baseUrl,
        sessionManager: session,
        interceptors: interceptorsFor(options),
        defaultTimeoutMs: options.timeoutMs,
        readMaxBytes: maxBytes,
        writeMaxBytes: maxBytes,
      }),
      "grpc",
    );
    this.session = session;
  }

  override close(): void {
    this.session.abort();
  }
}
