/**
 * A real service for the tests: `curation-serve` (from `$CURATION_SERVE`, else the repository's
 * `.venv`) on free ports of 127.0.0.1, with the embedded cache unless `env` says otherwise. It is
 * ready once its JSON log says `"listening"` (the ports) and then `"serving"` (gRPC health SERVING
 * is set just before that line); `stop()` sends SIGTERM and waits for the exit.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

export interface RunningServer {
  grpcUrl: string;
  httpUrl: string;
  /** The log records so far (JSON lines of stderr). */
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 120_000;
const DEFAULT_SERVE = fileURLToPath(new URL("../../../.venv/bin/curation-serve", import.meta.url));

export function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const command = process.env["CURATION_SERVE"] || DEFAULT_SERVE;
  const childEnv: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: "" };
  Object.assign(childEnv, {
    CURATION_HOST: "127.0.0.1",
    CURATION_HTTP_PORT: "0",
    CURATION_GRPC_PORT: "0",
    CURATION_WORKERS: "2",
    CURATION_SHUTDOWN_GRACE_SECONDS: "2",
    ...env,
  });
  const child = spawn(command, [], { env: childEnv, stdio: ["ignore", "ignore", "pipe"] });
  const logs: Record<string, unknown>[] = [];
  return new Promise((resolveStart, rejectStart) => {
    let ports: { http: number; grpc: number } | undefined;
    const timer = setTimeout(() => fail(new Error(`no "serving" within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      const tail = logs.slice(-5).map((l) => JSON.stringify(l));
      rejectStart(new Error(`${error.message}; last log lines: ${tail.join("\n")}`));
    };
    child.on("error", fail);
    child.on("exit", (code) => {
      if (!ports || logs.every((l) => l["message"] !== "serving")) fail(new Error(`${command} exited with ${code}`));
    });
    createInterface({ input: child.stderr! }).on("line", (line) => {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        record = { message: line, raw: true };
      }
      logs.push(record);
      if (record["message"] === "listening") {
        ports = { http: Number(record["http_port"]), grpc: Number(record["grpc_port"]) };
      } else if (record["message"] === "serving" && ports) {
        clearTimeout(timer);
        resolveStart({
          grpcUrl: `http://127.0.0.1:${ports.grpc}`,
          httpUrl: `http://127.0.0.1:${ports.http}`,
          logs,
          stop: () => stop(child),
        });
      }
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.once("exit", () => {
      clearTimeout(killer);
      resolveStop();
    });
    child.kill("SIGTERM");
  });
}
