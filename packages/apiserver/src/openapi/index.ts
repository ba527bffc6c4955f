/**
 * OpenAPI v3 documents generated from the @kates/api field schema: what `kubectl explain`
 * and kubectl's validation probe read (kubectl-wire.md §7). Routing lives in the server.
 */
export { openapiV3Root, openapiV3Document, openapiV3Hash, groupVersionPath } from "./documents.js";
export { openapiV2JSON, openapiV2Protobuf, OPENAPI_V2_PROTOBUF } from "./v2.js";
