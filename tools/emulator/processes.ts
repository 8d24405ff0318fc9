/**
 * Child processes of the emulator tooling (moto, terraform, the lock holder):
 * each runs in its own process group and is registered until it exits, and
 * exit and signal handlers kill every registered group, so an interrupted run
 * leaves no emulator or terraform behind.
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { runTerraform, type TerraformRun } from "../offline-plan/terraform";

const running = new Set<number>();
let handlersInstalled = false;

/** Send `signal` to the process group led by `pid` (a child spawned by {@link spawnTracked}). */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* the whole group is gone */
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", () => {
    for (const pid of running) killGroup(pid, "SIGKILL");
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      for (const pid of running) killGroup(pid, "SIGKILL");
      running.clear();
      process.kill(process.pid, signal); // the default action, now that this handler is gone
    });
  }
}

/** Spawn `command` in a new process group, registered for cleanup until it exits. */
export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true });
  if (child.pid !== undefined) {
    installHandlers();
    const pid = child.pid;
    running.add(pid);
    child.once("exit", () => running.delete(pid));
  }
  return child;
}

/** Process groups registered and still running (for tests). */
export function trackedPids(): number[] {
  return [...running];
}

/**
 * `runTerraform` of the offline plan, but tracked: terraform and its provider
 * plugins run in their own process group, killed should this process end first.
 */
export function runTerraformTracked(
  bin: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<TerraformRun> {
  return runTerraform(bin, args, cwd, env, spawnTracked);
}
