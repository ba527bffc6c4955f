import { status as Status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { RuntimeError, toGrpcError } from "./errors.js";

const dockerErr = (statusCode: number | undefined, message: string) =>
  Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message}`), { statusCode, json: { message } });

describe("toGrpcError", () => {
  it.each([
    [404, "No such container: abc", Status.NOT_FOUND],
    [409, 'Conflict. The container name "/x" is already in use by container "y"', Status.ALREADY_EXISTS],
    [409, "Container abc is not running", Status.FAILED_PRECONDITION],
    [400, "invalid reference format", Status.INVALID_ARGUMENT],
    [500, "OCI runtime create failed: exec: \"nope\": executable file not found in $PATH", Status.INTERNAL],
    [500, "manifest for 127.0.0.1:5000/library/nginx:x not found: manifest unknown: manifest unknown", Status.NOT_FOUND],
    [undefined, "manifest unknown", Status.NOT_FOUND],
  ])("maps %s %s", (code, message, want) => {
    const e = toGrpcError(dockerErr(code, message));
    expect(e.code).toBe(want);
    expect(e.details).toBe(message);
  });

  it("maps an unreachable engine to UNAVAILABLE", () => {
    const e = toGrpcError(Object.assign(new Error("connect ECONNREFUSED /var/run/docker.sock"), { code: "ECONNREFUSED" }));
    expect(e.code).toBe(Status.UNAVAILABLE);
  });

  it("keeps a RuntimeError's code and prefixes the context", () => {
    const e = toGrpcError(new RuntimeError(Status.DEADLINE_EXCEEDED, "timed out"), "exec");
    expect(e.code).toBe(Status.DEADLINE_EXCEEDED);
    expect(e.details).toBe("exec: timed out");
  });
});
