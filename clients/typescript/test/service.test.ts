/** The suites that share one real server (test/fixture.ts). */

import "./fixture.js";
import "./suites/every-rpc.js";
import "./suites/rest.js";
import "./suites/tls.js";
