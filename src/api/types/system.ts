/** Docker Engine API wire types for /version, /info, /events, /system/df. */
import type { ImageSummary } from "./images.js";

export interface VersionComponent {
  Name: string;
  Version: string;
  Details?: Record<string, string>;
}

export interface VersionResponse {
  Platform: { Name: string };
  Components: VersionComponent[];
  Version: string;
  ApiVersion: string;
  MinAPIVersion: string;
  GitCommit: string;
  GoVersion: string;
  Os: string;
  Arch: string;
  KernelVersion: string;
  BuildTime: string;
  Experimental?: boolean;
}

/** /info: a subset of docker's fields, all present with docker's types. */
export type InfoResponse = Record<string, unknown>;

export interface EventMessage {
  Type: string; // "image" | "container" | "network" | "volume" | "daemon" | "builder"
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: "local";
  time: number;
  timeNano: number;
  // Deprecated fields docker still sends for container/image events:
  status?: string;
  id?: string;
  from?: string;
}

export interface DiskUsage {
  LayersSize: number;
  Images: ImageSummary[];
  Containers: unknown[];
  Volumes: unknown[];
  BuildCache: unknown[];
}
