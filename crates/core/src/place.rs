//! Places: a hierarchy of any depth (province → city → county → town/street →
//! village/community), with statistical codes, names, coordinates and population per year.
//!
//! `PlaceTree` gives every place a dense `PlaceId` (its index), so that the engine can keep
//! roll-ups in plain vectors; codes are the stable identity outside the process.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// A place's index in its `PlaceTree`. Dense, from 0; valid only for that tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PlaceId(pub u32);

impl PlaceId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The administrative level of a place. Depth is what the tree says; the level is the name
/// people use for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    City,
    County,
    Town,
    Village,
    /// A unit below village level (村民小组, 网格) or an unclassified grouping.
    Other,
}

impl Level {
    pub fn label_zh(self) -> &'static str {
        match self {
            Level::Province => "省",
            Level::City => "市",
            Level::County => "县(市、区)",
            Level::Town => "镇(街道)",
            Level::Village => "村(社区)",
            Level::Other => "其他",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Town => "town",
            Level::Village => "village",
            Level::Other => "other",
        }
    }

    /// A level from its code, its Chinese or English label or a common name (区, 街道, 社区).
    pub fn parse(text: &str) -> Option<Level> {
        text.parse().ok()
    }
}

crate::labelled!(Level, "层级", {
    Province => "province" | "省",
    City => "city" | "市",
    County => "county" | "area" | "县" | "区",
    Town => "town" | "street" | "镇" | "街道" | "乡",
    Village => "village" | "community" | "村" | "社区",
    Other => "other",
});

/// One place as imported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// Statistical code where one exists (`330902`, `330902003`), else a local code.
    pub code: String,
    pub name: String,
    pub level: Level,
    /// The parent's code; `None` for the root(s).
    pub parent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Resident population per year.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub population: BTreeMap<i32, f64>,
}

/// Why a set of places does not form a tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaceProblem {
    pub code: String,
    pub message: String,
}

impl fmt::Display for PlaceProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "地点 {}:{}", self.code, self.message)
    }
}

/// A validated forest of places (usually one tree) with parent and child links by id.
#[derive(Debug, Clone, Default)]
pub struct PlaceTree {
    places: Vec<Place>,
    by_code: HashMap<String, PlaceId>,
    parent: Vec<Option<PlaceId>>,
    children: Vec<Vec<PlaceId>>,
    depth: Vec<u16>,
}

impl PlaceTree {
    /// Builds the tree, reporting every duplicate code, unknown parent and cycle at once.
    /// Places may come in any order.
    pub fn build(places: Vec<Place>) -> Result<PlaceTree, Vec<PlaceProblem>> {
        let mut problems = Vec::new();
        let mut by_code = HashMap::with_capacity(places.len());
        for (i, p) in places.iter().enumerate() {
            if p.code.trim().is_empty() {
                problems.push(PlaceProblem {
                    code: format!("#{}", i + 1),
                    message: "缺少地点编码".into(),
                });
            } else if by_code.insert(p.code.clone(), PlaceId(i as u32)).is_some() {
                problems.push(PlaceProblem {
                    code: p.code.clone(),
                    message: "地点编码重复".into(),
                });
            }
            if p.name.trim().is_empty() {
                problems.push(PlaceProblem {
                    code: p.code.clone(),
                    message: "缺少地点名称".into(),
                });
            }
            for (year, pop) in &p.population {
                if !(pop.is_finite() && *pop >= 0.0) {
                    problems.push(PlaceProblem {
                        code: p.code.clone(),
                        message: format!("{year}年人口须为非负数,现为 {pop}"),
                    });
                }
            }
        }
        let mut parent = vec![None; places.len()];
        let mut children = vec![Vec::new(); places.len()];
        for (i, p) in places.iter().enumerate() {
            if let Some(pc) = &p.parent {
                match by_code.get(pc) {
                    Some(&pid) if pid.index() != i => {
                        parent[i] = Some(pid);
                        children[pid.index()].push(PlaceId(i as u32));
                    }
                    Some(_) => problems.push(PlaceProblem {
                        code: p.code.clone(),
                        message: "上级不能是自己".into(),
                    }),
                    None => problems.push(PlaceProblem {
                        code: p.code.clone(),
                        message: format!("上级地点“{pc}”不存在"),
                    }),
                }
            }
        }
        // Depth by walking up; a walk longer than the number of places is a cycle.
        let mut depth = vec![0u16; places.len()];
        for i in 0..places.len() {
            let mut d = 0usize;
            let mut at = parent[i];
            while let Some(p) = at {
                d += 1;
                if d > places.len() {
                    problems.push(PlaceProblem {
                        code: places[i].code.clone(),
                        message: "上下级关系成环".into(),
                    });
                    break;
                }
                at = parent[p.index()];
            }
            depth[i] = d.min(u16::MAX as usize) as u16;
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(PlaceTree {
            places,
            by_code,
            parent,
            children,
            depth,
        })
    }

    pub fn len(&self) -> usize {
        self.places.len()
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    pub fn get(&self, id: PlaceId) -> &Place {
        &self.places[id.index()]
    }

    pub fn id(&self, code: &str) -> Option<PlaceId> {
        self.by_code.get(code).copied()
    }

    pub fn by_code(&self, code: &str) -> Option<&Place> {
        self.id(code).map(|id| self.get(id))
    }

    pub fn ids(&self) -> impl Iterator<Item = PlaceId> + '_ {
        (0..self.places.len() as u32).map(PlaceId)
    }

    pub fn places(&self) -> &[Place] {
        &self.places
    }

    pub fn parent(&self, id: PlaceId) -> Option<PlaceId> {
        self.parent[id.index()]
    }

    pub fn children(&self, id: PlaceId) -> &[PlaceId] {
        &self.children[id.index()]
    }

    pub fn depth(&self, id: PlaceId) -> u16 {
        self.depth[id.index()]
    }

    pub fn roots(&self) -> impl Iterator<Item = PlaceId> + '_ {
        self.ids().filter(|id| self.parent(*id).is_none())
    }

    pub fn is_leaf(&self, id: PlaceId) -> bool {
        self.children[id.index()].is_empty()
    }

    /// The place's ancestors, nearest first (not including the place).
    pub fn ancestors(&self, id: PlaceId) -> impl Iterator<Item = PlaceId> + '_ {
        std::iter::successors(self.parent(id), move |p| self.parent(*p))
    }

    /// Whether `id` is `root` or lies below it.
    pub fn is_within(&self, id: PlaceId, root: PlaceId) -> bool {
        id == root || self.ancestors(id).any(|a| a == root)
    }

    /// `root` and every place below it, parents before children.
    pub fn subtree(&self, root: PlaceId) -> Vec<PlaceId> {
        let mut out = vec![root];
        let mut i = 0;
        while i < out.len() {
            out.extend_from_slice(self.children(out[i]));
            i += 1;
        }
        out
    }

    /// The population of a place in a year: its own figure, else the sum of its
    /// children's for that year (when every child has one), else the latest earlier year.
    pub fn population(&self, id: PlaceId, year: i32) -> Option<f64> {
        let own = &self.places[id.index()].population;
        if let Some(p) = own.get(&year) {
            return Some(*p);
        }
        let kids = self.children(id);
        if !kids.is_empty() {
            let sum: Option<f64> = kids.iter().map(|c| self.population(*c, year)).sum();
            if sum.is_some() {
                return sum;
            }
        }
        own.range(..year).next_back().map(|(_, p)| *p)
    }

    /// The path from the root down to the place, as names: `浙江省 / 舟山市 / 定海区`.
    pub fn path_names(&self, id: PlaceId) -> String {
        let mut names: Vec<&str> = self
            .ancestors(id)
            .map(|a| self.places[a.index()].name.as_str())
            .collect();
        names.reverse();
        names.push(&self.places[id.index()].name);
        names.join(" / ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(code: &str, parent: Option<&str>, pop: Option<f64>) -> Place {
        Place {
            code: code.into(),
            name: format!("地点{code}"),
            level: Level::Other,
            parent: parent.map(Into::into),
            lon: None,
            lat: None,
            population: pop.map(|p| [(2023, p)].into()).unwrap_or_default(),
        }
    }

    #[test]
    fn builds_in_any_order_and_walks_up_and_down() {
        let t = PlaceTree::build(vec![
            place("v1", Some("t1"), Some(10.0)),
            place("d", None, None),
            place("t1", Some("d"), None),
            place("v2", Some("t1"), Some(5.0)),
        ])
        .unwrap();
        let d = t.id("d").unwrap();
        let v1 = t.id("v1").unwrap();
        assert_eq!(t.depth(v1), 2);
        assert!(t.is_within(v1, d));
        assert!(!t.is_within(d, v1));
        assert_eq!(t.subtree(d).len(), 4);
        assert_eq!(t.population(d, 2023), Some(15.0));
        assert_eq!(
            t.population(d, 2024),
            Some(15.0),
            "carried forward from 2023"
        );
        assert_eq!(t.population(d, 2022), None);
        assert_eq!(t.population(v1, 2025), Some(10.0));
        assert_eq!(t.path_names(v1), "地点d / 地点t1 / 地点v1");
    }

    #[test]
    fn reports_every_problem() {
        let problems = PlaceTree::build(vec![
            place("a", Some("b"), None),
            place("b", Some("a"), None),
            place("c", Some("zz"), None),
            place("c", None, Some(f64::NAN)),
        ])
        .unwrap_err();
        let all: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        let all = all.join("\n");
        assert!(all.contains("成环"), "{all}");
        assert!(all.contains("“zz”不存在"), "{all}");
        assert!(all.contains("编码重复"), "{all}");
        assert!(all.contains("非负数"), "{all}");
    }
}
