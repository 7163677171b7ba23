/**
 * TLS in front of the plaintext service, as an ingress would put it: a throw-away CA and a server
 * certificate for 127.0.0.1 (made by the `openssl` command), and a TLS terminator that forwards each
 * connection's bytes to a port of the service (ALPN h2 for gRPC, http/1.1 for REST). It keeps the
 * first bytes it forwarded per connection, so a test can see what the client sent.
 */

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tls from "node:tls";

export interface Certificates {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export function makeCertificates(): Certificates {
  const dir = mkdtempSync(join(tmpdir(), "curation-tls-"));
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  try {
    openssl(
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "1",
      "-subj",
      "/CN=curation test CA",
    );
    openssl("req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
    writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    openssl(
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.pem",
      "-days",
      "1",
      "-extfile",
      "san.ext",
    );
    const read = (name: string) => readFileSync(join(dir, name));
    return { ca: read("ca.pem"), cert: read("server.pem"), key: read("server.key") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Terminator {
  url: string;
  /** The first bytes (up to 64 KiB) each connection forwarded, decrypted. */
  seen: Buffer[];
  close(): Promise<void>;
}

export function terminateTls(certs: Certificates, targetPort: number): Promise<Terminator> {
  const seen: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ cert: certs.cert, key: certs.key, ALPNProtocols: ["h2", "http/1.1"] }, (client) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    const index = seen.push(Buffer.alloc(0)) - 1;
    client.on("data", (chunk: Buffer) => {
      if (seen[index]!.length < 65536) seen[index] = Buffer.concat([seen[index]!, chunk]);
    });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(a);
      a.on("error", () => b.destroy());
      a.on("close", () => {
        sockets.delete(a);
        b.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        url: `https://127.0.0.1:${port}`,
        seen,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
