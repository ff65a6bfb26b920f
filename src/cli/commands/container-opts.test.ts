import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFlags } from "../flags/parser.js";
import { FlagValueError, OptsError, parseContainerOpts, runFlags, type ContainerOptions } from "./container-opts.js";
import { parseGoDuration, parseMount, parsePortSpec, parseUlimit, parseDevice, validateExtraHost } from "./container-opts-values.js";

const look = (k: string): string | undefined => ({ HOME: "/root" })[k];

function parse(argv: string[]): ContainerOptions {
  const p = parseFlags(runFlags, argv, { interspersed: false });
  return parseContainerOpts(p.args, p.flags, look);
}

function flagError(argv: string[]): string {
  try {
    parse(argv);
  } catch (e) {
    assert.ok(e instanceof FlagValueError, `expected FlagValueError, got ${String(e)}`);
    return e.message;
  }
  assert.fail("no error");
}

function optsError(argv: string[]): string {
  try {
    parse(argv);
  } catch (e) {
    assert.ok(e instanceof OptsError, `expected OptsError, got ${String(e)}`);
    return e.message;
  }
  assert.fail("no error");
}

test("defaults: image, command, attach stdout/stderr, default network, pull missing", () => {
  const o = parse(["busybox", "echo", "hi", "-n"]);
  assert.equal(o.config.Image, "busybox");
  assert.deepEqual(o.config.Cmd, ["echo", "hi", "-n"]);
  assert.equal(o.config.AttachStdin, false);
  assert.equal(o.config.AttachStdout, true);
  assert.equal(o.config.AttachStderr, true);
  assert.equal(o.config.OpenStdin, false);
  assert.equal(o.config.Tty, false);
  assert.equal(o.config.Entrypoint, null);
  assert.equal(o.config.HostConfig?.NetworkMode, "default");
  assert.deepEqual(o.config.HostConfig?.RestartPolicy, { Name: "no", MaximumRetryCount: 0 });
  assert.equal(o.pull, "missing");
  assert.equal(o.name, undefined);
  assert.equal(o.config.Healthcheck, undefined);
  assert.equal(o.config.StopTimeout, undefined);
  assert.equal(o.config.HostConfig?.PidsLimit, 0);
  assert.equal(o.config.Env, null);
  assert.equal(o.config.ExposedPorts, undefined);
  assert.deepEqual(o.config.Volumes, {});
  assert.deepEqual(o.config.HostConfig?.Ulimits, []);
  assert.deepEqual(Object.keys(o.config.NetworkingConfig?.EndpointsConfig ?? {}), ["default"]);
  assert.deepEqual(parse(["--network", "host", "busybox"]).config.NetworkingConfig, { EndpointsConfig: {} });
  // No command: the image's.
  assert.equal(parse(["busybox"]).config.Cmd, null);
});

test("flags after the image belong to the command", () => {
  const o = parse(["--rm", "busybox", "--rm", "-e", "X"]);
  assert.deepEqual(o.config.Cmd, ["--rm", "-e", "X"]);
  assert.equal(o.config.HostConfig?.AutoRemove, true);
  assert.equal(o.config.Env, null);
});

test("env: KEY=VAL, bare KEY from the CLI's environment, env files first", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "copts-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "env");
  writeFileSync(file, "# comment\nF=1\nHOME\n");
  const o = parse(["--env-file", file, "-e", "A=1", "-e", "HOME", "-e", "UNSET_X", "busybox"]);
  assert.deepEqual(o.config.Env, ["F=1", "HOME=/root", "A=1", "HOME=/root", "UNSET_X"]);
  assert.equal(flagError(["-e", "=x", "busybox"]), 'invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x');
  assert.equal(optsError(["--env-file", join(dir, "nope"), "busybox"]), `open ${join(dir, "nope")}: no such file or directory`);
});

test("interactive, tty, attach", () => {
  const o = parse(["-it", "busybox"]);
  assert.equal(o.config.Tty, true);
  assert.equal(o.config.OpenStdin, true);
  assert.equal(o.config.AttachStdin, true);
  assert.equal(o.config.StdinOnce, true);
  assert.equal(parse(["busybox"]).config.StdinOnce, false);
  const a = parse(["-a", "STDERR", "busybox"]);
  assert.equal(a.config.AttachStdout, false);
  assert.equal(a.config.AttachStderr, true);
  assert.equal(a.config.AttachStdin, false);
  assert.equal(flagError(["-a", "foo", "busybox"]), 'invalid argument "foo" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR');
});

test("entrypoint: a value, or \"\" to reset", () => {
  assert.deepEqual(parse(["--entrypoint", "/bin/sh", "busybox"]).config.Entrypoint, ["/bin/sh"]);
  assert.deepEqual(parse(["--entrypoint=", "busybox"]).config.Entrypoint, [""]);
});

test("identity, labels, stop settings, init, workdir, user", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "copts-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lf = join(dir, "labels");
  writeFileSync(lf, "# c\nfrom=file\nbare\n");
  const o = parse(["-h", "host1", "--domainname", "example.org", "-l", "a=1", "--label", "b", "--label-file", lf, "--name", "web", "-w", "/tmp", "-u", "1:2", "--stop-signal", "SIGINT", "--stop-timeout", "3", "--init", "--platform", "linux/amd64", "busybox"]);
  assert.equal(o.config.Hostname, "host1");
  assert.equal(o.config.Domainname, "example.org");
  assert.deepEqual(o.config.Labels, { from: "file", bare: "", a: "1", b: "" });
  assert.equal(o.name, "web");
  assert.equal(o.platform, "linux/amd64");
  assert.equal(o.config.WorkingDir, "/tmp");
  assert.equal(o.config.User, "1:2");
  assert.equal(o.config.StopSignal, "SIGINT");
  assert.equal(o.config.StopTimeout, 3);
  assert.equal(o.config.HostConfig?.Init, true);
  assert.equal(flagError(["-l", "=x", "busybox"]), 'invalid argument "=x" for "-l, --label" flag: invalid label \'=x\': empty name');
  assert.throws(() => parse(["--stop-timeout", "x", "busybox"]), { message: 'invalid argument "x" for "--stop-timeout" flag: strconv.ParseInt: parsing "x": invalid syntax' });
});

test("restart and pull policies", () => {
  assert.deepEqual(parse(["--restart", "on-failure:3", "busybox"]).config.HostConfig?.RestartPolicy, { Name: "on-failure", MaximumRetryCount: 3 });
  assert.equal(optsError(["--restart", "foo:x", "busybox"]), "invalid restart policy format: maximum retry count must be an integer");
  assert.equal(parse(["--pull", "never", "busybox"]).pull, "never");
  assert.equal(optsError(["--pull", "foo", "busybox"]), `invalid pull option: 'foo': must be one of "always", "missing" or "never"`);
});

test("healthcheck flags: Go durations in nanoseconds, --no-healthcheck", () => {
  const o = parse(["--health-cmd", "true", "--health-interval", "1m30s", "--health-timeout", "500ms", "--health-retries", "4", "--health-start-period", "2s", "busybox"]);
  assert.deepEqual(o.config.Healthcheck, { Test: ["CMD-SHELL", "true"], Interval: 90e9, Timeout: 500e6, StartPeriod: 2e9, Retries: 4 });
  assert.deepEqual(parse(["--no-healthcheck", "busybox"]).config.Healthcheck, { Test: ["NONE"] });
  assert.equal(optsError(["--no-healthcheck", "--health-cmd", "x", "busybox"]), "--no-healthcheck conflicts with --health-* options");
  assert.equal(flagError(["--health-interval", "x", "busybox"]), 'invalid argument "x" for "--health-interval" flag: time: invalid duration "x"');
  assert.equal(optsError(["--health-timeout", "-1s", "busybox"]), "--health-timeout cannot be negative");
});

test("resources: sizes, cpus, shares, pids, ulimits, oom, shm", () => {
  const o = parse(["-m", "512m", "--memory-swap", "-1", "--memory-reservation", "1g", "--cpus", "1.5", "-c", "512", "--cpuset-cpus", "0-1", "--pids-limit", "100", "--ulimit", "nofile=1024:2048", "--shm-size", "64m", "--oom-kill-disable", "busybox"]);
  const h = o.config.HostConfig;
  assert.equal(h?.Memory, 512 * 1024 * 1024);
  assert.equal(h?.MemorySwap, -1);
  assert.equal(h?.MemoryReservation, 1024 ** 3);
  assert.equal(h?.NanoCpus, 1.5e9);
  assert.equal(h?.CpuShares, 512);
  assert.equal(h?.CpusetCpus, "0-1");
  assert.equal(h?.PidsLimit, 100);
  assert.deepEqual(h?.Ulimits, [{ Name: "nofile", Soft: 1024, Hard: 2048 }]);
  assert.equal(h?.ShmSize, 64 * 1024 * 1024);
  assert.equal(h?.OomKillDisable, true);
  assert.equal(flagError(["-m", "x", "busybox"]), `invalid argument "x" for "-m, --memory" flag: invalid size: 'x'`);
  assert.equal(flagError(["--cpus", "abc", "busybox"]), 'invalid argument "abc" for "--cpus" flag: failed to parse abc as a rational number');
  assert.equal(flagError(["--ulimit", "nofile", "busybox"]), 'invalid argument "nofile" for "--ulimit" flag: invalid ulimit argument: nofile');
  assert.equal(flagError(["--shm-size", "1q", "busybox"]), `invalid argument "1q" for "--shm-size" flag: invalid suffix: 'q'`);
});

test("security and namespaces", () => {
  const o = parse(["--cap-add", "NET_ADMIN", "--cap-drop", "ALL", "--privileged", "--read-only", "--security-opt", "no-new-privileges", "--security-opt", "label=disable", "--sysctl", "net.ipv4.ip_forward=1", "--group-add", "audio", "--device", "/dev/null:/dev/xnull:r", "--ipc", "private", "--pid", "host", "--uts", "host", "--cgroupns", "private", "busybox"]);
  const h = o.config.HostConfig;
  assert.deepEqual(h?.CapAdd, ["CAP_NET_ADMIN"]);
  assert.deepEqual(h?.CapDrop, ["ALL"]);
  assert.equal(h?.Privileged, true);
  assert.equal(h?.ReadonlyRootfs, true);
  assert.deepEqual(h?.SecurityOpt, ["no-new-privileges", "label=disable"]);
  assert.deepEqual(h?.Sysctls, { "net.ipv4.ip_forward": "1" });
  assert.deepEqual(h?.GroupAdd, ["audio"]);
  assert.deepEqual(h?.Devices, [{ PathOnHost: "/dev/null", PathInContainer: "/dev/xnull", CgroupPermissions: "r" }]);
  assert.equal(h?.IpcMode, "private");
  assert.equal(h?.PidMode, "host");
  assert.equal(h?.UTSMode, "host");
  assert.equal(h?.CgroupnsMode, "private");
  assert.equal(optsError(["--pid", "foo", "busybox"]), "--pid: invalid PID mode");
  assert.equal(optsError(["--ipc", "foo", "busybox"]), "--ipc: invalid IPC mode");
  assert.equal(optsError(["--uts", "foo", "busybox"]), "--uts: invalid UTS mode");
  assert.equal(optsError(["--cgroupns", "foo", "busybox"]), "--cgroupns: invalid CGROUP mode");
  assert.equal(optsError(["--security-opt", "x", "busybox"]), 'Invalid --security-opt: "x"');
  assert.equal(flagError(["--sysctl", "x", "busybox"]), `invalid argument "x" for "--sysctl" flag: sysctl 'x' is not allowed`);
  assert.equal(optsError(["--device", ":::", "busybox"]), "bad format for path: :::");
});

test("logging", () => {
  const o = parse(["--log-driver", "json-file", "--log-opt", "max-size=1m", "busybox"]);
  assert.deepEqual(o.config.HostConfig?.LogConfig, { Type: "json-file", Config: { "max-size": "1m" } });
  assert.equal(optsError(["--log-driver", "none", "--log-opt", "a=b", "busybox"]), "invalid logging opts for driver none");
});

test("storage: -v binds and anonymous volumes, --mount, --tmpfs", () => {
  const o = parse(["-v", "/data", "-v", "/host:/ctr:ro", "-v", "named:/n", "--mount", "type=bind,source=/a,target=/b,readonly", "--tmpfs", "/run:size=1m", "--tmpfs", "/t", "busybox"]);
  const h = o.config.HostConfig;
  assert.deepEqual(o.config.Volumes, { "/data": {} });
  assert.deepEqual(h?.Binds, ["/host:/ctr:ro", "named:/n"]);
  assert.deepEqual(h?.Mounts, [{ Type: "bind", Source: "/a", Target: "/b", ReadOnly: true }]);
  assert.deepEqual(h?.Tmpfs, { "/run": "size=1m", "/t": "" });
  assert.ok(parse(["-v", "./rel:/x", "busybox"]).config.HostConfig?.Binds?.[0]?.startsWith("/"));
  assert.equal(flagError(["--mount", "foo", "busybox"]), `invalid argument "foo" for "--mount" flag: invalid field 'foo' must be a key=value pair`);
  assert.equal(flagError(["--mount", "type=bind", "busybox"]), `invalid argument "type=bind" for "--mount" flag: target is required`);
});

test("network: ports, expose, -P, network, aliases, ip, hosts, dns", () => {
  const o = parse(["-p", "8080:80", "-p", "127.0.0.1::53/udp", "--expose", "90-91", "-P", "--network", "mynet", "--network-alias", "web", "--ip", "10.0.0.5", "--add-host", "h:1.2.3.4", "--add-host", "g=host-gateway", "--dns", "8.8.8.8", "--dns-search", "example.org", "--dns-option", "ndots:2", "busybox"]);
  const h = o.config.HostConfig;
  assert.deepEqual(o.config.ExposedPorts, { "80/tcp": {}, "53/udp": {}, "90/tcp": {}, "91/tcp": {} });
  assert.deepEqual(h?.PortBindings, { "80/tcp": [{ HostIp: "", HostPort: "8080" }], "53/udp": [{ HostIp: "127.0.0.1", HostPort: "" }] });
  assert.equal(h?.PublishAllPorts, true);
  assert.equal(h?.NetworkMode, "mynet");
  assert.deepEqual(o.config.NetworkingConfig?.EndpointsConfig, { mynet: { Aliases: ["web"], IPAMConfig: { IPv4Address: "10.0.0.5" } } });
  assert.deepEqual(h?.ExtraHosts, ["h:1.2.3.4", "g:host-gateway"]);
  assert.deepEqual(h?.Dns, ["8.8.8.8"]);
  assert.deepEqual(h?.DnsSearch, ["example.org"]);
  assert.deepEqual(h?.DnsOptions, ["ndots:2"]);
  assert.equal(parse(["--net", "host", "busybox"]).config.HostConfig?.NetworkMode, "host");
  assert.equal(optsError(["-p", "abc", "busybox"]), "invalid containerPort: abc");
  assert.equal(optsError(["--expose", "a:b", "busybox"]), "invalid port format for --expose: a:b");
  assert.equal(flagError(["--add-host", "x", "busybox"]), 'invalid argument "x" for "--add-host" flag: bad format for add-host: "x"');
  assert.equal(flagError(["--dns", "x", "busybox"]), 'invalid argument "x" for "--dns" flag: IP address is not correctly formatted: x');
});

test("value parsers", () => {
  assert.equal(parseGoDuration("1h2m3.5s"), 3723.5e9);
  assert.equal(parseGoDuration("0"), 0);
  assert.equal(parseGoDuration("-2ms"), -2e6);
  assert.throws(() => parseGoDuration("5"), { message: 'time: missing unit in duration "5"' });
  assert.throws(() => parseGoDuration("5x"), { message: 'time: unknown unit "x" in duration "5x"' });
  assert.deepEqual(parsePortSpec("1000-1001:2000-2001"), [
    { port: "2000/tcp", binding: { HostIp: "", HostPort: "1000" } },
    { port: "2001/tcp", binding: { HostIp: "", HostPort: "1001" } },
  ]);
  assert.deepEqual(parsePortSpec("8000-8010:80"), [{ port: "80/tcp", binding: { HostIp: "", HostPort: "8000-8010" } }]);
  assert.deepEqual(parsePortSpec("[::1]:80:80"), [{ port: "80/tcp", binding: { HostIp: "::1", HostPort: "80" } }]);
  assert.throws(() => parsePortSpec("1:2:3:4/xyz"), { message: "invalid IP address: 1:2" });
  assert.throws(() => parsePortSpec("80/xyz"), { message: "invalid proto: xyz" });
  assert.throws(() => parsePortSpec("1-2:3-5"), { message: "invalid ranges specified for container and host Ports: 3-5 and 1-2" });
  assert.deepEqual(parseMount("type=tmpfs,dst=/t,tmpfs-size=1024,tmpfs-mode=1777"), { Type: "tmpfs", Target: "/t", TmpfsOptions: { SizeBytes: 1024, Mode: 0o1777 } });
  assert.deepEqual(parseMount("src=v,dst=/v,volume-nocopy"), { Type: "volume", Source: "v", Target: "/v", VolumeOptions: { NoCopy: true } });
  assert.throws(() => parseMount("type=bind,src=/a,dst=/b,volume-nocopy"), { message: "cannot mix 'volume-*' options with mount type 'bind'" });
  assert.deepEqual(parseUlimit("nproc=5"), { Name: "nproc", Soft: 5, Hard: 5 });
  assert.throws(() => parseUlimit("foo=1"), { message: "invalid ulimit type: foo" });
  assert.throws(() => parseUlimit("nofile=5:1"), { message: "ulimit soft limit must be less than or equal to hard limit: 5 > 1" });
  assert.deepEqual(parseDevice("/dev/fuse"), { PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse", CgroupPermissions: "rwm" });
  assert.deepEqual(parseDevice("/dev/fuse:rw"), { PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse", CgroupPermissions: "rw" });
  assert.equal(validateExtraHost("a:::1"), "a:::1");
  assert.throws(() => validateExtraHost("a:b"), { message: 'invalid IP address in add-host: "b"' });
});
