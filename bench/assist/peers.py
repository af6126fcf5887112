#!/usr/bin/env python3
"""The peers of the matching benchmark, on the very files the CLI reads:

    peers.py ortools DIR    # OR-Tools SimpleMinCostFlow.SolveMaxFlowWithMinCost (C++)
    peers.py networkx DIR   # NetworkX max_flow_min_cost (pure Python; small sizes only)

Candidate edges are found here independently (scipy cKDTree on unit vectors, then the same
haversine with the mean Earth radius 6,371,008.8 m, whole millimetres, d <= radius in mm).
Prints one JSON line: matched, total distance (mm), edge count, seconds for the edges and
for the solve.
"""
import csv
import json
import math
import sys
import time

import numpy as np
from scipy.spatial import cKDTree

R = 6371008.8


def read(path):
    with open(path, encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def unit(lon, lat):
    lo, la = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def edges(needs, res):
    nlon = np.array([float(r["lon"]) for r in needs])
    nlat = np.array([float(r["lat"]) for r in needs])
    ntype = np.array([r["type"] for r in needs])
    out_n, out_r, out_d = [], [], []
    for kind in sorted(set(ntype)):
        idx = np.nonzero(ntype == kind)[0]
        tree = cKDTree(unit(nlon[idx], nlat[idx]))
        for j, r in enumerate(res):
            if r["type"] != kind or int(r["capacity"]) == 0:
                continue
            lon, lat, rad = float(r["lon"]), float(r["lat"]), float(r["radius_m"])
            rmm = round(min(max(rad, 0.0), 1e8) * 1000.0)
            ang = min((rmm / 1000.0 + 0.001) / R, math.pi)
            chord = 2 * math.sin(ang / 2) * (1 + 1e-9) + 1e-12
            cand = idx[tree.query_ball_point(unit(np.array([lon]), np.array([lat]))[0], chord)]
            if len(cand) == 0:
                continue
            p1, p2 = np.radians(nlat[cand]), math.radians(lat)
            a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * math.cos(p2) * np.sin(np.radians(lon - nlon[cand]) / 2) ** 2
            d = np.rint(2 * R * np.arcsin(np.sqrt(np.clip(a, 0, 1))) * 1000.0).astype(np.int64)
            keep = d <= rmm
            out_n.append(cand[keep])
            out_r.append(np.full(keep.sum(), j, dtype=np.int64))
            out_d.append(d[keep])
    if not out_n:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(out_n), np.concatenate(out_r), np.concatenate(out_d)


def main():
    which, d = sys.argv[1], sys.argv[2]
    needs, res = read(f"{d}/needs.csv"), read(f"{d}/resources.csv")
    t0 = time.perf_counter()
    en, er, ed = edges(needs, res)
    t1 = time.perf_counter()
    n, r = len(needs), len(res)
    s, t = n + r, n + r + 1
    if which == "ortools":
        from ortools.graph.python import min_cost_flow

        f = min_cost_flow.SimpleMinCostFlow()
        tails = np.concatenate([np.full(n, s), en, n + np.arange(r)]).astype(np.int32)
        heads = np.concatenate([np.arange(n), n + er, np.full(r, t)]).astype(np.int32)
        caps = np.concatenate([np.ones(n), np.ones(len(en)), [int(x["capacity"]) for x in res]]).astype(np.int64)
        costs = np.concatenate([np.zeros(n), ed, np.zeros(r)]).astype(np.int64)
        f.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
        f.set_node_supply(s, n)
        f.set_node_supply(t, -n)
        status = f.solve_max_flow_with_min_cost()
        matched, total = int(f.maximum_flow()), int(f.optimal_cost())
        ok = status == f.OPTIMAL
        name = "OR-Tools SimpleMinCostFlow (max flow with min cost)"
    else:
        import networkx as nx

        g = nx.DiGraph()
        for i in range(n):
            g.add_edge("s", ("n", i), capacity=1, weight=0)
        for a, b, c in zip(en.tolist(), er.tolist(), ed.tolist()):
            g.add_edge(("n", a), ("r", b), capacity=1, weight=c)
        for j, x in enumerate(res):
            g.add_edge(("r", j), "t", capacity=int(x["capacity"]), weight=0)
        flow = nx.max_flow_min_cost(g, "s", "t")
        matched = sum(flow["s"].values())
        total = int(nx.cost_of_flow(g, flow))
        ok = True
        name = "NetworkX max_flow_min_cost"
    t2 = time.perf_counter()
    print(json.dumps({"method": which, "peer": name, "ok": ok, "needs": n, "resources": r,
                      "edges": int(len(en)), "edges_s": round(t1 - t0, 3),
                      "solve_s": round(t2 - t1, 3), "matched": matched,
                      "total_distance_mm": total}, ensure_ascii=False))


if __name__ == "__main__":
    main()
