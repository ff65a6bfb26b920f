/**
 * Every CLI command, one entry each. Adding a command = one entry here + one module under commands/.
 * Entries are plain data; the module is imported only when the command runs.
 */
import type { CommandEntry, GroupEntry } from "./command.js";

export const groups: readonly GroupEntry[] = [
  { name: "image", short: "Manage images" },
  { name: "container", short: "Manage containers" },
  { name: "system", short: "Manage Docker" },
  { name: "builder", short: "Manage builds" },
  { name: "volume", short: "Manage volumes" },
  { name: "network", short: "Manage networks" },
];

export const commands: readonly CommandEntry[] = [
  { path: ["version"], usage: "[OPTIONS]", short: "Show the berth version information", load: () => import("./commands/version.js") },
  { path: ["system", "info"], aliases: [["info"]], usage: "[OPTIONS]", short: "Display system-wide information", load: () => import("./commands/info.js") },
  { path: ["system", "events"], aliases: [["events"]], usage: "[OPTIONS]", short: "Get real time events from the server", load: () => import("./commands/events.js") },
  { path: ["system", "df"], usage: "[OPTIONS]", short: "Show berth disk usage", load: () => import("./commands/system-df.js") },
  { path: ["system", "prune"], usage: "[OPTIONS]", short: "Remove unused data", load: () => import("./commands/system-prune.js") },
  { path: ["image", "ls"], aliases: [["image", "list"], ["images"]], usage: "[OPTIONS] [REPOSITORY[:TAG]]", short: "List images", load: () => import("./commands/images.js") },
  { path: ["inspect"], usage: "[OPTIONS] NAME|ID [NAME|ID...]", short: "Return low-level information on Docker objects", load: () => import("./commands/inspect.js") },
  { path: ["image", "inspect"], usage: "[OPTIONS] IMAGE [IMAGE...]", short: "Display detailed information on one or more images", load: () => import("./commands/image-inspect.js") },
  { path: ["image", "history"], aliases: [["history"]], usage: "[OPTIONS] IMAGE", short: "Show the history of an image", load: () => import("./commands/history.js") },
  { path: ["image", "tag"], aliases: [["tag"]], usage: "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]", short: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", load: () => import("./commands/tag.js") },
  { path: ["image", "rm"], aliases: [["image", "remove"], ["rmi"]], usage: "[OPTIONS] IMAGE [IMAGE...]", short: "Remove one or more images", load: () => import("./commands/rmi.js") },
  { path: ["image", "import"], aliases: [["import"]], usage: "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]", short: "Import the contents from a tarball to create a filesystem image", load: () => import("./commands/import.js") },
  { path: ["image", "save"], aliases: [["save"]], usage: "[OPTIONS] IMAGE [IMAGE...]", short: "Save one or more images to a tar archive (streamed to STDOUT by default)", load: () => import("./commands/save.js") },
  { path: ["image", "load"], aliases: [["load"]], usage: "[OPTIONS]", short: "Load an image from a tar archive or STDIN", load: () => import("./commands/load.js") },
  { path: ["image", "pull"], aliases: [["pull"]], usage: "[OPTIONS] NAME[:TAG|@DIGEST]", short: "Download an image from a registry", load: () => import("./commands/pull.js") },
  { path: ["image", "push"], aliases: [["push"]], usage: "[OPTIONS] NAME[:TAG]", short: "Upload an image to a registry", load: () => import("./commands/push.js") },
  { path: ["login"], usage: "[OPTIONS] [SERVER]", short: "Authenticate to a registry", load: () => import("./commands/login.js") },
  { path: ["logout"], usage: "[SERVER]", short: "Log out from a registry", load: () => import("./commands/logout.js") },
  { path: ["image", "prune"], usage: "[OPTIONS]", short: "Remove unused images", load: () => import("./commands/image-prune.js") },
  { path: ["image", "build"], aliases: [["build"], ["builder", "build"]], usage: "[OPTIONS] PATH | URL | -", short: "Build an image from a Dockerfile", load: () => import("./commands/build.js") },
  { path: ["builder", "prune"], usage: "[OPTIONS]", short: "Remove build cache", load: () => import("./commands/builder-prune.js") },
  { path: ["image", "debian"], usage: "[OPTIONS] -t TAG", short: "Make a Debian base image with debootstrap from the machine's apt sources", load: () => import("./commands/image-debian.js") },
  { path: ["container", "stop"], aliases: [["stop"]], usage: "[OPTIONS] CONTAINER [CONTAINER...]", short: "Stop one or more running containers", load: () => import("./commands/stop.js") },
  { path: ["container", "restart"], aliases: [["restart"]], usage: "[OPTIONS] CONTAINER [CONTAINER...]", short: "Restart one or more containers", load: () => import("./commands/restart.js") },
  { path: ["container", "kill"], aliases: [["kill"]], usage: "[OPTIONS] CONTAINER [CONTAINER...]", short: "Kill one or more running containers", load: () => import("./commands/kill.js") },
  { path: ["container", "rm"], aliases: [["container", "remove"], ["rm"]], usage: "[OPTIONS] CONTAINER [CONTAINER...]", short: "Remove one or more containers", load: () => import("./commands/rm.js") },
  { path: ["container", "pause"], aliases: [["pause"]], usage: "CONTAINER [CONTAINER...]", short: "Pause all processes within one or more containers", load: () => import("./commands/pause.js") },
  { path: ["container", "unpause"], aliases: [["unpause"]], usage: "CONTAINER [CONTAINER...]", short: "Unpause all processes within one or more containers", load: () => import("./commands/unpause.js") },
  { path: ["container", "rename"], aliases: [["rename"]], usage: "CONTAINER NEW_NAME", short: "Rename a container", load: () => import("./commands/rename.js") },
  { path: ["container", "wait"], aliases: [["wait"]], usage: "CONTAINER [CONTAINER...]", short: "Block until one or more containers stop, then print their exit codes", load: () => import("./commands/wait.js") },
  { path: ["container", "diff"], aliases: [["diff"]], usage: "CONTAINER", short: "Inspect changes to files or directories on a container's filesystem", load: () => import("./commands/diff.js") },
  { path: ["container", "top"], aliases: [["top"]], usage: "CONTAINER [ps OPTIONS]", short: "Display the running processes of a container", load: () => import("./commands/top.js") },
  { path: ["container", "port"], aliases: [["port"]], usage: "CONTAINER [PRIVATE_PORT[/PROTO]]", short: "List port mappings or a specific mapping for the container", load: () => import("./commands/port.js") },
  { path: ["container", "ls"], aliases: [["container", "list"], ["container", "ps"], ["ps"]], usage: "[OPTIONS]", short: "List containers", load: () => import("./commands/ps.js") },
  { path: ["container", "prune"], usage: "[OPTIONS]", short: "Remove all stopped containers", load: () => import("./commands/container-prune.js") },
  { path: ["container", "exec"], aliases: [["exec"]], usage: "[OPTIONS] CONTAINER COMMAND [ARG...]", short: "Execute a command in a running container", load: () => import("./commands/exec.js") },
  { path: ["container", "cp"], aliases: [["cp"]], usage: "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH", short: "Copy files/folders between a container and the local filesystem", load: () => import("./commands/cp.js") },
  { path: ["container", "stats"], aliases: [["stats"]], usage: "[OPTIONS] [CONTAINER...]", short: "Display a live stream of container(s) resource usage statistics", load: () => import("./commands/stats.js") },
  { path: ["container", "export"], aliases: [["export"]], usage: "[OPTIONS] CONTAINER", short: "Export a container's filesystem as a tar archive", load: () => import("./commands/export.js") },
  { path: ["container", "commit"], aliases: [["commit"]], usage: "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]", short: "Create a new image from a container's changes", load: () => import("./commands/commit.js") },
  { path: ["container", "update"], aliases: [["update"]], usage: "[OPTIONS] CONTAINER [CONTAINER...]", short: "Update configuration of one or more containers", load: () => import("./commands/update.js") },
  { path: ["container", "inspect"], usage: "[OPTIONS] CONTAINER [CONTAINER...]", short: "Display detailed information on one or more containers", load: () => import("./commands/container-inspect.js") },
  { path: ["container", "create"], aliases: [["create"]], usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]", short: "Create a new container", load: () => import("./commands/create.js") },
  { path: ["container", "run"], aliases: [["run"]], usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]", short: "Create and run a new container from an image", load: () => import("./commands/run.js") },
  { path: ["container", "start"], aliases: [["start"]], usage: "[OPTIONS] CONTAINER [CONTAINER...]", short: "Start one or more stopped containers", load: () => import("./commands/start.js") },
  { path: ["container", "attach"], aliases: [["attach"]], usage: "[OPTIONS] CONTAINER", short: "Attach local standard input, output, and error streams to a running container", load: () => import("./commands/attach.js") },
  { path: ["container", "logs"], aliases: [["logs"]], usage: "[OPTIONS] CONTAINER", short: "Fetch the logs of a container", load: () => import("./commands/logs.js") },
  { path: ["volume", "create"], usage: "[OPTIONS] [VOLUME]", short: "Create a volume", load: () => import("./commands/volume-create.js") },
  { path: ["volume", "inspect"], usage: "[OPTIONS] VOLUME [VOLUME...]", short: "Display detailed information on one or more volumes", load: () => import("./commands/volume-inspect.js") },
  { path: ["volume", "ls"], aliases: [["volume", "list"]], usage: "[OPTIONS]", short: "List volumes", load: () => import("./commands/volume-ls.js") },
  { path: ["volume", "prune"], usage: "[OPTIONS]", short: "Remove unused local volumes", load: () => import("./commands/volume-prune.js") },
  { path: ["volume", "rm"], aliases: [["volume", "remove"]], usage: "[OPTIONS] VOLUME [VOLUME...]", short: "Remove one or more volumes", load: () => import("./commands/volume-rm.js") },
  { path: ["network", "connect"], usage: "[OPTIONS] NETWORK CONTAINER", short: "Connect a container to a network", load: () => import("./commands/network-connect.js") },
  { path: ["network", "create"], usage: "[OPTIONS] NETWORK", short: "Create a network", load: () => import("./commands/network-create.js") },
  { path: ["network", "disconnect"], usage: "[OPTIONS] NETWORK CONTAINER", short: "Disconnect a container from a network", load: () => import("./commands/network-disconnect.js") },
  { path: ["network", "inspect"], usage: "[OPTIONS] NETWORK [NETWORK...]", short: "Display detailed information on one or more networks", load: () => import("./commands/network-inspect.js") },
  { path: ["network", "ls"], aliases: [["network", "list"]], usage: "[OPTIONS]", short: "List networks", load: () => import("./commands/network-ls.js") },
  { path: ["network", "prune"], usage: "[OPTIONS]", short: "Remove all unused networks", load: () => import("./commands/network-prune.js") },
  { path: ["network", "rm"], aliases: [["network", "remove"]], usage: "NETWORK [NETWORK...]", short: "Remove one or more networks", load: () => import("./commands/network-rm.js") },
];

export interface Resolved {
  entry: CommandEntry;
  /** The words as typed ("images" or "image ls"), used in messages. */
  typed: string[];
  rest: string[];
}

/** Finds the longest command path (or alias) that prefixes argv. */
export function resolveCommand(argv: readonly string[]): Resolved | undefined {
  let best: Resolved | undefined;
  for (const entry of commands) {
    for (const p of [entry.path, ...(entry.aliases ?? [])]) {
      if (p.length <= argv.length && p.every((w, i) => argv[i] === w) && (best === undefined || p.length > best.typed.length)) {
        best = { entry, typed: p, rest: argv.slice(p.length) };
      }
    }
  }
  return best;
}
