//! Geodesy: haversine distances and unit-sphere vectors for exact nearest-neighbour search.

/// Mean Earth radius in metres (IUGG), the same value OSMnx and pandana's haversine use.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres between two (lon, lat) points in degrees.
pub fn haversine_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// Unit vector on the sphere. The Euclidean (chord) distance between two unit vectors is a
/// monotone function of the great-circle distance, so a nearest-neighbour search in 3-D over
/// these vectors finds the exact great-circle nearest point, at any latitude and across the
/// antimeridian — no projection error.
pub fn unit_vector(lon: f64, lat: f64) -> [f64; 3] {
    let (lo, la) = (lon.to_radians(), lat.to_radians());
    [la.cos() * lo.cos(), la.cos() * lo.sin(), la.sin()]
}

/// Squared chord length on the unit sphere that corresponds to a great-circle distance.
pub fn chord2_for_distance_m(d: f64) -> f64 {
    let angle = (d / EARTH_RADIUS_M).min(std::f64::consts::PI);
    let c = 2.0 * (angle / 2.0).sin();
    c * c
}

/// True when (lon, lat) are finite and within WGS84 bounds.
pub fn valid_lon_lat(lon: f64, lat: f64) -> bool {
    lon.is_finite()
        && lat.is_finite()
        && (-180.0..=180.0).contains(&lon)
        && (-90.0..=90.0).contains(&lat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_known_values() {
        // One degree of latitude ≈ 111.195 km on the mean sphere.
        let d = haversine_m(0.0, 0.0, 0.0, 1.0);
        assert!((d - 111_195.08).abs() < 1.0, "{d}");
        assert_eq!(haversine_m(10.0, 20.0, 10.0, 20.0), 0.0);
        let a = haversine_m(-51.2, -30.0, -51.19, -30.01);
        let b = haversine_m(-51.19, -30.01, -51.2, -30.0);
        assert!((a - b).abs() < 1e-9);
    }

    #[test]
    fn chord_is_monotone() {
        assert!(chord2_for_distance_m(100.0) < chord2_for_distance_m(200.0));
        let u = unit_vector(-51.2, -30.0);
        let v = unit_vector(-51.19, -30.01);
        let c2: f64 = u.iter().zip(v.iter()).map(|(a, b)| (a - b) * (a - b)).sum();
        let d = haversine_m(-51.2, -30.0, -51.19, -30.01);
        assert!((c2 - chord2_for_distance_m(d)).abs() < 1e-12);
    }
}
