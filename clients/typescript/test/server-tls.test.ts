/**
 * The service's own TLS, no terminator in front: `curation-serve` started with
 * `CURATION_TLS_CERT_FILE` / `_KEY_FILE` and `CURATION_TLS_CLIENT_CA_FILE` (mutual TLS), certificates
 * from a private CA (test/tls.ts). Both clients with `ca` and a client certificate get answers; without
 * the client certificate, or without `ca`, the handshake is refused.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { CurationClient, CurationError, RestCurationClient } from "../src/index.js";
import { README_EXAMPLE } from "./data.js";
import { type RunningServer, startServer } from "./server.js";
import { type Certificates, makeCertificates } from "./tls.js";

describe("the server's own mutual TLS", () => {
  let certs: Certificates;
  let dir: string;
  let server: RunningServer;
  let grpcUrl: string;
  let httpUrl: string;

  before(async () => {
    certs = makeCertificates();
    dir = mkdtempSync(join(tmpdir(), "curation-server-tls-"));
    for (const [name, pem] of [
      ["tls.crt", certs.cert],
      ["tls.key", certs.key],
      ["ca.crt", certs.ca],
    ] as const) {
      writeFileSync(join(dir, name), pem);
    }
    // The server's certificate carries no extendedKeyUsage, so it doubles as the client's here.
    server = await startServer({
      CURATION_TLS_CERT_FILE: join(dir, "tls.crt"),
      CURATION_TLS_KEY_FILE: join(dir, "tls.key"),
      CURATION_TLS_CLIENT_CA_FILE: join(dir, "ca.crt"),
    });
    grpcUrl = server.grpcUrl.replace("http://", "https://");
    httpUrl = server.httpUrl.replace("http://", "https://");
  });

  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("logs that it listens with mutual TLS", () => {
    const listening = server.logs.find((l) => l["message"] === "listening");
    assert.equal(listening?.["tls"], "mutual");
  });

  for (const [protocol, make] of [
    ["gRPC", (o: object) => new CurationClient(grpcUrl, { retry: false, timeoutMs: 30_000, ...o })],
    ["REST", (o: object) => new RestCurationClient(httpUrl, { retry: false, timeoutMs: 30_000, ...o })],
  ] as const) {
    it(`${protocol} with the CA and a client certificate`, async () => {
      const client = make({ ca: certs.ca, cert: certs.cert, key: certs.key });
      try {
        const response = await client.scoreClassification(README_EXAMPLE);
        assert.equal(response.summary?.accuracy, 0.6666666666666666);
      } finally {
        client.close();
      }
    });

    // Refused in the handshake: node reports it as the stream or socket closing (CANCEL, EPIPE, reset,
    // depending on timing) without a client certificate, and names the certificate without the CA. The
    // call never reaches the service: no request log line.
    for (const [what, options, reason] of [
      ["without a client certificate", () => ({ ca: certs.ca }), /./],
      ["without the CA", () => ({ cert: certs.cert, key: certs.key }), /certificate/i],
    ] as const) {
      it(`${protocol} ${what} is refused`, async () => {
        // The log arrives through a pipe: let the lines of the earlier calls land before counting.
        const requests = async () => {
          await new Promise((done) => setTimeout(done, 300));
          return server.logs.filter((l) => l["request_id"] !== undefined).length;
        };
        const before = await requests();
        const client = make(options());
        try {
          await assert.rejects(client.scoreClassification(README_EXAMPLE), (e: unknown) => {
            assert.ok(e instanceof CurationError, String(e));
            assert.match(e.message, reason);
            return true;
          });
        } finally {
          client.close();
        }
        assert.equal(await requests(), before);
      });
    }
  }
});
