//! Who may report or see what: roles, and a scope of places (subtrees) and indicators.
//! Checked on every write and every read that is not public.

use serde::{Deserialize, Serialize};

use crate::place::{PlaceId, PlaceTree};

/// The roles of product.md: admin, programme office, department / town / village reporter,
/// viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Office,
    DepartmentReporter,
    TownReporter,
    VillageReporter,
    Viewer,
    /// 安全管理员: users, roles, scopes and passwords; no figures, no audit.
    SecurityAdmin,
    /// 审计管理员: reads and verifies the audit trail; changes neither figures nor users.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::Office,
        Role::DepartmentReporter,
        Role::TownReporter,
        Role::VillageReporter,
        Role::Viewer,
        Role::SecurityAdmin,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Office => "office",
            Role::DepartmentReporter => "department_reporter",
            Role::TownReporter => "town_reporter",
            Role::VillageReporter => "village_reporter",
            Role::Viewer => "viewer",
            Role::SecurityAdmin => "security_admin",
            Role::Auditor => "auditor",
        }
    }

    /// A role from its code, its Chinese or its English label.
    pub fn parse(text: &str) -> Option<Role> {
        text.parse().ok()
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Office => "工作专班",
            Role::DepartmentReporter => "部门填报员",
            Role::TownReporter => "镇(街道)填报员",
            Role::VillageReporter => "村(社区)填报员",
            Role::Viewer => "查看者",
            Role::SecurityAdmin => "安全管理员",
            Role::Auditor => "审计管理员",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::Admin => "system administrator",
            Role::Office => "programme office",
            Role::DepartmentReporter => "department reporter",
            Role::TownReporter => "town reporter",
            Role::VillageReporter => "village reporter",
            Role::Viewer => "viewer",
            Role::SecurityAdmin => "security administrator",
            Role::Auditor => "auditor",
        }
    }

    /// Whether the role may write numbers at all (within its scope).
    pub fn can_report(self) -> bool {
        matches!(
            self,
            Role::Admin
                | Role::Office
                | Role::DepartmentReporter
                | Role::TownReporter
                | Role::VillageReporter
        )
    }

    /// Whether the role may approve submitted numbers of places below its own roots
    /// (approval is bottom-up: a town approves its villages, the office approves towns).
    pub fn can_approve(self) -> bool {
        matches!(
            self,
            Role::Admin | Role::Office | Role::DepartmentReporter | Role::TownReporter
        )
    }

    /// Whether the role may read the audit trail (三员分立: the auditor, and the office for
    /// the history of the programme's figures; never the system administrator).
    pub fn can_read_audit(self) -> bool {
        matches!(self, Role::Auditor | Role::Office)
    }

    /// Whether the role may add users and change their roles, scopes, passwords and the
    /// disabled flag (三员分立: the security administrator only).
    pub fn can_manage_users(self) -> bool {
        matches!(self, Role::SecurityAdmin)
    }
}

crate::labelled!(Role, "角色", {
    Admin => "admin",
    Office => "office",
    DepartmentReporter => "department_reporter",
    TownReporter => "town_reporter",
    VillageReporter => "village_reporter",
    Viewer => "viewer",
    SecurityAdmin => "security_admin",
    Auditor => "auditor",
});

/// A subtree-and-indicator scope. An empty `indicators` list means every indicator.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Scope {
    /// Codes of the places whose subtrees are in scope.
    pub places: Vec<String>,
    /// Codes of the indicators in scope; empty = all.
    #[serde(default)]
    pub indicators: Vec<String>,
}

impl Scope {
    pub fn covers_indicator(&self, indicator: &str) -> bool {
        self.indicators.is_empty() || self.indicators.iter().any(|i| i == indicator)
    }

    pub fn covers_place(&self, tree: &PlaceTree, place: PlaceId) -> bool {
        self.places
            .iter()
            .filter_map(|code| tree.id(code))
            .any(|root| tree.is_within(place, root))
    }

    /// Whether `place` lies strictly below one of the scope's roots (what an approver may
    /// approve: the level beneath, never the own figures).
    pub fn covers_below(&self, tree: &PlaceTree, place: PlaceId) -> bool {
        self.places
            .iter()
            .filter_map(|code| tree.id(code))
            .any(|root| root != place && tree.is_within(place, root))
    }

    pub fn covers(&self, tree: &PlaceTree, place: PlaceId, indicator: &str) -> bool {
        self.covers_indicator(indicator) && self.covers_place(tree, place)
    }
}

/// A person who reports or reviews: login name, display name, unit, role and scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reporter {
    pub login: String,
    pub name: String,
    /// The unit the person works for (区卫健局, 环南街道 …).
    pub unit: String,
    pub role: Role,
    pub scope: Scope,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::place::{Level, Place};

    fn tree() -> PlaceTree {
        let p = |code: &str, parent: Option<&str>| Place {
            code: code.into(),
            name: code.into(),
            level: Level::Other,
            parent: parent.map(Into::into),
            lon: None,
            lat: None,
            population: Default::default(),
        };
        PlaceTree::build(vec![
            p("d", None),
            p("t1", Some("d")),
            p("t2", Some("d")),
            p("v1", Some("t1")),
        ])
        .unwrap()
    }

    #[test]
    fn scope_is_a_subtree_and_a_set_of_indicators() {
        let t = tree();
        let s = Scope {
            places: vec!["t1".into()],
            indicators: vec!["T01".into()],
        };
        let id = |c| t.id(c).unwrap();
        assert!(s.covers(&t, id("v1"), "T01"));
        assert!(s.covers(&t, id("t1"), "T01"));
        assert!(!s.covers(&t, id("t2"), "T01"));
        assert!(!s.covers(&t, id("v1"), "T02"));
        assert!(s.covers_below(&t, id("v1")));
        assert!(!s.covers_below(&t, id("t1")));
        let all = Scope {
            places: vec!["d".into()],
            indicators: vec![],
        };
        assert!(all.covers(&t, id("v1"), "anything"));
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert!(!Role::Viewer.can_report());
        assert!(!Role::VillageReporter.can_approve());
    }

    #[test]
    fn the_three_administrators_are_separate() {
        // 系统管理员: figures, not the audit, not users.
        assert!(Role::Admin.can_report() && !Role::Admin.can_read_audit());
        assert!(!Role::Admin.can_manage_users());
        // 安全管理员: users only.
        assert!(Role::SecurityAdmin.can_manage_users());
        assert!(!Role::SecurityAdmin.can_report() && !Role::SecurityAdmin.can_approve());
        assert!(!Role::SecurityAdmin.can_read_audit());
        // 审计管理员: the audit only.
        assert!(Role::Auditor.can_read_audit());
        assert!(!Role::Auditor.can_report() && !Role::Auditor.can_approve());
        assert!(!Role::Auditor.can_manage_users());
    }
}
