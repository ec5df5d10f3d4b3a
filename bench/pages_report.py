"""The summary and Markdown table of bench/pages_load.py: per target its req/s and
latencies, its reference's and the ratio between them, and for ticket creation the peer's
(django-helpdesk, bench/peer_helpdesk.py) when it ran, with the issue's goal for each and
the created-ticket counts checked against wrk's answers."""

import os
import statistics
from datetime import UTC, datetime

from bench import doc


def _ratio(t: dict, other: dict) -> float:
    """The median of the per-repetition ratios of `t`'s req/s to `other`'s."""
    return statistics.median(r["rps"] / q["rps"]
                             for r, q in zip(t["runs"], other["runs"], strict=True))


def goal_of(name: str, plan: dict, peer_ran: bool) -> tuple[float | None, str]:
    """The issue's goal for a target and what it is measured against: the peer when it ran
    (creation: 2x django-helpdesk's submit rate), else the reference (creation: 0.15)."""
    if peer_ran and name in plan.get("peer_goals", {}):
        return plan["peer_goals"][name], "peer"
    return plan["goals"].get(name), "reference"


def creation_check(t: dict | None, created: int, args) -> dict | None:
    """The tickets counted afterwards against wrk's successful answers (the probes
    included): at most one request per connection and run was still in flight at the end."""
    if t is None:
        return None
    seen = t["probes"] + t["warmup_ok"] + sum(r["ok"] for r in t["runs"])
    in_flight = args.connections * (len(t["runs"]) + (0 if args.quick else 1))
    return {"tickets": created, "answered_2xx": seen, "in_flight_max": in_flight,
            "ok": seen <= created <= seen + in_flight}


def summarise(pairs, args, plan, created: int, load_before: str,
              peer_created: int = 0) -> dict:
    def med(t, key):
        return statistics.median(r[key] for r in t["runs"])

    rows, peer_of = [], {}
    for t, ref, *peer in pairs:
        peer = peer[0] if peer else None
        ratio, peer_ratio = _ratio(t, ref), None if peer is None else _ratio(t, peer)
        goal, against = goal_of(t["name"], plan, peer is not None)
        peer_of[t["name"]] = peer
        rows.append({"name": t["name"], "label": t["label"], "bytes": t["bytes"],
                     "ref_bytes": ref["bytes"], "rps": med(t, "rps"), "ref_rps": med(ref, "rps"),
                     "p50_ms": med(t, "p50_us") / 1000, "p95_ms": med(t, "p95_us") / 1000,
                     "p99_ms": med(t, "p99_us") / 1000, "ratio": ratio, "goal": goal,
                     "goal_against": against,
                     "met": None if goal is None else
                     (peer_ratio if against == "peer" else ratio) >= goal,
                     "errors": sum(sum(r["errors"].values()) for r in t["runs"]),
                     "rps_runs": [round(r["rps"], 1) for r in t["runs"]],
                     "load_runs": [round(r["load_1m"], 2) for r in t["runs"]],
                     "peer": None if peer is None else {
                         "label": peer["label"], "rps": med(peer, "rps"), "ratio": peer_ratio,
                         "p50_ms": med(peer, "p50_us") / 1000,
                         "rps_runs": [round(r["rps"], 1) for r in peer["runs"]],
                         "errors": sum(sum(r["errors"].values()) for r in peer["runs"])}})
    create = next((t for t, *_rest in pairs if t["name"] == "create"), None)
    return {"date": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
            "quick": args.quick, "tickets": plan["tickets"], "articles": plan["articles"],
            "database": args.url.split(":", 1)[0] if args.url else "sqlite",
            "duration_s": args.duration, "reps": args.reps, "connections": args.connections,
            "workers": args.workers, "worker_class": args.worker_class,
            "threads": args.threads, "load_before": load_before,
            "load_after": doc.load_average(), "results": rows,
            "created": creation_check(create, created, args) or {
                "tickets": 0, "answered_2xx": 0, "in_flight_max": 0, "ok": True},
            "peer_created": creation_check(peer_of.get("create"), peer_created, args)}


def _goal(r) -> str:
    if r["goal"] is None:
        return "—"
    met = "yes" if r["met"] else "**no**"
    if r.get("goal_against") == "peer":
        return f"≥ {r['goal']:g}× django-helpdesk {met}"
    return f"≥ {r['goal']:.2f} {met}"


def _peer_cells(r) -> str:
    peer = r.get("peer")
    return " — | — |" if peer is None else f" {peer['rps']:.0f} | {peer['ratio']:.2f} |"


def table(s: dict) -> str:
    c, pc = s["created"], s.get("peer_created")
    peer_cols = any(r.get("peer") for r in s["results"])
    lines = [f"{s['cpus']} cores, gunicorn -w {s['workers']} -k {s['worker_class']} --threads "
             f"{s['threads']}, wrk -t1 -c{s['connections']} -d{s['duration_s']}s x {s['reps']} "
             f"interleaved, {s['database']}, {s['articles']} published articles, "
             f"{s['tickets']} tickets in the workspace before the run; load "
             f"average (1/5/15 min) {s['load_before']} before, {s['load_after']} after.", "",
             "| Target | Size | Req/s | p50 ms | p95 ms | p99 ms | Reference req/s (size) "
             "| Ratio |" + (" django-helpdesk req/s | Ratio to it |" if peer_cols else "")
             + " Goal (issue 11) | Load (1 min) per run |",
             "|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|---:|" if peer_cols else "")
             + "---|---|"]
    for r in s["results"]:
        errors = f" ({r['errors']} errors)" if r["errors"] else ""
        lines.append(
            f"| {r['label']}{errors} | {r['bytes'] / 1024:.1f} KB | {r['rps']:.0f} | "
            f"{r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['ref_rps']:.0f} ({r['ref_bytes'] / 1024:.1f} KB) | {r['ratio']:.2f} |"
            f"{_peer_cells(r) if peer_cols else ''} {_goal(r)} | "
            f"{', '.join(f'{x:.1f}' for x in r['load_runs'])} |")
    if not any(r["name"] == "create" for r in s["results"]):
        return "\n".join(lines)
    lines += ["", f"Ticket creation: {c['tickets']} tickets created, wrk saw "
              f"{c['answered_2xx']} 2xx answers (the probes included); at most "
              f"{c['in_flight_max']} more were in flight when wrk stopped: "
              f"{'consistent' if c['ok'] else '**MISMATCH**'}."]
    create = next(r for r in s["results"] if r["name"] == "create")
    if pc is None:
        lines[-1] += (" django-helpdesk was not set up for this run (`--no-peer`, or `--quick` "
                      "before `python -m bench.peer_helpdesk` set it up), so creation is held "
                      "to ≥ 0.15 of the reference (the issue's fallback), not to 2× "
                      "django-helpdesk's submit rate.")
        return "\n".join(lines)
    peer = create["peer"]
    errors = f", {peer['errors']} errors" if peer["errors"] else ""
    lines += ["", f"Against {peer['label']} (bench/peer_helpdesk.py: its public submit form, "
              f"urlencoded with the CSRF cookie and token, same gunicorn flags, SQLite in WAL "
              f"mode, 10k seeded tickets), in the same repetitions: {peer['rps']:.0f} req/s "
              f"(per run {', '.join(f'{x:.0f}' for x in peer['rps_runs'])}; ours "
              f"{', '.join(f'{x:.0f}' for x in create['rps_runs'])}), p50 "
              f"{peer['p50_ms']:.1f} ms; ours/django-helpdesk {peer['ratio']:.2f} (median of "
              f"the per-repetition ratios){errors}. Its tickets: {pc['tickets']} created, "
              f"wrk saw {pc['answered_2xx']} 302 "
              f"answers, at most {pc['in_flight_max']} more in flight: "
              f"{'consistent' if pc['ok'] else '**MISMATCH**'}."]
    return "\n".join(lines)
