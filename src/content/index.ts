export type { BlobInfo, ContentStore, ContentWriter, Ingester, Manager, Provider } from "./content-store.js";
export { LocalContentStore } from "./local-content-store.js";
