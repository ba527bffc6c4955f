/**
 * /openapi/v2, served as an (intentionally) empty Swagger 2.0 document.
 *
 * kubectl reaches for v2 only where v3 does not answer its question: to validate a
 * `kind: List` document on the client (it skips the v3 fieldValidation probe for Lists) and
 * for patch metadata of types it does not compile in. With no definitions, kubectl's
 * validator skips kinds it has no schema for and kubectl falls back to its built-in types,
 * while every item is still validated by the server (fieldValidation). Answering 404 instead
 * makes `kubectl apply -f list.yaml` fail with "the server could not find the requested
 * resource". kubectl asks for gnostic protobuf; the two fields below are all it needs.
 */
export const OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

const info = { title: "Kubernetes", version: "v1.32.0" };

export const openapiV2JSON = { swagger: "2.0", info, paths: {}, definitions: {} };

function field(num: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(num << 3) | 2, payload.length]), payload]);
}

/** openapi.v2.Document{swagger: "2.0", info: Info{title, version}} in protobuf wire format. */
export const openapiV2Protobuf: Buffer = Buffer.concat([
  field(1, Buffer.from("2.0")),
  field(2, Buffer.concat([field(1, Buffer.from(info.title)), field(2, Buffer.from(info.version))])),
]);
