/**
 * Both clients through TLS (a terminator in front of the real server, certificates from a private
 * CA): trusted with `ca`, refused without it; the bearer token and namespace travel as headers.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { CurationClient, CurationError, RestCurationClient } from "../../src/index.js";
import { README_EXAMPLE } from "../data.js";
import { server } from "../fixture.js";
import { type Certificates, makeCertificates, type Terminator, terminateTls } from "../tls.js";

function portOf(url: string): number {
  return Number(new URL(url).port);
}

describe("TLS and credentials", () => {
  let certs: Certificates;
  let grpcTls: Terminator;
  let restTls: Terminator;

  before(async () => {
    certs = makeCertificates();
    grpcTls = await terminateTls(certs, portOf(server().grpcUrl));
    restTls = await terminateTls(certs, portOf(server().httpUrl));
  });

  after(async () => {
    await grpcTls.close();
    await restTls.close();
  });

  it("gRPC over TLS with the private CA", async () => {
    const client = new CurationClient(grpcTls.url, { ca: certs.ca, token: "s3cret", timeoutMs: 30_000 });
    try {
      const response = await client.scoreClassification(README_EXAMPLE);
      assert.equal(response.summary?.accuracy, 0.6666666666666666);
    } finally {
      client.close();
    }
  });

  it("REST over TLS with the private CA sends the bearer token and the namespace", async () => {
    const client = new RestCurationClient(restTls.url, {
      ca: certs.ca,
      token: async () => "s3cret",
      namespace: "ts-tls",
    });
    try {
      const response = await client.scoreClassification(README_EXAMPLE);
      assert.equal(response.summary?.accuracy, 0.6666666666666666);
    } finally {
      client.close();
    }
    const sent = restTls.seen.map((b) => b.toString("latin1")).join("\n");
    assert.match(sent, /^authorization: Bearer s3cret\r$/im);
    assert.match(sent, /^x-curation-namespace: ts-tls\r$/im);
  });

  for (const [protocol, make] of [
    ["gRPC", () => new CurationClient(grpcTls.url, { retry: false, timeoutMs: 10_000 })],
    ["REST", () => new RestCurationClient(restTls.url, { retry: false, timeoutMs: 10_000 })],
  ] as const) {
    it(`${protocol} refuses the server's certificate without the CA`, async () => {
      const client = make();
      try {
        await assert.rejects(client.scoreClassification(README_EXAMPLE), (e: unknown) => {
          assert.ok(e instanceof CurationError, String(e));
          assert.match(e.message, /certificate/i);
          return true;
        });
      } finally {
        client.close();
      }
    });
  }
});
