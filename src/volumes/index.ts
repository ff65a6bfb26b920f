/** volumes/: docker's named and anonymous volumes with the local driver. */
export { VolumeService, dirSize, type VolumeServiceOptions } from "./volume-service.js";
export type { VolumeRecord, VolumeRef } from "./volume-store.js";
export { ANONYMOUS_LABEL, generateVolumeName, validateVolumeName } from "./names.js";
export { matchesList, prunable, validateListFilters, validatePruneFilters } from "./filters.js";
export { localMountSpec, validateLocalOptions } from "./local-driver.js";
