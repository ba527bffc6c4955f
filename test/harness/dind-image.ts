/**
 * The lab host image (deploy/dind/build-node-image.sh): its tag is the hash of the script and
 * its entrypoint, computed here the same way, so a changed recipe is rebuilt before use.
 */
import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "./apiserver.js";

const run = promisify(execFile);
const BUILD_SCRIPT = resolve(REPO_ROOT, "deploy/dind/build-node-image.sh");
const ENTRYPOINT = resolve(REPO_ROOT, "deploy/dind/entrypoint.sh");

/** `kates/node:<recipe-hash>`, as build-node-image.sh tags it (sha256 of script + entrypoint, 16 hex digits). */
export function nodeImageTag(): string {
  const hash = createHash("sha256").update(readFileSync(BUILD_SCRIPT)).update(readFileSync(ENTRYPOINT)).digest("hex");
  return `kates/node:${hash.slice(0, 16)}`;
}

/** Returns the node image's tag, building it first (debootstrap, a minute or more) when Docker lacks it. */
export async function ensureNodeImage(): Promise<string> {
  const tag = nodeImageTag();
  try {
    await run("docker", ["image", "inspect", tag]);
    return tag;
  } catch {
    // Not built yet (or an older recipe's): build it now.
  }
  const { stdout } = await run("bash", [BUILD_SCRIPT], { maxBuffer: 16 << 20, timeout: 15 * 60_000 });
  const built = stdout.trim().split("\n").pop();
  if (built !== tag) throw new Error(`build-node-image.sh built ${built ?? "nothing"}, expected ${tag}`);
  return tag;
}
