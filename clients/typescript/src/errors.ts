/**
 * One error type for both protocols, decoded from the standard `google.rpc.Status`: on gRPC the
 * `grpc-status-details-bin` trailer (as connect-node parses it), on REST the AIP-193 JSON body
 * `{"error": {"code", "message", "status", "details"}}`. Its details are, in the service's order,
 * `ErrorInfo` (the kind, upper-case, as `reason`), `BadRequest` (the field and its first bad index),
 * `RequestInfo` (the request ID) and `RetryInfo` (for unavailable / overloaded).
 */

import {
  create,
  createRegistry,
  type DescMessage,
  fromJson,
  type JsonObject,
  type JsonValue,
  type MessageShape,
} from "@bufbuild/protobuf";
import { anyIs, anyUnpack } from "@bufbuild/protobuf/wkt";
import { ConnectError, decodeBinaryHeader } from "@connectrpc/connect";

import { Code, CodeSchema } from "./gen/google/rpc/code_pb.js";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  RequestInfoSchema,
  RetryInfoSchema,
} from "./gen/google/rpc/error_details_pb.js";
import { type Status, StatusSchema } from "./gen/google/rpc/status_pb.js";

/** The header (gRPC metadata) that carries the request ID on both protocols. */
export const REQUEST_ID_HEADER = "x-request-id";
const STATUS_DETAILS_TRAILER = "grpc-status-details-bin";

/** The detail types the service sends: what a REST body's `details` are read as. */
const DETAILS = createRegistry(ErrorInfoSchema, BadRequestSchema, RequestInfoSchema, RetryInfoSchema);

/** The `google.rpc.Code` name of a code number: `3` -> `"INVALID_ARGUMENT"`. */
export function codeName(code: number): string {
  return CodeSchema.values.find((v) => v.number === code)?.name ?? "UNKNOWN";
}

/** The first detail of type `schema` in `status`, unpacked. */
function detail<Desc extends DescMessage>(status: Status, schema: Desc): MessageShape<Desc> | undefined {
  const any = status.details.find((d) => anyIs(d, schema));
  return any === undefined ? undefined : anyUnpack(any, schema);
}

/** The code number of a `google.rpc.Code` name, `UNKNOWN` for a name it does not know. */
function codeNumber(name: string): Code {
  return CodeSchema.values.find((v) => v.name === name)?.number ?? Code.UNKNOWN;
}

/**
 * A failed call. `kind` is the service's stable error kind (`ErrorInfo.reason` lower-cased:
 * `"invalid_argument"`, `"not_found"`, ...; without an `ErrorInfo`, the code's name lower-cased),
 * `code` the `google.rpc.Code` name, `status` the protocol's own status (the gRPC status code number,
 * or the HTTP status), `field` the offending request field with its first bad index (`"y_true[12]"`)
 * or `""`, `retryDelay` the seconds the service asks to wait before a retry (absent when a retry would
 * not help), and `rpcStatus` the whole `google.rpc.Status`.
 */
export class CurationError extends Error {
  override readonly name = "CurationError";
  readonly kind: string;
  readonly code: string;
  readonly protocol: "grpc" | "rest";
  readonly status: number;
  readonly field: string;
  readonly requestId: string;
  readonly retryDelay: number | undefined;
  readonly rpcStatus: Status;

  constructor(
    rpcStatus: Status,
    init: { protocol: "grpc" | "rest"; status: number; requestId?: string; cause?: unknown },
  ) {
    super(rpcStatus.message, { cause: init.cause });
    const info = detail(rpcStatus, ErrorInfoSchema);
    const violation = detail(rpcStatus, BadRequestSchema)?.fieldViolations[0];
    const delay = detail(rpcStatus, RetryInfoSchema)?.retryDelay;
    this.code = codeName(rpcStatus.code);
    this.kind = (info?.reason || this.code).toLowerCase();
    this.protocol = init.protocol;
    this.status = init.status;
    this.field = violation?.field || info?.metadata["field"] || "";
    this.requestId = detail(rpcStatus, RequestInfoSchema)?.requestId || init.requestId || "";
    this.retryDelay = delay === undefined ? undefined : Number(delay.seconds) + delay.nanos / 1e9;
    this.rpcStatus = rpcStatus;
  }

  override toString(): string {
    const where = this.field ? ` (${this.field})` : "";
    return `${this.name} ${this.kind}${where}: ${this.message}`;
  }
}

/**
 * The `CurationError` of a failed gRPC call. The `google.rpc.Status` is read from the trailer when
 * the server sent one; otherwise (a proxy, a client-side deadline, a refused connection) it is
 * built from the code and message alone.
 */
export function fromConnectError(error: ConnectError, protocol: "grpc" | "rest" = "grpc"): CurationError {
  const bin = error.metadata.get(STATUS_DETAILS_TRAILER);
  let status: Status | undefined;
  if (bin !== null) {
    try {
      status = decodeBinaryHeader(bin, StatusSchema);
    } catch {
      status = undefined;
    }
  }
  status ??= create(StatusSchema, { code: error.code, message: error.rawMessage });
  return new CurationError(status, {
    protocol,
    // Over REST a ConnectError is the client's own (deadline, cancellation): no HTTP status came.
    status: protocol === "grpc" ? error.code : 0,
    requestId: error.metadata.get(REQUEST_ID_HEADER) ?? "",
    cause: error,
  });
}

/**
 * `error` as a `CurationError` when it is a failed call: a `ConnectError` (connect wraps whatever a
 * transport threw into one, keeping it as the cause), or a `CurationError` already; others unchanged.
 */
export function asCurationError(error: unknown, protocol: "grpc" | "rest"): unknown {
  if (error instanceof CurationError) return error;
  if (error instanceof ConnectError) {
    return error.cause instanceof CurationError ? error.cause : fromConnectError(error, protocol);
  }
  return error;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The `CurationError` of a failed REST call: the AIP-193 body read as a `google.rpc.Status` (its
 * `status` name gives the code; details of types other than the four above are left out). A body
 * that is not AIP-193 (a proxy's page) keeps the HTTP status and its first 500 characters.
 */
export function fromHttpError(httpStatus: number, body: string, headers: Headers): CurationError {
  const requestId = headers.get(REQUEST_ID_HEADER) ?? "";
  let doc: JsonValue | undefined;
  try {
    doc = JSON.parse(body) as JsonValue;
  } catch {
    doc = undefined;
  }
  const error = isObject(doc) ? doc["error"] : undefined;
  if (isObject(error) && typeof error["status"] === "string") {
    const details = Array.isArray(error["details"]) ? error["details"] : [];
    const known = details.filter(
      (d) =>
        isObject(d) &&
        typeof d["@type"] === "string" &&
        DETAILS.getMessage(d["@type"].split("/").pop() ?? "") !== undefined,
    );
    const status = fromJson(
      StatusSchema,
      { code: codeNumber(error["status"]), message: String(error["message"] ?? ""), details: known },
      { registry: DETAILS, ignoreUnknownFields: true },
    );
    return new CurationError(status, { protocol: "rest", status: httpStatus, requestId });
  }
  const status = create(StatusSchema, { code: codeOfHttp(httpStatus), message: body.slice(0, 500) });
  return new CurationError(status, { protocol: "rest", status: httpStatus, requestId });
}

/** The code of an HTTP status without an AIP-193 body (google.rpc.Code's own HTTP mapping). */
function codeOfHttp(httpStatus: number): Code {
  const byStatus: Record<number, Code> = {
    400: Code.INVALID_ARGUMENT,
    401: Code.UNAUTHENTICATED,
    403: Code.PERMISSION_DENIED,
    404: Code.NOT_FOUND,
    405: Code.UNIMPLEMENTED,
    408: Code.DEADLINE_EXCEEDED,
    409: Code.ABORTED,
    413: Code.RESOURCE_EXHAUSTED,
    415: Code.INVALID_ARGUMENT,
    429: Code.RESOURCE_EXHAUSTED,
    499: Code.CANCELLED,
    501: Code.UNIMPLEMENTED,
    502: Code.UNAVAILABLE,
    503: Code.UNAVAILABLE,
    504: Code.DEADLINE_EXCEEDED,
  };
  return byStatus[httpStatus] ?? (httpStatus >= 500 ? Code.INTERNAL : Code.UNKNOWN);
}
