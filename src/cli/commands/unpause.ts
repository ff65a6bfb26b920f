import { postForEach } from "./container-each.js";

export { flags, args } from "./pause.js";
export const run = postForEach("unpause");
