/**
 * `RestCurationClient`: the same typed methods over the service's proto-JSON REST API. Each RPC's
 * route is read from its `google.api.http` annotation in the generated descriptors (every binding is
 * `body: "*"`: the whole request is the JSON body), the request written with `toJson` and the answer
 * read with `fromJson` (unknown fields ignored, so a newer server does not break an older client;
 * `float` fields rounded to float32 as gRPC's binary gives them, see float32.ts).
 * Errors come from the AIP-193 body. It is a connect `Transport`, so interceptors, deadlines and the
 * retry policy are the gRPC client's own. Client streaming has no REST binding: gRPC only.
 */

import * as http from "node:http";
import * as https from "node:https";

import { type DescMethod, fromJsonString, getOption, hasOption, toJsonString } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues, type Transport } from "@connectrpc/connect";
import { createAsyncIterable, readAllBytes, runUnaryCall } from "@connectrpc/connect/protocol";
import { createNodeHttpClient } from "@connectrpc/connect-node";

import {
  BaseClient,
  type CommonOptions,
  DEFAULT_MAX_MESSAGE_BYTES,
  interceptorsFor,
  normalizedBaseUrl,
  type TlsOptions,
} from "./client.js";
import { fromHttpError } from "./errors.js";
import { roundFloats } from "./float32.js";
import { http as httpRule } from "./gen/google/api/annotations_pb.js";

/** The service's deadline header on REST (gRPC has `grpc-timeout`). */
export const REQUEST_TIMEOUT_HEADER = "x-request-timeout-ms";

export interface Route {
  method: string;
  path: string;
}

/** The HTTP method and path of `method` from its `google.api.http` option (undefined: gRPC only). */
export function routeOf(method: DescMethod): Route | undefined {
  if (!hasOption(method, httpRule)) return undefined;
  const pattern = getOption(method, httpRule).pattern;
  switch (pattern.case) {
    case "get":
    case "put":
    case "post":
    case "delete":
    case "patch":
      return { method: pattern.case.toUpperCase(), path: pattern.value };
    case "custom":
      return { method: pattern.value.kind, path: pattern.value.path };
    default:
      return undefined;
  }
}

export interface RestCurationClientOptions extends CommonOptions, TlsOptions {
  /** Largest answer read, in bytes (default 512 MiB, the service's default limit). */
  maxMessageBytes?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A connect `Transport` over the REST API at `baseUrl` (`http://host:8080`, `https://...`). */
function createRestTransport(baseUrl: string, agent: http.Agent, options: RestCurationClientOptions): Transport {
  const send = createNodeHttpClient({ httpVersion: "1.1", nodeOptions: { agent } });
  const interceptors = interceptorsFor(options);
  const readMaxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  return {
    async unary(method, signal, timeoutMs, header, input, contextValues) {
      const route = routeOf(method);
      if (route === undefined || route.path.includes("{")) {
        throw new ConnectError(`${method.parent.typeName}.${method.name} has no REST route`, Code.Unimplemented);
      }
      const deadline = timeoutMs === undefined ? options.timeoutMs : timeoutMs <= 0 ? undefined : timeoutMs;
      return runUnaryCall({
        interceptors,
        signal,
        timeoutMs: deadline,
        req: {
          stream: false,
          service: method.parent,
          method,
          requestMethod: route.method,
          url: baseUrl.replace(/\/?$/, route.path),
          header: new Headers(header),
          contextValues: contextValues ?? createContextValues(),
          message: input,
        },
        next: async (req) => {
          req.header.set("content-type", "application/json");
          req.header.set("accept", "application/json");
          if (deadline !== undefined) req.header.set(REQUEST_TIMEOUT_HEADER, String(deadline));
          const body = encoder.encode(toJsonString(method.input, req.message, { useProtoFieldName: true }));
          const res = await send({
            url: req.url,
            method: req.requestMethod,
            header: req.header,
            body: createAsyncIterable([body]),
            signal: req.signal,
          });
          const text = decoder.decode(await readAllBytes(res.body, readMaxBytes, res.header.get("content-length")));
          if (res.status < 200 || res.status > 299) throw fromHttpError(res.status, text, res.header);
          const message = fromJsonString(method.output, text, { ignoreUnknownFields: true });
          roundFloats(method.output, message as unknown as Record<string, unknown>);
          return {
            stream: false,
            service: method.parent,
            method,
            header: res.header,
            trailer: new Headers(),
            message,
          };
        },
      });
    },
    stream(method) {
      return Promise.reject(
        new ConnectError(`${method.parent.typeName}.${method.name} streams: gRPC only`, Code.Unimplemented),
      );
    },
  };
}

/**
 * The REST client: every unary RPC as a typed method, like `CurationClient`. `address` is the
 * service's HTTP address (`localhost:8080`, `http://...`, or `https://...` with `ca` / `cert` / `key`).
 * `close()` ends its kept-alive connections.
 */
export class RestCurationClient extends BaseClient {
  private readonly agent: http.Agent;

  constructor(address: string, options: RestCurationClientOptions = {}) {
    const baseUrl = normalizedBaseUrl(address);
    const { ca, cert, key, servername } = options;
    const agent = baseUrl.startsWith("https:")
      ? new https.Agent({ keepAlive: true, ca, cert, key, servername })
      : new http.Agent({ keepAlive: true });
    super(createRestTransport(baseUrl, agent, options), "rest");
    this.agent = agent;
  }

  override close(): void {
    this.agent.destroy();
  }
}
