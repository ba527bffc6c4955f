/**
 * The field schema of every kind kates serves, and what is built on it: strict field
 * checking and pruning, protobuf request decoding, and (in the apiserver) OpenAPI documents.
 */
export type {
  FieldDef as SchemaFieldDef, MessageDef as SchemaMessageDef, PackageDef as SchemaPackageDef, FieldType as SchemaFieldType,
  Scalar as SchemaScalar, Special as SchemaSpecial, FieldSchema, MessageSchema,
} from "./dsl.js";
export { SCHEMA_PACKAGES, SPECIAL_SCHEMA_NAMES, allMessageSchemas, messageSchema, schemaForKind, packageForApiVersion } from "./registry.js";
export { checkFields, pruneUnknownFields, strictDecodingMessage, typeErrorMessage, goTypeName, type FieldCheckResult } from "./check.js";
export { decodeProtobufObject, decodeMessage } from "./decode.js";
