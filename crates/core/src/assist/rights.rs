//! Who may do what with the register of households in difficulty. Written once: the app
//! enforces these, the web offers by them.
//!
//! * see and edit a household: the programme office, the district's 民政 department
//!   ([`CIVIL_AFFAIRS_UNIT`]) and the town and village reporters whose places cover it;
//! * see personal data whole (after stating a reason, audited): the 民政 department and the
//!   town reporters whose places cover it — nobody else, not the system administrator;
//! * export personal data whole: the 民政 department only;
//! * set the 低保 standards and the eligibility rules: the office and the 民政 department.

use crate::place::{PlaceId, PlaceTree};
use crate::scope::{Reporter, Role};

/// The unit that runs social assistance (its reporters hold the register's rights).
pub const CIVIL_AFFAIRS_UNIT: &str = "区民政局";

/// A reporter of the district's 民政 department.
pub fn is_civil_affairs(who: &Reporter) -> bool {
    who.role == Role::DepartmentReporter && who.unit == CIVIL_AFFAIRS_UNIT
}

/// Whether `who` sees the register at all (masked).
pub fn may_use_register(who: &Reporter) -> bool {
    who.role.is_office()
        || is_civil_affairs(who)
        || matches!(who.role, Role::TownReporter | Role::VillageReporter)
}

/// Whether `who` may see and edit the household at `place`.
pub fn may_edit_household(who: &Reporter, tree: &PlaceTree, place: PlaceId) -> bool {
    who.role.is_office()
        || is_civil_affairs(who)
        || (matches!(who.role, Role::TownReporter | Role::VillageReporter)
            && who.scope.covers_place(tree, place))
}

/// Whether `who` may see the personal data of the household at `place` whole.
pub fn may_reveal(who: &Reporter, tree: &PlaceTree, place: PlaceId) -> bool {
    is_civil_affairs(who) || (who.role == Role::TownReporter && who.scope.covers_place(tree, place))
}

/// Whether `who` may export personal data whole.
pub fn may_export_whole(who: &Reporter) -> bool {
    is_civil_affairs(who)
}

/// Whether `who` may change the 低保 standards and the eligibility rules.
pub fn may_set_rules(who: &Reporter) -> bool {
    who.role.is_office() || is_civil_affairs(who)
}
