/** containers/ — the container lifecycle service (issue 3). The service itself is not written yet; these are its parts. */
export { ContainerStore, emptyRunState, ZERO_TIME } from "./container-store.js";
export type { ContainerRecord, ContainerRunState, ContainerStatus } from "./container-store.js";
export { validateHostConfig, parseSize } from "./validate-host-config.js";
export { mergeConfig } from "./merge-config.js";
export { generateName, normalizeName, nameInUseMessage } from "./names.js";
export { parseDetachKeys, DEFAULT_DETACH_KEYS } from "./detach-keys.js";
export { statusString } from "./status-string.js";
export { RestartBackoff, shouldRestart } from "./restart-policy.js";
export { containerResolvConf, containerHosts } from "./etc-files.js";
export { explainExecutable, notFoundInPath, hostArch } from "./explain-exec.js";
export type { ExecProblem } from "./explain-exec.js";
export { BUILD_STEP_LABEL, resolveUser } from "./user-lookup.js";
export type { ResolvedUser } from "./user-lookup.js";
export { formatLogs, logAttrs, rfc3339NanoFixed } from "./format-logs.js";
export { ContainerService, type ContainerServiceOptions } from "./container-service.js";
