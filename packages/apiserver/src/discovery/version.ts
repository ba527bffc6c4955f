/**
 * The body of GET /version. `minor` must be "32": the Cloud SDK's kubectl dispatcher picks the
 * kubectl binary whose minor version matches the server's, and kates speaks kubectl 1.32's dialect.
 * gitVersion stays a plain `v1.32.0`, since clients parse it as a semantic version.
 */
import { readFileSync } from "node:fs";

/** The version.Info document. */
export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

function packageVersion(): string {
  try {
    // src/discovery/ and dist/discovery/ both sit two levels below package.json.
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

const ARCH: Record<string, string> = { x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm" };

const loadedAt = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

/** What /version reports; gitCommit carries the kates package version, goVersion the Node.js version. */
export function versionInfo(): VersionInfo {
  return {
    major: "1",
    minor: "32",
    gitVersion: "v1.32.0",
    gitCommit: `kates-${packageVersion()}`,
    gitTreeState: "clean",
    buildDate: loadedAt,
    goVersion: `node${process.version}`,
    compiler: "gc",
    platform: `${process.platform}/${ARCH[process.arch] ?? process.arch}`,
  };
}
