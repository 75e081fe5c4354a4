"""The clerk process: `python -m benchmarks.reliability.worker run|zygote ...` (from the repo root).

`run` opens the services, prints "ready", waits for a line on stdin (so a
storm's workers start together), does its edits and exits.

`zygote` serves a kill loop cheaply: it imports everything once, then for each
"go NAME KILL_MS" line on stdin forks a child that writes until the zygote
kills it with SIGKILL after KILL_MS milliseconds, and answers "killed NAME" or
"exited NAME CODE". Nothing opens a database before the fork, so each child
starts with its own engine, as a freshly started app would.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from benchmarks.reliability.journal import Journal
from benchmarks.reliability.workload import Clerk, Shared
from crm_tui.config import Settings
from crm_tui.services.registry import open_services


def _clerk(args: argparse.Namespace, worker: str, index: int, seed: int, intents: bool) -> Clerk:
    services = open_services(Settings(database_url=args.db, clerk=worker), "write")
    # Build the services the loop uses now, not inside the first timed write.
    _ = (services.customers, services.notes, services.billing)
    return Clerk(
        services=services,
        shared=Shared.load(args.shared),
        journal=Journal(args.journals / f"{worker}.jsonl"),
        worker=worker,
        index=index,
        seed=seed,
        think_ms=args.think_ms,
        intents=intents,
    )


def _run(args: argparse.Namespace) -> int:
    clerk = _clerk(args, args.worker, args.index, args.seed, intents=False)
    print("ready", flush=True)
    sys.stdin.readline()
    clerk.run(args.edits)
    clerk.journal.close()
    clerk.services.close()
    return 0


def _child(args: argparse.Namespace, name: str, index: int) -> None:
    try:
        clerk = _clerk(args, name, index, seed=index, intents=True)
        clerk.run(1_000_000)  # until killed
        code = 0
    except BaseException:  # a child must never return into the zygote's loop
        code = 3
    os._exit(code)


def _zygote(args: argparse.Namespace) -> int:
    print("ready", flush=True)
    for index, line in enumerate(sys.stdin, start=1):
        words = line.split()
        if not words or words[0] != "go":
            break
        name, kill_ms = words[1], float(words[2])
        pid = os.fork()
        if pid == 0:
            _child(args, name, index)
        time.sleep(kill_ms / 1000)
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):
            print(f"killed {name}", flush=True)
        else:
            print(f"exited {name} {os.WEXITSTATUS(status)}", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reliability.worker")
    parser.add_argument("mode", choices=["run", "zygote"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--shared", type=Path, required=True)
    parser.add_argument("--journals", type=Path, required=True, help="folder of journals")
    parser.add_argument("--worker", default="w0")
    parser.add_argument("--index", type=int, default=0)
    parser.add_argument("--edits", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--think-ms", type=float, default=2.0)
    args = parser.parse_args()
    return _run(args) if args.mode == "run" else _zygote(args)


if __name__ == "__main__":
    sys.exit(main())
