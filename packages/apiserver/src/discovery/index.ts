/**
 * API discovery: what `/version`, `/api`, `/apis` and the group-version documents say, all
 * derived from the RESOURCES table in @kates/api.
 */
export { aggregatedDiscovery, AGGREGATED_DISCOVERY_V2, AGGREGATED_DISCOVERY_V2BETA1 } from "./aggregated.js";
export { negotiateDiscovery } from "./negotiate.js";
export { legacyApiVersions, legacyGroupList, legacyGroup, legacyResourceList, storageVersionHash } from "./legacy.js";
export type { APIGroup, APIResource, APIResourceList, GroupVersionForDiscovery } from "./legacy.js";
export { resourceVerbs, subresourcesOf } from "./resource-meta.js";
export type { GroupVersionKind, SubresourceInfo } from "./resource-meta.js";
export { versionInfo } from "./version.js";
export type { VersionInfo } from "./version.js";
