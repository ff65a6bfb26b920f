/**
 * network/: bridge networks for containers. NetworkService owns network objects and endpoints (IPAM in
 * SQLite, migration 0006), Linux bridges and veth pairs (iproute2), and berth's nftables table
 * (masquerade, published-port DNAT). See network-service.ts for the lifecycle.
 */
export { NetworkService, type AttachRequest, type AttachResult, type ContainerRef, type NetworkServiceOptions } from "./network-service.js";
export type { EndpointRecord, EndpointRequest, NetworkRecord, PublishedPort } from "./network-store.js";
export { parsePortKey } from "./port-bindings.js";
export { renderRuleset, applyRuleset, deleteTable, type Ruleset } from "./nft-ruleset.js";
export { createNetns, removeNetns, deleteLink, ensureBridge, plugVeth } from "./links.js";
