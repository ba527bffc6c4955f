/**
 * Entry wrapper that runs another entry script (KATES_PROFILE_MAIN) under the V8 CPU profiler
 * and writes the profile to KATES_PROFILE_OUT when the process exits. It exists because
 * `--cpu-prof` is not allowed in NODE_OPTIONS and the test harness owns the node command line.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { pathToFileURL } from "node:url";

const main = process.env.KATES_PROFILE_MAIN;
const out = process.env.KATES_PROFILE_OUT;
if (!main || !out) throw new Error("cpu-profile: set KATES_PROFILE_MAIN and KATES_PROFILE_OUT");

const session = new Session();
session.connect();
session.post("Profiler.enable");
session.post("Profiler.setSamplingInterval", { interval: 200 });
session.post("Profiler.start");
// SIGUSR2 cuts the profile: what was recorded so far goes to OUT.N (N = 1, 2, ...) and a new
// one starts, so a benchmark can profile its phases separately.
let cuts = 0;
process.on("SIGUSR2", () => {
  session.post("Profiler.stop", (err, res) => {
    if (!err) writeFileSync(`${out}.${++cuts}`, JSON.stringify(res.profile));
    session.post("Profiler.start");
  });
});
// A session on the main thread answers synchronously, so this completes inside 'exit'.
process.on("exit", () => {
  session.post("Profiler.stop", (err, res) => {
    if (!err) writeFileSync(out, JSON.stringify(res.profile));
  });
});
await import(pathToFileURL(main).href);
