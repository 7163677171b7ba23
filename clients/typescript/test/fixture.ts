/**
 * One real server per test process: started before the first test, stopped after the last. The
 * suites (test/suites/*.ts) share it through `server()`; test/service.test.ts runs them all.
 */

import { after, before } from "node:test";

import { type RunningServer, startServer } from "./server.js";

let running: RunningServer | undefined;

before(async () => {
  running = await startServer();
});

after(async () => {
  await running?.stop();
});

export function server(): RunningServer {
  if (running === undefined) throw new Error("the server is not running (test/fixture.ts starts it before the tests)");
  return running;
}
