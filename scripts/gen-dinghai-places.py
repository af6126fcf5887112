#!/usr/bin/env python3
"""Writes data/dinghai-places.csv: Dinghai District, its 13 real towns/streets (NBS 2022
codes) and about 200 villages/communities under them.

Real: the district and town codes and names (NBS 2022), the village/community names listed
in ../shared/data/divisions/dinghai.md (环南, 岑港, 马岙, 小沙, 白泉, part of 双桥, 城东's 洞桥村),
the town-seat coordinates of 环南, 马岙 and 干览, and the populations that page gives.
Synthetic (labelled 虚构 in the name's suffix-free list in data/README.md): the other
village names (numbered 社区/村), every village code's last three digits where no NBS code
is known, the other coordinates and every village population. Deterministic (seeded).
"""
import csv, random, sys

random.seed(20230428)
YEARS = [2022, 2023, 2024, 2025]

towns = [
    # code, name, pop 2022, (lat, lon) seat or None, real villages, synthetic count, kind
    ("330902002", "昌国街道", 62000, (30.0185, 122.1010), [], 22, "社区"),
    ("330902003", "环南街道", 31000, (30.01155, 122.10438),
     ["海山社区", "南珍社区", "西园社区", "晓峰社区", "竹山社区", "卫海社区", "利民社区", "蓬莱社区",
      "海滨社区", "东山社区", "庆丰村", "盘峙村", "五联村", "大猫村"], 0, "社区"),
    ("330902004", "城东街道", 76000, (30.0240, 122.1300), ["洞桥村"], 19, "社区"),
    ("330902005", "盐仓街道", 46000, (30.0330, 122.0650), [], 14, "社区"),
    ("330902006", "临城街道", 82000, (30.0000, 122.1900), [], 24, "社区"),
    ("330902007", "岑港街道", 16000, (30.0800, 121.9900),
     ["桃花苑社区", "桥头村", "桃夭门村", "马目村", "涨次村", "册北村", "南岙村", "司前村", "烟墩村",
      "坞坵村", "定海工业园岑港坞坵社区", "东海农场生活区"], 0, "村"),
    ("330902008", "马岙街道", 10929, (30.1158, 122.08661),
     ["三江村", "马岙村", "五一村", "团结村", "三星村", "北海村"], 0, "村"),
    ("330902009", "双桥街道", 21000, (30.0700, 122.0300), ["石礁村", "临港村", "桥头施村", "新浦村"], 8, "村"),
    ("330902010", "小沙街道", 17500, (30.1000, 122.0200),
     ["庙桥社区", "滨海社区", "光华社区", "大沙社区", "增辉社区", "青岙社区", "毛峙村"], 0, "社区"),
    ("330902050", "千岛街道", 38000, (29.9900, 122.2100), [], 14, "社区"),
    ("330902100", "金塘镇", 43000, (30.0350, 121.8900), [], 26, "村"),
    ("330902104", "白泉镇", 38207, (30.0830, 122.1600),
     ["万金湖社区", "繁强村", "洪家村", "星塔村", "星马村", "小展村", "新港村", "和平村", "潮面村",
      "白泉村", "金山村", "柯梅村", "河东村", "米林村", "皋泄村"], 0, "村"),
    ("330902105", "干览镇", 12241, (30.11098, 122.13187), [], 8, "村"),
]
# NBS 12-digit village codes known from dinghai.md (白泉镇, 石礁村).
known_codes = {
    ("330902104", "万金湖社区"): "330902104001", ("330902104", "繁强村"): "330902104201",
    ("330902104", "洪家村"): "330902104202", ("330902104", "星塔村"): "330902104210",
    ("330902104", "星马村"): "330902104211", ("330902104", "小展村"): "330902104212",
    ("330902104", "新港村"): "330902104213", ("330902104", "和平村"): "330902104214",
    ("330902104", "潮面村"): "330902104215", ("330902104", "白泉村"): "330902104220",
    ("330902104", "金山村"): "330902104221", ("330902104", "柯梅村"): "330902104222",
    ("330902104", "河东村"): "330902104223", ("330902104", "米林村"): "330902104226",
    ("330902009", "石礁村"): "330902009215",
}

def grow(p):
    return {y: round(p * (1.003 ** (y - 2022))) for y in YEARS}

rows = []
district_pop = sum(t[2] for t in towns)
rows.append(["330902", "定海区", "county", "", "122.10278", "30.01944"] + [grow(district_pop)[y] for y in YEARS])
for code, name, pop, (lat, lon), real, synth, kind in towns:
    rows.append([code, name, "town", "330902", f"{lon:.5f}", f"{lat:.5f}"] + [grow(pop)[y] for y in YEARS])
    names = list(real) + [f"{name[:-2] if name.endswith('街道') else name[:-1]}第{i + 1}{kind}" for i in range(synth)]
    weights = [random.uniform(0.5, 1.5) for _ in names]
    total = sum(weights)
    used = set(known_codes.values())
    seq = 1
    for vname, w in zip(names, weights):
        vcode = known_codes.get((code, vname))
        if vcode is None:
            while True:
                vcode = f"{code}{(200 if vname.endswith('村') else 0) + seq:03d}"
                seq += 1
                if vcode not in used:
                    break
        used.add(vcode)
        vpop = pop * w / total
        rows.append([vcode, vname, "village", code,
                     f"{lon + random.uniform(-0.02, 0.02):.5f}", f"{lat + random.uniform(-0.015, 0.015):.5f}"]
                    + [grow(vpop)[y] for y in YEARS])

w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["code", "name", "level", "parent", "lon", "lat"] + [f"population_{y}" for y in YEARS])
w.writerows(rows)
