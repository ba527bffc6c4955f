/**
 * List continuation: the token names the revision of the first page and the key to resume
 * at, so every page of one list reads the same snapshot (as Kubernetes' continue does).
 */
import { BadRequestError } from "@kates/api";

export interface ContinueToken {
  revision: number;
  startKey: string;
}

export function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: "kates.io/v1", rv: t.revision, start: t.startKey })).toString("base64url");
}

export function decodeContinue(token: string): ContinueToken {
  try {
    const j = JSON.parse(Buffer.from(token, "base64url").toString());
    if (j.v !== "kates.io/v1" || typeof j.rv !== "number" || typeof j.start !== "string") throw new Error("bad token");
    return { revision: j.rv, startKey: j.start };
  } catch {
    throw new BadRequestError("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  }
}
