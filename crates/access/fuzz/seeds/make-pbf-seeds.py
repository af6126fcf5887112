# Writes the PBF seeds of the `pbf` fuzz target (a few nodes, walkable ways, a one-way
# footpath, a ferry with a duration, an excluded primary road with a missing node, facilities
# as a node and as a closed way), zlib-compressed, uncompressed, and uncompressed without
# dense nodes: uncompressed blocks let the fuzzer mutate the protobuf itself.
# Needs pyosmium (PyPI `osmium`):  python3 -m venv v && v/bin/pip install osmium &&
#   (cd crates/access/fuzz/seeds/pbf && ../../../../../v/bin/python ../make-pbf-seeds.py)
import osmium, os
def write(name, fmt):
    if os.path.exists(name): os.remove(name)
    w = osmium.SimpleWriter(osmium.io.File(name, fmt))
    nodes = [(1, 122.100, 30.010), (2, 122.101, 30.011), (3, 122.102, 30.010),
             (4, 122.103, 30.012), (5, 122.110, 30.020), (6, 122.111, 30.021)]
    for i, lon, lat in nodes:
        tags = {}
        if i == 3: tags = {'amenity': 'kindergarten', 'name': '幼儿园'}
        if i == 4: tags = {'amenity': 'school', 'isced:level': '1', 'name': 'school'}
        w.add_node(osmium.osm.mutable.Node(id=i, location=(lon, lat), tags=tags, version=1))
    ways = [(10, [1, 2, 3], {'highway': 'footway'}),
            (11, [3, 4], {'highway': 'residential', 'oneway:foot': 'yes', 'name': '路'}),
            (12, [4, 5], {'route': 'ferry', 'duration': '00:20'}),
            (13, [5, 6, 99], {'highway': 'primary', 'foot': 'no'}),
            (14, [1, 4, 6, 1], {'amenity': 'hospital', 'name': 'h'})]
    for i, refs, tags in ways:
        w.add_way(osmium.osm.mutable.Way(id=i, nodes=refs, tags=tags, version=1))
    w.close()
write('walk.osm.pbf', 'pbf')
write('walk-nozlib.osm.pbf', 'pbf,pbf_compression=none')
write('walk-nozlib-nodense.osm.pbf', 'pbf,pbf_compression=none,pbf_dense_nodes=false')
