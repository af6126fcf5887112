#!/usr/bin/env python3
"""Turn results.jsonl from run.sh into the markdown tables of BENCHMARKS.md (stdlib only)."""
import json
import sys

rows = {}
grids, scipy_grids = [], []
for line in open(sys.argv[1]):
    line = line.strip()
    if not line.startswith("{"):
        continue
    r = json.loads(line)
    if r["bench"] == "grid":
        grids.append(r)
    elif r["bench"] == "scipy_grid":
        scipy_grids.append(r)
    else:
        rows[r["bench"]] = r


def ms(x):
    return f"{x * 1000:.1f} ms" if x < 10 else f"{x:.2f} s"


def get(name, key="min_s"):
    return rows.get(name, {}).get(key)


print("| measurement (Porto Alegre, 1,227 origins, schools + healthcare) | youxiang-access | peer | ratio |")
print("| --- | --- | --- | --- |")
ours = get("pipeline_15min")
pd_ = get("pandana_build_nearest_pois")
if ours is not None:
    peer = f"pandana {ms(pd_)} (build + set_pois + nearest_pois)" if pd_ else "—"
    ratio = f"**{pd_ / ours:.0f}× faster**" if pd_ else "—"
    print(f"| whole pipeline, PBF → per-cell coverage (min of runs) | {ms(ours)} | {peer} | {ratio} |")
for t in ("schools", "healthcare"):
    o, s = get(f"query_{t}"), get(f"scipy_{t}")
    if o is not None:
        peer = f"scipy {ms(s)}" if s else "—"
        ratio = f"{s / o:.2f}× (ours/scipy = {o / s:.2f})" if s else "—"
        print(f"| query: multi-source Dijkstra, {t} ({rows[f'query_{t}']['seeds']} seeds), whole graph | {ms(o)} | {peer} | {ratio} |")
for t in ("schools", "healthcare"):
    n = get(f"networkx_{t}")
    if n is not None:
        print(f"| query, {t}: NetworkX multi_source_dijkstra_path_length | {ms(get(f'query_{t}'))} | NetworkX {ms(n)} | {n / get(f'query_{t}'):.0f}× |")
qp = get("query_both_parallel")
if qp is not None:
    print(f"| query: both types in parallel (rayon, 2 cores) | {ms(qp)} | | |")
for t in ("schools", "healthcare"):
    d = rows.get(f"scipy_{t}", {}).get("max_abs_diff_m_vs_ours")
    if d is not None:
        mm = rows[f"scipy_{t}"]["reachability_mismatches"]
        print(f"| exactness vs scipy, {t}: max abs difference over all nodes | {d:.3g} m | reachability mismatches: {mm} | |")
g = rows.get("poa_graph")
if g:
    peer = ""
    if pd_:
        peer = f"pandana process {rows['pandana_build_nearest_pois']['peak_rss_mb']:.0f} MB"
    print(f"| peak memory (process, whole run) | {g['peak_rss_mb']:.0f} MB | {peer} | |")
    print()
    print(f"Graph: {g['nodes']:,} nodes, {g['edges']:,} edges, largest component {g['largest_component']:,} nodes.")
p = rows.get("pipeline_15min")
if p:
    print(f"Pipeline steps (best run): read PBF {ms(p['read_pbf_s'])}, inputs + snap index {ms(p['inputs_snap_index_s'])}, coverage {ms(p['coverage_s'])}; basket share {p['basket_share']:.4f}.")
if grids:
    print()
    print("| synthetic grid | nodes | edges | seeds | build | full multi-source Dijkstra | bounded 1,200 m | peak RSS | scipy full (same graph) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    sg = {r["nodes"]: r for r in scipy_grids}
    for r in grids:
        s = sg.get(r["nodes"])
        sc = f"{ms(s['full_min_s'])} ({s['peak_rss_mb']:.0f} MB)" if s else "—"
        print(f"| {r['nodes']:.0e} | {r['nodes']:,} | {r['edges']:,} | {r['seeds']:,} | {ms(r['build_s'])} | {ms(r['full_min_s'])} | {ms(r['bounded_1200m_min_s'])} | {r['peak_rss_mb']:.0f} MB | {sc} |")
