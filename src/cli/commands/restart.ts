import { postForEach } from "./container-each.js";
import { stopQuery } from "./stop.js";

export { flags, args } from "./stop.js";
export const run = postForEach("restart", stopQuery);
