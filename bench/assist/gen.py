#!/usr/bin/env python3
"""A synthetic district for the matching benchmark (弱有众扶, methods §9), reproducible by
seed: needs clustered round village seats over a Dinghai-sized area (about 30 km × 22 km),
resources of eight service types with capacities of 1-40 and radii of 1-3 km, total
capacity about 90 % of the demand so that capacity binds.

    gen.py NEEDS RESOURCES OUTDIR [SEED]   -> OUTDIR/needs.csv, OUTDIR/resources.csv
"""
import os
import random
import sys

KINDS = ["助餐", "助浴", "助医", "助洁", "助行", "探访", "代办", "心理慰藉"]


def main():
    n, r, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 16
    rng = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    villages = [(121.95 + rng.random() * 0.30, 29.95 + rng.random() * 0.20) for _ in range(300)]

    def near(spread):
        x, y = rng.choice(villages)
        return x + rng.gauss(0, spread), y + rng.gauss(0, spread)

    with open(os.path.join(out, "needs.csv"), "w", encoding="utf-8") as f:
        f.write("id,type,lon,lat\n")
        for i in range(n):
            x, y = near(0.008)
            f.write(f"N{i:06d},{rng.choice(KINDS)},{x:.6f},{y:.6f}\n")
    # Mean capacity ~ 0.9 * n / r.
    mean_cap = max(1.0, 0.9 * n / r)
    with open(os.path.join(out, "resources.csv"), "w", encoding="utf-8") as f:
        f.write("id,type,capacity,lon,lat,radius_m\n")
        for j in range(r):
            x, y = near(0.015)
            cap = max(0, int(round(rng.uniform(0.1, 1.9) * mean_cap)))
            radius = rng.choice([1000, 1500, 2000, 2500, 3000])
            f.write(f"R{j:05d},{rng.choice(KINDS)},{cap},{x:.6f},{y:.6f},{radius}\n")


if __name__ == "__main__":
    main()
