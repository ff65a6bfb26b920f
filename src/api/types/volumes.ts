/** Engine API volume types, spelled as in docker's swagger. */

export interface VolumeUsageData {
  /** Bytes used (-1 when not computed). */
  Size: number;
  /** Containers referencing the volume (-1 when not computed). */
  RefCount: number;
}

export interface Volume {
  CreatedAt: string;
  Driver: string;
  Labels: Record<string, string>;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string>;
  Scope: "local" | "global";
  UsageData?: VolumeUsageData | null;
}

export interface VolumeCreateRequest {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

export interface VolumeListResponse {
  Volumes: Volume[];
  Warnings: string[] | null;
}

export interface VolumePruneResponse {
  VolumesDeleted: string[] | null;
  SpaceReclaimed: number;
}
