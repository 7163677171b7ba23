/**
 * Paginated results as async iterators (AIP-158): the same request is sent again with the previous
 * answer's `next_page_token` until that is empty. The service reads every page of one request from
 * its cached evaluation, so later pages cost no recomputation.
 */

import type { CallOptions } from "@connectrpc/connect";

/** A request message (init shape) of an RPC with `page_token`. */
export interface PagedRequest {
  pageToken?: string;
}

/** A response message of an RPC with `next_page_token`. */
export interface PagedResponse {
  nextPageToken: string;
}

/** The keys of `T` whose values are arrays (the repeated fields a page holds). */
export type ArrayKeys<T> = { [K in keyof T]: T[K] extends readonly unknown[] ? K : never }[keyof T];

/** Every page's whole response, the first one included, in order. */
export async function* pages<Req extends PagedRequest, Res extends PagedResponse>(
  call: (request: Req, options?: CallOptions) => Promise<Res>,
  request: Req,
  options?: CallOptions,
): AsyncGenerator<Res, void, undefined> {
  let pageToken = request.pageToken ?? "";
  do {
    const response = await call({ ...request, pageToken }, options);
    yield response;
    pageToken = response.nextPageToken;
  } while (pageToken !== "");
}

/** The elements of the repeated field `field` over every page, in order. */
export async function* items<Req extends PagedRequest, Res extends PagedResponse, K extends ArrayKeys<Res>>(
  call: (request: Req, options?: CallOptions) => Promise<Res>,
  request: Req,
  field: K,
  options?: CallOptions,
): AsyncGenerator<Res[K] extends readonly (infer E)[] ? E : never, void, undefined> {
  for await (const page of pages(call, request, options)) {
    yield* page[field] as Iterable<Res[K] extends readonly (infer E)[] ? E : never>;
  }
}
