import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { BadRequestError } from "../errors.js";
import { decodeProtobufObject } from "./decode.js";

// A tiny protobuf encoder, independent of the decoder under test.
const varint = (n: bigint | number): number[] => {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? b | 0x80 : b);
  } while (v);
  return out;
};
const key = (num: number, wire: number) => varint((num << 3) | wire);
const int = (num: number, v: bigint | number) => [...key(num, 0), ...varint(v)];
const len = (num: number, payload: number[]) => [...key(num, 2), ...varint(payload.length), ...payload];
const str = (num: number, s: string) => len(num, [...Buffer.from(s)]);
const mapEntry = (num: number, k: string, v: number[]) => len(num, [...str(1, k), ...v]);
const envelope = (apiVersion: string, kind: string, raw: number[]) =>
  Buffer.from([0x6b, 0x38, 0x73, 0x00, ...len(1, [...str(1, apiVersion), ...str(2, kind)]), ...len(2, raw), ...str(3, ""), ...str(4, "")]);

const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}.bin`, import.meta.url));

describe("decodeProtobufObject on bodies captured from kubectl 1.32 create", () => {
  it("decodes create deployment, dropping Go zero values but keeping replicas", () => {
    expect(decodeProtobufObject(fixture("create-deployment-web"))).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", labels: { app: "web" } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "nginx", image: "nginx:1.25", ports: [{ containerPort: 80 }] }] },
        },
      },
    });
    const zero = decodeProtobufObject(fixture("create-deployment-zero")) as { spec: { replicas: number } };
    expect(zero.spec.replicas).toBe(0);
  });

  it("decodes create service with int and string target ports", () => {
    expect(decodeProtobufObject(fixture("create-service-clusterip"))).toEqual({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "svc1", labels: { app: "svc1" } },
      spec: {
        ports: [
          { name: "80-8080", protocol: "TCP", port: 80, targetPort: 8080 },
          { name: "443-https", protocol: "TCP", port: 443, targetPort: "https" },
        ],
        selector: { app: "svc1" },
        type: "ClusterIP",
      },
    });
  });

  it("decodes secrets to base64 and config maps to strings", () => {
    expect(decodeProtobufObject(fixture("create-secret-generic"))).toEqual({
      apiVersion: "v1", kind: "Secret", metadata: { name: "s1" }, data: { user: "YWRtaW4=", pw: Buffer.from("\x01bin").toString("base64") },
    });
    expect(decodeProtobufObject(fixture("create-configmap"))).toEqual({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm1" }, data: { a: "1", b: "two" } });
  });

  it("decodes the remaining generators", () => {
    expect(decodeProtobufObject(fixture("create-namespace"))).toEqual({ apiVersion: "v1", kind: "Namespace", metadata: { name: "ns1" } });
    expect(decodeProtobufObject(fixture("create-serviceaccount"))).toEqual({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "sa1" } });
    expect(decodeProtobufObject(fixture("create-job"))).toMatchObject({
      kind: "Job", spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "j1", image: "busybox", command: ["sh", "-c", "echo hi"] }] } } },
    });
    expect(decodeProtobufObject(fixture("create-cronjob"))).toMatchObject({ kind: "CronJob", spec: { schedule: "*/1 * * * *", jobTemplate: { metadata: { name: "cj1" } } } });
    expect(decodeProtobufObject(fixture("create-service-nodeport"))).toMatchObject({ spec: { type: "NodePort", ports: [{ nodePort: 30080 }] } });
  });
});

describe("decodeProtobufObject on hand-encoded bodies", () => {
  it("converts times, quantities, int64, pointer structs and drops status", () => {
    const meta = [
      ...str(1, "p"),
      ...len(8, int(1, 1700000000)), // creationTimestamp
      ...len(9, []), // deletionTimestamp present but empty: unset
      ...int(10, -1n), // deletionGracePeriodSeconds (*int64), negative as 10-byte varint
      ...mapEntry(12, "note", str(2, "")), // an empty annotation value is kept
    ];
    const container = [...str(1, "c"), ...len(8, mapEntry(1, "cpu", len(2, str(1, "250m"))))];
    const volume = [...str(1, "scratch"), ...len(2, len(2, []))]; // inline VolumeSource with emptyDir {}
    const spec = [...len(1, volume), ...len(2, container), ...int(4, 30), ...int(11, 0), ...len(40, [])];
    const status = [...str(1, "Running")];
    const obj = decodeProtobufObject(envelope("v1", "Pod", [...len(1, meta), ...len(2, spec), ...len(3, status)]));
    expect(obj).toEqual({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", creationTimestamp: "2023-11-14T22:13:20Z", deletionGracePeriodSeconds: -1, annotations: { note: "" } },
      spec: {
        volumes: [{ name: "scratch", emptyDir: {} }],
        containers: [{ name: "c", resources: { limits: { cpu: "250m" } } }],
        terminationGracePeriodSeconds: 30,
        resources: {},
      },
    });
  });

  it("renders MicroTime with microseconds and keeps pointer zeros", () => {
    const spec = [...str(1, "me"), ...int(2, 0), ...len(4, [...int(1, 1700000000), ...int(2, 123456789)])];
    expect(decodeProtobufObject(envelope("coordination.k8s.io/v1", "Lease", [...len(1, str(1, "l")), ...len(2, spec)]))).toEqual({
      apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "l" },
      spec: { holderIdentity: "me", leaseDurationSeconds: 0, renewTime: "2023-11-14T22:13:20.123456Z" },
    });
  });

  it("accepts packed repeated varints and skips unknown field numbers", () => {
    const podSecurity = len(4, [...varint(1000), ...varint(2000)]); // supplementalGroups, packed
    const spec = [...len(14, [...podSecurity, ...int(4, 3000)]), ...int(99, 7), ...key(98, 5), 1, 2, 3, 4];
    expect(decodeProtobufObject(envelope("v1", "Pod", [...len(2, spec)]))).toEqual({
      apiVersion: "v1", kind: "Pod", spec: { securityContext: { supplementalGroups: [1000, 2000, 3000] } },
    });
  });

  it("rejects malformed bodies and unknown kinds with BadRequest", () => {
    expect(() => decodeProtobufObject(Buffer.from("{}"))).toThrow(BadRequestError);
    expect(() => decodeProtobufObject(envelope("v1", "Widget", []))).toThrow(/no kind "Widget" is registered for version "v1"/);
    const truncated = envelope("v1", "ConfigMap", len(1, str(1, "x"))).subarray(0, -6);
    expect(() => decodeProtobufObject(truncated)).toThrow(BadRequestError);
    expect(() => decodeProtobufObject(envelope("v1", "ConfigMap", int(1, 5)))).toThrow(/wire type/);
  });
});
