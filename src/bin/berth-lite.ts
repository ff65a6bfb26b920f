/** Entry of dist/berth-lite.cjs: `berth version` alone (src/cli/lite.ts), tried by the launcher first. */
export { liteMain } from "../cli/lite.js";
