/**
 * The berth CLI's `volume` and `network` commands against a real berthd, checked against the docker
 * CLI on the same daemon: table/quiet/--format output, inspect, rm and prune (prompt and -f),
 * client-side IPAM errors, connect/disconnect, and docker's messages and exit codes.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { makeBusyboxArchive } from "../fixtures/busybox.js";
import { startBerthd, type Berthd } from "../helpers/daemon.js";
import type { RunResult } from "../helpers/run.js";

const fx = mkdtempSync("/tmp/berth-cli-nv-fx-");
const busybox = path.join(fx, "busybox.tar");
before(() => makeBusyboxArchive(busybox, { tag: "busybox:latest" }));
after(() => rmSync(fx, { recursive: true, force: true }));

async function berth(d: Berthd, args: string[], input?: string): Promise<string> {
  const r = await d.berth(args, input !== undefined ? { input } : {});
  assert.equal(r.code, 0, `berth ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** docker joins labels in Go's random map order ("b=2,a=1"): compare such lists sorted. */
function sortLabelLists(s: string): string {
  return s.replace(/[\w.-]+=[^,\s"\t]*(?:,[\w.-]+=[^,\s"\t]*)+/g, (m) => m.split(",").sort().join(","));
}

/** Runs the same command with both CLIs; stdout, stderr (program name aside) and exit code must agree. */
async function same(d: Berthd, args: string[]): Promise<RunResult> {
  const b = await d.berth(args);
  const k = await d.docker(args);
  assert.equal(sortLabelLists(b.stdout), sortLabelLists(k.stdout), `stdout of ${args.join(" ")}`);
  assert.equal(b.stderr.replaceAll("berth", "docker"), k.stderr, `stderr of ${args.join(" ")}`);
  assert.equal(b.code, k.code, `exit code of ${args.join(" ")}`);
  return b;
}

test("berth volume and network commands", async (t) => {
  const d = await startBerthd(t);
  const load = await d.docker(["load", "-q", "-i", busybox]);
  assert.equal(load.code, 0, load.stderr);
  t.after(async () => {
    await d.docker(["rm", "-f", "nv-c1", "nv-c2"]);
  });

  await t.test("volume create, ls, inspect", async () => {
    assert.equal(await berth(d, ["volume", "create", "--label", "team=vol", "--label", "tier=db", "v1"]), "v1\n");
    assert.equal(await berth(d, ["volume", "create", "-d", "local", "v10"]), "v10\n");
    assert.equal(await berth(d, ["volume", "create", "v2"]), "v2\n");
    const anon = (await berth(d, ["volume", "create"])).trim();
    assert.match(anon, /^[0-9a-f]{64}$/);
    await d.docker(["volume", "rm", anon]);

    const table = await same(d, ["volume", "ls"]);
    assert.equal(table.stdout, "DRIVER    VOLUME NAME\nlocal     v1\nlocal     v2\nlocal     v10\n");
    assert.equal(await berth(d, ["volume", "list", "-q"]), "v1\nv2\nv10\n");
    assert.equal(await berth(d, ["volume", "ls", "-q", "--filter", "label=team=vol"]), "v1\n");
    await same(d, ["volume", "ls", "--format", 'table {{.Name}}\t{{.Label "team"}}\t{{.Labels}}']);
    await same(d, ["volume", "ls", "--format", "{{json .}}"]);
    await same(d, ["volume", "ls", "-f", "name=v1", "--format", "{{.Name}}:{{.Driver}}:{{.Scope}}"]);

    assert.equal(await berth(d, ["volume", "inspect", "-f", "{{.Name}} {{.Driver}} {{.Labels.tier}}", "v1"]), "v1 local db\n");
    const both = await same(d, ["volume", "inspect", "v1", "nope"]);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /^Error response from daemon: .*nope.*\n$/);
    const parsed = JSON.parse(both.stdout) as Array<{ Name: string; Labels: Record<string, string> }>;
    assert.deepEqual(parsed.map((v) => [v.Name, v.Labels["team"]]), [["v1", "vol"]]);

    await same(d, ["volume", "inspect", "--format", "json", "v1"]);
    await same(d, ["volume", "create", "-o", "bogus=1", "vx"]);
    assert.equal((await same(d, ["volume", "create", "--label", "=x", "vx"])).code, 125);
    await same(d, ["volume", "create", "--name", "a", "b"]);
    // (docker 28 prints a stray "S" before "Run 'docker volume create --help'"; berth does not copy that.)
    const extra = await d.berth(["volume", "create", "a", "b"]);
    assert.equal(extra.code, 1);
    assert.match(extra.stderr, /^berth: 'berth volume create' requires at most 1 argument\n\nUsage:  berth volume create \[OPTIONS\] \[VOLUME\]\n/);
  });

  await t.test("volume rm and prune", async () => {
    const run = await d.docker(["run", "-d", "--name", "nv-c1", "-v", "v1:/d", "busybox", "sleep", "300"]);
    assert.equal(run.code, 0, run.stderr);
    const busy = await d.berth(["volume", "rm", "v1", "v10"]);
    assert.equal(busy.code, 1);
    assert.equal(busy.stdout, "v10\n");
    assert.match(busy.stderr, /^Error response from daemon: .*in use.*\n$/);
    await same(d, ["volume", "rm", "nope"]);

    // An anonymous volume (a container's -v /d, container removed) for the plain prune; v2 is named and unused.
    const made = await d.docker(["run", "--name", "nv-anon", "-v", "/d", "busybox", "true"]);
    assert.equal(made.code, 0, made.stderr);
    const anon = (await d.docker(["inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", "nv-anon"])).stdout.trim();
    assert.match(anon, /^[0-9a-f]{64}$/);
    assert.equal((await d.docker(["rm", "nv-anon"])).code, 0);
    const declined = await d.berth(["volume", "prune"], { input: "n\n" });
    assert.equal(declined.code, 0);
    assert.equal(declined.stdout, "WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ");
    assert.equal(declined.stderr, "");
    assert.match(await berth(d, ["volume", "ls", "-q"]), new RegExp(anon));

    assert.equal(await berth(d, ["volume", "prune", "-f"]), `Deleted Volumes:\n${anon}\n\nTotal reclaimed space: 0B\n`);
    assert.equal(await berth(d, ["volume", "ls", "-q"]), "v1\nv2\n", "named volumes survive a plain prune");
    const all = await berth(d, ["volume", "prune", "--all"], "y\n");
    assert.equal(all, "WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] Deleted Volumes:\nv2\n\nTotal reclaimed space: 0B\n");
    assert.equal(await berth(d, ["volume", "ls", "-q"]), "v1\n", "the volume in use survives prune -a");
    await same(d, ["volume", "prune", "-f"]);
    await same(d, ["volume", "prune", "-a", "--filter", "all=1", "-f"]);
    await d.docker(["rm", "-f", "nv-c1"]);
    assert.equal(await berth(d, ["volume", "rm", "-f", "v1"]), "v1\n");
  });

  await t.test("network create, ls, inspect, errors", async () => {
    const id = (await berth(d, ["network", "create", "-d", "bridge", "--subnet", "10.131.0.0/24", "--gateway", "10.131.0.254", "--ip-range", "10.131.0.128/25", "--internal", "--attachable", "--label", "team=net", "-o", "com.docker.network.bridge.name=nvbr0", "nv-n1"])).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const fmt = "{{.Name}} {{.Driver}} {{.Internal}} {{.Attachable}} {{(index .IPAM.Config 0).Subnet}} {{(index .IPAM.Config 0).Gateway}} {{(index .IPAM.Config 0).IPRange}} {{.Labels.team}}";
    assert.equal(await berth(d, ["network", "inspect", "-f", fmt, "nv-n1"]), "nv-n1 bridge true true 10.131.0.0/24 10.131.0.254 10.131.0.128/25 net\n");
    assert.equal((await berth(d, ["network", "create", "nv-n2"])).trim().length, 64);

    const ls = await same(d, ["network", "ls"]);
    const lines = ls.stdout.trimEnd().split("\n");
    assert.match(lines[0] ?? "", /^NETWORK ID +NAME +DRIVER +SCOPE$/);
    assert.deepEqual(lines.slice(1).map((l) => l.split(/ +/)[1]), ["bridge", "host", "none", "nv-n1", "nv-n2"].sort());
    assert.ok(lines.some((l) => l.startsWith(`${id.slice(0, 12)}   nv-n1 `)));
    await same(d, ["network", "ls", "-q"]);
    assert.equal(await berth(d, ["network", "list", "-q", "--no-trunc", "-f", "label=team=net"]), `${id}\n`);
    await same(d, ["network", "ls", "--no-trunc", "--filter", "name=nv-"]);
    await same(d, ["network", "ls", "--format", 'table {{.Name}}\t{{.Label "team"}}\t{{.Internal}}\t{{.IPv6}}']);
    await same(d, ["network", "ls", "--format", "{{json .}}"]);
    await same(d, ["network", "inspect", "nv-n1", "nope"]);

    await same(d, ["network", "create", "nv-n1"]);
    await same(d, ["network", "create", "--gateway", "10.0.0.1", "nv-x"]);
    await same(d, ["network", "create", "--subnet", "10.132.0.0/24", "--gateway", "10.133.0.1", "nv-x"]);
    await same(d, ["network", "create", "--subnet", "10.132.0.0/24", "--ip-range", "10.9.0.0/25", "nv-x"]);
    const bad = await same(d, ["network", "create", "--subnet", "10.300.0.0/16", "nv-x"]);
    assert.match(bad.stderr, /invalid CIDR address/);
    const rm = await same(d, ["network", "rm", "nope", "bridge"]);
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, /network nope not found\n.*pre-defined network and cannot be removed\n/);
    await same(d, ["network", "rm", "-f", "nope"]);
    assert.equal((await same(d, ["network", "create", "--label", "=x", "nv-x"])).code, 125);
    await same(d, ["network", "create", "a", "b"]);
  });

  await t.test("network connect, disconnect, rm, prune", async () => {
    const run = await d.docker(["run", "-d", "--name", "nv-c2", "busybox", "sleep", "300"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(await berth(d, ["network", "connect", "--ip", "10.131.0.77", "--alias", "web", "nv-n1", "nv-c2"]), "");
    const members = await berth(d, ["network", "inspect", "-f", "{{range .Containers}}{{.Name}} {{.IPv4Address}}{{end}}", "nv-n1"]);
    assert.equal(members, "nv-c2 10.131.0.77/24\n", "connect --ip gives the address asked for");
    const aliases = await berth(d, ["inspect", "-f", '{{json (index .NetworkSettings.Networks "nv-n1").Aliases}}', "nv-c2"]);
    assert.match(aliases, /"web"/, "connect --alias is kept");
    const again = await d.berth(["network", "connect", "nv-n1", "nv-c2"]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^Error response from daemon: .*already exists/);
    await same(d, ["network", "connect", "nope", "nv-c2"]);

    const inUse = await d.berth(["network", "rm", "nv-n1"]);
    assert.equal(inUse.code, 1);
    assert.match(inUse.stderr, /^Error response from daemon: /);

    const declined = await d.berth(["network", "prune"], { input: "n\n" });
    assert.equal(declined.stdout, "WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ");
    assert.equal(declined.code, 0);
    assert.equal(await berth(d, ["network", "prune", "-f"]), "Deleted Networks:\nnv-n2\n\n", "the connected network survives");

    assert.equal(await berth(d, ["network", "disconnect", "nv-n1", "nv-c2"]), "");
    assert.equal(await berth(d, ["network", "inspect", "-f", "{{len .Containers}}", "nv-n1"]), "0\n");
    const notOn = await d.berth(["network", "disconnect", "-f", "nv-n1", "nv-c2"]);
    assert.equal(notOn.code, 1);
    assert.equal(await berth(d, ["network", "rm", "nv-n1"]), "nv-n1\n");
    await same(d, ["network", "prune", "-f"]);
  });
});
