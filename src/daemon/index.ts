/** daemon/: the composition root of berthd. */
export { startDaemon, type StartDaemonOptions, type RunningDaemon } from "./daemon.js";
export { setSocketGroup, groupId } from "./socket-group.js";
export { runtimeComponent, parseRuntimeVersion } from "./runtime-info.js";
export { parseArgs, defaultConfig, socketPathOf, readConfigFile, USAGE, DEFAULTS, type DaemonConfig, type ParsedArgs, type StorageDriverName, type RuntimeName } from "./config.js";
export { registryPolicy, type RegistryPolicy } from "./allowed-registries.js";
export { acquireDataRootLock, clearStaleSocket, type DataRootLock } from "./lock.js";
export { SystemService, BERTH_VERSION, engineId, type SystemServiceOptions, type SystemImages, type SystemContainers, type SystemVolumes } from "./system-service.js";
export { chooseStorageDriver, probeOverlay } from "./storage-probe.js";
