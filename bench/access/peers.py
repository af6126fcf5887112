#!/usr/bin/env python3
"""Peers for the access benchmark, on the very graph the Rust engine built.

    peers.py scipy   DIR REPEATS   -> scipy.sparse.csgraph.dijkstra (min_only) + NetworkX, exactness check
    peers.py pandana DIR REPEATS HEXGRID -> pandana 0.8 network build + set_pois + nearest_pois
    peers.py grid    DIR N REPEATS -> scipy on a synthetic grid exported by bench_access

Each prints one JSON object per measurement. Peak memory is this process's ru_maxrss.
"""
import json
import resource
import sys
import time

import numpy as np
import pandas as pd


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed(fn, repeats):
    ts = []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[0], ts[len(ts) // 2], out


def load(d):
    nodes = pd.read_csv(f"{d}/nodes.csv")
    edges = pd.read_csv(f"{d}/edges.csv")
    return nodes, edges


def min_edges(edges):
    """Both directions (oneway == 0), then the minimum over parallel edges.
    (Building a scipy matrix straight from duplicates would SUM them.)"""
    fwd = edges[["from", "to", "weight"]]
    back = edges.loc[edges.oneway == 0, ["to", "from", "weight"]]
    back.columns = ["from", "to", "weight"]
    allr = pd.concat([fwd, back], ignore_index=True)
    # The Rust search runs from facilities against the walking direction: reverse arcs.
    allr = allr.rename(columns={"from": "to", "to": "from"})
    return allr.groupby(["from", "to"], as_index=False)["weight"].min()


def scipy_part(d, repeats):
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra
    import networkx as nx

    nodes, edges = load(d)
    n = len(nodes)
    e = min_edges(edges)
    g = csr_matrix((e.weight.values, (e["from"].values, e["to"].values)), shape=(n, n))
    for t in ("schools", "healthcare"):
        seeds = np.loadtxt(f"{d}/seeds_{t}.txt", dtype=np.int64)
        ours = np.fromfile(f"{d}/ours_{t}.f64", dtype="<f8")
        mn, med, dist = timed(lambda: dijkstra(g, directed=True, indices=seeds, min_only=True), repeats * 10)
        both = np.isfinite(dist) & np.isfinite(ours)
        mismatch_inf = int(np.sum(np.isfinite(dist) != np.isfinite(ours)))
        maxdiff = float(np.max(np.abs(dist[both] - ours[both]))) if both.any() else 0.0
        print(json.dumps({"bench": f"scipy_{t}", "seeds": int(len(seeds)), "min_s": mn, "median_s": med,
                          "max_abs_diff_m_vs_ours": maxdiff, "reachability_mismatches": mismatch_inf,
                          "repeats": repeats * 10}))
        mnl, medl, _ = timed(lambda: dijkstra(g, directed=True, indices=seeds, min_only=True, limit=1200.0), repeats * 10)
        print(json.dumps({"bench": f"scipy_{t}_limit1200", "min_s": mnl, "median_s": medl}))
        G = nx.DiGraph()
        G.add_weighted_edges_from(zip(e["from"].tolist(), e["to"].tolist(), e.weight.tolist()))
        mnx, mednx, nxd = timed(lambda: nx.multi_source_dijkstra_path_length(G, set(seeds.tolist())), max(1, repeats))
        nxdiff = max(abs(v - ours[k]) for k, v in nxd.items())
        print(json.dumps({"bench": f"networkx_{t}", "min_s": mnx, "median_s": mednx, "max_abs_diff_m_vs_ours": nxdiff}))
    print(json.dumps({"bench": "scipy_process", "peak_rss_mb": peak_mb()}))


def pandana_part(d, repeats, hexgrid):
    import pandana

    nodes, edges = load(d)
    grid = pd.read_csv(hexgrid)
    for c in ("population", "schools", "healthcare"):
        grid[c] = grid[c].fillna(0)
    ew = edges[["weight"]]

    def run():
        net = pandana.Network(nodes.x, nodes.y, edges["from"], edges["to"], ew, twoway=True)
        origin_nodes = net.get_node_ids(grid.lon, grid.lat)
        res = {}
        for t in ("schools", "healthcare"):
            f = grid[grid[t] > 0]
            net.set_pois(category=t, maxdist=1200, maxitems=1, x_col=f.lon, y_col=f.lat)
            near = net.nearest_pois(1200, t, num_pois=1)
            res[t] = near.loc[origin_nodes.values, 1].values
        return res

    ts, tb = [], []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        net = pandana.Network(nodes.x, nodes.y, edges["from"], edges["to"], ew, twoway=True)
        tb.append(time.perf_counter() - t0)
        del net
        t0 = time.perf_counter()
        out = run()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    tb.sort()
    print(json.dumps({"bench": "pandana_build_nearest_pois", "min_s": ts[0], "median_s": ts[len(ts) // 2],
                      "build_only_min_s": tb[0], "repeats": repeats,
                      "covered_share_schools_nodes_1200m": float(np.mean(out["schools"] < 1200)),
                      "peak_rss_mb": peak_mb()}))


def grid_part(d, n, repeats):
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    raw = np.fromfile(f"{d}/grid_{n}_edges.bin", dtype=np.dtype([("u", "<u4"), ("v", "<u4"), ("w", "<f8")]))
    seeds = np.loadtxt(f"{d}/grid_{n}_seeds.txt", dtype=np.int64)
    nn = int(max(raw["u"].max(), raw["v"].max())) + 1
    u = np.concatenate([raw["u"], raw["v"]]).astype(np.int64)
    v = np.concatenate([raw["v"], raw["u"]]).astype(np.int64)
    w = np.concatenate([raw["w"], raw["w"]])
    g = csr_matrix((w, (u, v)), shape=(nn, nn))  # the grid has no parallel edges
    mn, med, _ = timed(lambda: dijkstra(g, directed=True, indices=seeds, min_only=True), repeats)
    print(json.dumps({"bench": "scipy_grid", "nodes": nn, "seeds": int(len(seeds)), "full_min_s": mn,
                      "full_median_s": med, "peak_rss_mb": peak_mb()}))


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "scipy":
        scipy_part(sys.argv[2], int(sys.argv[3]))
    elif mode == "pandana":
        pandana_part(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif mode == "grid":
        grid_part(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(f"unknown mode {mode}")
