"""Benchmark the rendered service against a bare FastAPI app and a raw ASGI callable; print a table.

    python benchmarks/run.py [--seconds 10] [--repeats 3] [--connections 64]

All three run under the same uvicorn options (the service's own, one worker), started the way the
Dockerfile's CMD starts the service, and are loaded in turn by wrk on loopback. docs/benchmarks.md
explains the table. The table is also written to benchmarks/results/latest.md.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.harness import (  # noqa: E402 - the repository root goes on sys.path first
    BENCHMARKS_DIR, GREETING_BODY, Server, WrkResult, container_command, free_port, installed_size_mib,
    render_default, runtime_environment, wrk,
)

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "cookiecutter-fastapi-fargate"
# What the Dockerfile and the task definition set in production, minus the address the harness chooses.
PRODUCTION_ENV = {"PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1", "APP_ENVIRONMENT": "production",
                  "APP_WORKERS": "1", "APP_LOG_LEVEL": "INFO", "APP_DOCS_ENABLED": "false"}
ENDPOINTS = {"/health": None, "/api/v1/greetings": GREETING_BODY}
TARGETS = {"throughput_ratio": 0.7, "startup_s": 1.5, "rss_mib": 80.0, "runtime_mib": 40.0}


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("[")[0].strip()
    return f"{cpu}, {os.cpu_count()} cores, {memory_gib:.0f} GiB; Python {platform.python_version()}; {wrk_version}"


def median_result(results: list[WrkResult]) -> WrkResult:
    return WrkResult(
        requests=sum(result.requests for result in results),
        requests_per_second=statistics.median(result.requests_per_second for result in results),
        p50_ms=statistics.median(result.p50_ms for result in results),
        p99_ms=statistics.median(result.p99_ms for result in results),
        non_2xx=sum(result.non_2xx for result in results),
        socket_errors=sum(result.socket_errors for result in results),
    )


def verdict(ok: bool, detail: str) -> str:
    return f"{'met' if ok else 'MISSED'} ({detail})"


def table(results: dict, startup: dict, rss: dict, runtime_mib: float, args: argparse.Namespace) -> str:
    apps = ["service", "bare", "raw"]
    rows = ["| measure | service | bare FastAPI | raw ASGI | target | verdict |", "|---|---|---|---|---|---|"]
    for endpoint in ENDPOINTS:
        by_app = {app: results[app][endpoint] for app in apps}
        ratio = by_app["service"].requests_per_second / by_app["bare"].requests_per_second
        rows.append(f"| `{endpoint}` requests/s | " + " | ".join(f"{by_app[a].requests_per_second:,.0f}" for a in apps)
                    + f" | >= {TARGETS['throughput_ratio']} x bare | "
                    + verdict(ratio >= TARGETS["throughput_ratio"], f"{ratio:.2f} x bare") + " |")
        rows.append(f"| `{endpoint}` p50 / p99 ms | "
                    + " | ".join(f"{by_app[a].p50_ms:.2f} / {by_app[a].p99_ms:.2f}" for a in apps) + " | | |")
        errors = sum(by_app[a].non_2xx + by_app[a].socket_errors for a in apps)
        rows.append(f"| `{endpoint}` errors (non-2xx + socket) | "
                    + " | ".join(str(by_app[a].non_2xx + by_app[a].socket_errors) for a in apps)
                    + f" | 0 | {verdict(errors == 0, 'none' if errors == 0 else str(errors))} |")
    rows.append("| start to first 200 on /health, s | " + " | ".join(f"{startup[a]:.2f}" for a in apps)
                + f" | < {TARGETS['startup_s']} | {verdict(startup['service'] < TARGETS['startup_s'], 'service')} |")
    rows.append("| resident memory after load, MiB | " + " | ".join(f"{rss[a]:.1f}" for a in apps)
                + f" | < {TARGETS['rss_mib']:.0f} | {verdict(rss['service'] < TARGETS['rss_mib'], 'service')} |")
    rows.append(f"| runtime dependencies installed, MiB | {runtime_mib:.1f} | | | < {TARGETS['runtime_mib']:.0f} | "
                + verdict(runtime_mib < TARGETS["runtime_mib"], "runtime group only") + " |")
    header = (f"Machine: {machine()}\n\n"
              f"Load: wrk, 1 thread, {args.connections} connections, {args.seconds} s per run, median of "
              f"{args.repeats} interleaved runs; servers: uvicorn, 1 worker, the service's own options.\n")
    return header + "\n" + "\n".join(rows) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as work:
        print("rendering the default project and its runtime environment...", flush=True)
        project = render_default(Path(work))
        python = runtime_environment(project, CACHE / "bench-runtime-env")
        commands = {
            "service": container_command(project, python),
            "bare": [python, str(BENCHMARKS_DIR / "baselines.py"), "bare"],
            "raw": [python, str(BENCHMARKS_DIR / "baselines.py"), "raw"],
        }
        env = {**PRODUCTION_ENV, "PYTHONPATH": f"{project}:{BENCHMARKS_DIR}"}
        servers = {app: Server(command, project, free_port(), env) for app, command in commands.items()}
        runs: dict[str, dict[str, list[WrkResult]]] = {app: {e: [] for e in ENDPOINTS} for app in servers}
        try:
            for app, server in servers.items():
                server.__enter__()
                print(f"{app}: first 200 after {server.started_in:.2f} s", flush=True)
            for app, server in servers.items():  # warm-up, not measured
                for endpoint, body in ENDPOINTS.items():
                    wrk(f"http://127.0.0.1:{server.port}{endpoint}", args.connections, 2, post_json=body)
            for repeat in range(1, args.repeats + 1):
                for endpoint, body in ENDPOINTS.items():
                    for app, server in servers.items():
                        result = wrk(f"http://127.0.0.1:{server.port}{endpoint}", args.connections, args.seconds,
                                     post_json=body)
                        runs[app][endpoint].append(result)
                        print(f"run {repeat}/{args.repeats} {app:7} {endpoint:18} "
                              f"{result.requests_per_second:9,.0f} req/s  p99 {result.p99_ms:.2f} ms", flush=True)
            rss = {app: server.rss_mib() for app, server in servers.items()}
        finally:
            for server in servers.values():
                if server.process:
                    server.stop()
        results = {app: {e: median_result(r) for e, r in by_endpoint.items()} for app, by_endpoint in runs.items()}
        startup = {app: server.started_in for app, server in servers.items()}
        report = table(results, startup, rss, installed_size_mib(python), args)

    output = BENCHMARKS_DIR / "results" / "latest.md"
    output.parent.mkdir(exist_ok=True)
    output.write_text(report)
    print("\n" + report + f"\n(written to {output.relative_to(BENCHMARKS_DIR.parent)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
