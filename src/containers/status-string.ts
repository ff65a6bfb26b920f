import { humanDuration } from "../util/human-duration.js";
import type { ContainerRecord } from "./container-store.js";

/** docker ps's Status column ("Up 5 seconds", "Exited (0) 3 seconds ago", "Created", "Up 2 seconds (Paused)"). */
export function statusString(rec: Pick<ContainerRecord, "status" | "state" | "restartCount">, now = Date.now()): string {
  const since = (iso: string): string => humanDuration(Math.max(0, now - Date.parse(iso)));
  switch (rec.status) {
    case "running": {
      const h = rec.state.Health?.Status;
      return `Up ${since(rec.state.StartedAt)}${h === "starting" ? " (health: starting)" : h ? ` (${h})` : ""}`;
    }
    case "paused":
      return `Up ${since(rec.state.StartedAt)} (Paused)`;
    case "restarting":
      return `Restarting (${rec.state.ExitCode}) ${since(rec.state.FinishedAt)} ago`;
    case "removing":
      return "Removal In Progress";
    case "dead":
      return "Dead";
    case "exited":
      return rec.state.FinishedAt.startsWith("0001-") ? `Exited (${rec.state.ExitCode})` : `Exited (${rec.state.ExitCode}) ${since(rec.state.FinishedAt)} ago`;
    default:
      return "Created";
  }
}
