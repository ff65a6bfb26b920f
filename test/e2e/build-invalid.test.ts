/**
 * Invalid Dockerfiles, built with `berth build` and with the docker CLI's legacy path against berthd:
 * each fails with a message naming its line, exits non-zero, adds no image (not even an
 * intermediate one), leaves no container, never makes the daemon pull, and the daemon keeps answering.
 * (Docker 20.10's own daemon crashed on the only-ARG file, with both of its builders:
 * docs/build-corpus.md.)
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { makeBusyboxArchive } from "../fixtures/busybox.js";
import { startBerthd, type Berthd } from "../helpers/daemon.js";

const fx = mkdtempSync("/tmp/berth-build-invalid-");
let d: Berthd;
/** A loopback "registry" that only counts connections: a pull attempt of {REG}/… shows up here. */
let registry: Server;
let registryConnections = 0;
let REG = "";

before(async () => {
  registry = createServer((sock) => {
    registryConnections++;
    sock.destroy();
  });
  await new Promise<void>((r) => registry.listen(0, "127.0.0.1", r));
  REG = `127.0.0.1:${(registry.address() as AddressInfo).port}`;
  const busybox = path.join(fx, "busybox.tar");
  makeBusyboxArchive(busybox, { tag: "busybox:latest" });
  d = await startBerthd();
  const r = await d.docker(["load", "-q", "-i", busybox]);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  registry?.close();
  await d?.cleanup();
  rmSync(fx, { recursive: true, force: true });
});

interface InvalidCase {
  name: string;
  dockerfile: string;
  /** The error line both CLIs print (the docker CLI prefixes parse errors with "Error response from daemon: "). */
  message: string;
}

const CASES: InvalidCase[] = [
  { name: "unknown instruction", dockerfile: "FROM busybox\nRUN true\nFOO bar\n", message: "dockerfile parse error on line 3: unknown instruction: FOO" },
  { name: "no FROM", dockerfile: "# no stage\nRUN echo hi\n", message: "dockerfile parse error on line 2: no build stage in current context" },
  { name: "only ARG lines", dockerfile: "ARG A=1\n# a comment\nARG B\n", message: "dockerfile parse error on line 3: dockerfile contains no stages to build" },
  { name: "an empty Dockerfile", dockerfile: "# nothing\n\n", message: "dockerfile parse error on line 2: file with no instructions" },
  {
    name: "unknown stage in --from (neither a stage nor a local image: nothing is pulled)",
    dockerfile: "FROM busybox\nCOPY --from=nosuchstage /x /x\n",
    message: "COPY --from=nosuchstage on line 2: no build stage of that name and No such image: nosuchstage:latest",
  },
  {
    name: "unknown stage in --from that names a reachable registry: still nothing is pulled",
    dockerfile: "FROM busybox\nCOPY --from={REG}/nosuchstage:1 /x /x\n",
    message: "COPY --from={REG}/nosuchstage:1 on line 2: no build stage of that name and No such image: {REG}/nosuchstage:1",
  },
  {
    name: "a stage copying from itself, by name",
    dockerfile: "FROM busybox AS me\nRUN echo never-runs\nCOPY --from=me /etc/passwd /p\n",
    message: "dockerfile parse error on line 3: circular dependency detected on stage: me",
  },
  { name: "a stage copying from itself, by index", dockerfile: "FROM busybox\nRUN true\nCOPY --from=0 /etc/passwd /p\n", message: "dockerfile parse error on line 3: circular dependency detected on stage: 0" },
  { name: "an unknown COPY flag", dockerfile: "FROM busybox\nCOPY --foo=bar a /a\n", message: "dockerfile parse error on line 2: unknown flag: --foo" },
  { name: "an unknown RUN flag", dockerfile: "FROM busybox\nRUN true\nRUN --nope=1 true\n", message: "dockerfile parse error on line 3: unknown flag: --nope" },
  { name: "an unknown FROM flag", dockerfile: "FROM --pull busybox\n", message: "dockerfile parse error on line 1: unknown flag: --pull" },
  {
    name: "bad JSON in HEALTHCHECK (a number in the array)",
    dockerfile: 'FROM busybox\nHEALTHCHECK CMD ["true", 1]\n',
    message: "dockerfile parse error on line 2: when using JSON array syntax, arrays must be comprised of strings only",
  },
  { name: "HEALTHCHECK without a command", dockerfile: "FROM busybox\nHEALTHCHECK CMD\n", message: "dockerfile parse error on line 2: Missing command after HEALTHCHECK CMD" },
  { name: "HEALTHCHECK of an unknown type", dockerfile: 'FROM busybox\nHEALTHCHECK FOO ["true"]\n', message: 'dockerfile parse error on line 2: Unknown type "FOO" in HEALTHCHECK (try CMD)' },
  { name: "HEALTHCHECK with a bad duration", dockerfile: 'FROM busybox\nHEALTHCHECK --interval=soon CMD ["true"]\n', message: 'dockerfile parse error on line 2: time: invalid duration "soon"' },
  { name: "ENV without a value", dockerfile: "FROM busybox\nENV ONLYKEY\n", message: "dockerfile parse error on line 2: ENV must have two arguments" },
  { name: "an unterminated heredoc", dockerfile: "FROM busybox\nRUN <<EOF\necho hi\n", message: "dockerfile parse error on line 2: unterminated heredoc" },
];

async function lines(args: string[]): Promise<string> {
  const r = await d.docker(args);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split("\n").sort().join("\n");
}

describe("invalid Dockerfiles", () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const dir = mkdtempSync(path.join(fx, "ctx-"));
      try {
        writeFileSync(path.join(dir, "Dockerfile"), c.dockerfile.replaceAll("{REG}", REG));
        writeFileSync(path.join(dir, "a"), "a\n");
        const message = c.message.replaceAll("{REG}", REG);
        const connectionsBefore = registryConnections;
        const imagesBefore = await lines(["images", "-a", "-q", "--no-trunc"]);
        const runs = [
          { cli: "berth build", r: await d.berth(["build", "-t", "invalid:berth", dir], { timeoutMs: 60_000 }) },
          { cli: "docker build", r: await d.docker(["build", "-t", "invalid:docker", dir], { env: { DOCKER_BUILDKIT: "0" }, timeoutMs: 60_000 }) },
        ];
        for (const { cli, r } of runs) {
          assert.notEqual(r.code, 0, `${cli} succeeded:\n${r.stdout}`);
          const errLines = r.stderr.split("\n").map((l) => l.replace(/^Error response from daemon: /, ""));
          assert.ok(errLines.includes(message), `${cli}: want the line ${JSON.stringify(message)} in stderr:\n${r.stderr}`);
          assert.doesNotMatch(r.stdout, /never-runs/, `${cli}: a step ran before the error`);
        }
        assert.equal(await lines(["images", "-a", "-q", "--no-trunc"]), imagesBefore, "an image was left behind");
        assert.equal((await d.docker(["ps", "-a", "-q"])).stdout.trim(), "", "a container was left behind");
        assert.ok(await d.alive(), "the daemon stopped answering");
        assert.equal(registryConnections, connectionsBefore, "the daemon contacted the registry");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

it("control: a FROM of an image that is not here does contact the loopback registry (the check above can fail)", async () => {
  const dir = mkdtempSync(path.join(fx, "ctx-"));
  try {
    writeFileSync(path.join(dir, "Dockerfile"), `FROM ${REG}/missing:1\n`);
    const before = registryConnections;
    const r = await d.berth(["build", dir], { timeoutMs: 60_000 });
    assert.notEqual(r.code, 0);
    assert.ok(registryConnections > before, "no connection was seen");
    assert.ok(await d.alive());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
