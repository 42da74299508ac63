#!/usr/bin/env python3
"""Summarises a dotnet-counters CSV (System.Runtime + FunctionsScheduler) of a firing-lag window into markdown tables.

usage: summarize-counters.py counters.csv occurrences_per_second [first_timestamp_to_keep last_timestamp_to_keep]
"""
import csv
import re
import sys
from collections import defaultdict

path, per_second = sys.argv[1], float(sys.argv[2])
rows = list(csv.DictReader(open(path, newline="")))
if len(sys.argv) > 4:
    rows = [r for r in rows if sys.argv[3] <= r["Timestamp"][11:] <= sys.argv[4]]

series = defaultdict(list)
for r in rows:
    try:
        series[r["Counter Name"]].append(float(r["Mean/Increment"]))
    except ValueError:
        pass

def mean(xs):
    return sum(xs) / len(xs) if xs else 0.0

def tags(name):
    m = re.search(r"\[(.*)\]", name)
    return dict(kv.split("=", 1) for kv in m.group(1).split(";")) if m else {}

print("| storage request (method, resource, status) | per second | per occurrence | duration p50 ms (mean of 1 s p50s) | p99 ms (max of 1 s p99s) |")
print("| --- | ---: | ---: | ---: | ---: |")
durations = {}
for name, xs in series.items():
    if name.startswith("scheduler.storage.duration"):
        t = tags(name)
        key = (t.get("http.request.method"), t.get("scheduler.storage.resource"), t.get("http.response.status_code"))
        durations.setdefault(key, {})[t.get("Percentile")] = xs
total = 0.0
lines = []
for name, xs in series.items():
    if name.startswith("scheduler.storage.requests"):
        t = tags(name)
        key = (t.get("http.request.method"), t.get("scheduler.storage.resource"), t.get("http.response.status_code"))
        rate = mean(xs)
        total += rate
        d = durations.get(key, {})
        resource = re.sub(r"[0-9a-f]{8}", "…", key[1] or "")
        lines.append((rate, f"| `{key[0]} {resource}` {key[2]} | {rate:.1f} | {rate / per_second:.2f} | {mean(d.get('50', [])):.1f} | {max(d.get('99', [0])):.1f} |"))
for _, line in sorted(lines, reverse=True):
    print(line)
print(f"| **all** | **{total:.1f}** | **{total / per_second:.2f}** | | |")
print()
print("| runtime and engine counter | mean | max |")
print("| --- | ---: | ---: |")
for name in sorted(series):
    if name.startswith(("dotnet.process.cpu.time", "dotnet.gc.pause.time", "dotnet.monitor.lock_contentions", "dotnet.thread_pool.queue.length",
                        "dotnet.thread_pool.thread.count", "dotnet.process.memory.working_set", "scheduler.engine", "scheduler.firing", "dotnet.jit")):
        xs = series[name]
        print(f"| `{name}` | {mean(xs):.3f} | {max(xs):.3f} |")
