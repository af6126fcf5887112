//! Who may do what. The app enforces these rules on every request and the web offers only
//! what they allow; both call the functions here, so the rule is written once.

use chrono::NaiveDate;

use crate::manage::{ActionKind, Order, WorkItem};
use crate::place::{PlaceId, PlaceTree};
use crate::scope::{Reporter, Role};

impl Role {
    /// The programme office's rights (工作专班): the office and the system administrator.
    pub fn is_office(self) -> bool {
        matches!(self, Role::Admin | Role::Office)
    }

    /// Sees every unit's orders, tasks and figures: the office and the viewers.
    pub fn sees_all_units(self) -> bool {
        self.is_office() || self == Role::Viewer
    }

    /// A reporter of a unit (department, town or village), not the office.
    pub fn is_unit_reporter(self) -> bool {
        self.can_report() && !self.is_office()
    }
}

/// Whether `unit` is the lead unit or one of the partner units.
pub fn is_party(unit: &str, lead_unit: &str, partner_units: &[String]) -> bool {
    lead_unit == unit || partner_units.iter().any(|u| u == unit)
}

/// Whether `who` may change a work item (task, project, order's item): the office, or a
/// reporter of its lead or a partner unit.
pub fn may_edit_work_item(who: &Reporter, item: &WorkItem) -> bool {
    who.role.is_office()
        || (who.role.can_report() && is_party(&who.unit, &item.lead_unit, &item.partner_units))
}

/// Whether `who` may see an order: those who see every unit, and its parties.
pub fn may_see_order(who: &Reporter, order: &Order) -> bool {
    who.role.sees_all_units() || is_party(&who.unit, &order.lead_unit, &order.partner_units)
}

/// Whether `who` may write for `unit` (a weekly plan, a unit's own records): the office,
/// or a reporter of that unit.
pub fn may_write_for_unit(who: &Reporter, unit: &str) -> bool {
    who.role.is_office() || (who.role.can_report() && who.unit == unit)
}

/// Whether `who` may write figures or notes of `indicator` at `place`: the office, or a
/// reporter whose scope covers both.
pub fn may_write_figure(who: &Reporter, tree: &PlaceTree, place: PlaceId, indicator: &str) -> bool {
    who.role.is_office() || (who.role.can_report() && who.scope.covers(tree, place, indicator))
}

/// Whether `who` may add or change a facility of the register at `place`: the office, or
/// a reporter whose places cover it (a town its own subtree), as for figures.
pub fn may_edit_facility(who: &Reporter, tree: &PlaceTree, place: PlaceId) -> bool {
    who.role.is_office() || (who.role.can_report() && who.scope.covers_place(tree, place))
}

/// Whether `who` may approve or return the figure of `indicator` at `place`: an approver
/// whose indicators cover it, and whose places cover the place (the office) or lie above
/// it (everyone else: approval is bottom-up, nobody reviews their own level). Whoever
/// wrote the figure last still may not approve it (four eyes; the store refuses it too).
pub fn may_approve_figure(
    who: &Reporter,
    tree: &PlaceTree,
    place: PlaceId,
    indicator: &str,
) -> bool {
    who.role.can_approve()
        && who.scope.covers_indicator(indicator)
        && if who.role.is_office() {
            who.scope.covers_place(tree, place)
        } else {
            who.scope.covers_below(tree, place)
        }
}

/// Whether `who` may propose how `indicator`'s target is split among the places below
/// (methods §8): the office, or a reporter of the indicator's lead unit.
pub fn may_propose_split(who: &Reporter, indicator: &crate::Indicator) -> bool {
    who.role.is_office() || (who.role.can_report() && who.unit == indicator.lead_unit)
}

/// Whether `who` may revise a target of the plan (方案调整, a new plan version): the
/// programme office only — a department answers for its targets, it does not set them.
pub fn may_revise_plan(who: &Reporter) -> bool {
    who.role.is_office()
}

/// Whether `who` may approve or return a proposed split: the office, and never the one
/// who proposed it (no one approves their own figures).
pub fn may_decide_split(who: &Reporter, split: &crate::decompose::TargetSplit) -> bool {
    who.role.is_office() && who.login != split.proposed_by
}

/// Whether `who` may write the cause and measures (原因和措施) of `indicator` at `place`:
/// the office, or a reporter of the indicator's lead unit whose scope covers the place —
/// the unit that answers for the figure, not every unit that reports it.
pub fn may_write_lag_note(
    who: &Reporter,
    tree: &PlaceTree,
    place: PlaceId,
    indicator: &crate::Indicator,
) -> bool {
    who.role.is_office()
        || (who.role.can_report()
            && who.unit == indicator.lead_unit
            && who.scope.covers(tree, place, &indicator.code))
}

/// Whether `who` may take an action of `kind` on `order`: the lead unit's actions (accept,
/// ask an extension, feed back) by its reporters or the office; the rest by the office.
pub fn may_act_on_order(who: &Reporter, order: &Order, kind: ActionKind) -> bool {
    if kind.by_lead_unit() {
        (who.role.can_report() && who.unit == order.lead_unit) || who.role.is_office()
    } else {
        who.role.is_office()
    }
}

/// The actions a page offers `who` on `order` on `day`: the lead unit's to its reporters,
/// the office's to the office (the office may act for a lead unit, but is not offered to).
pub fn offered_order_actions(who: &Reporter, order: &Order, day: NaiveDate) -> Vec<ActionKind> {
    let lead = who.role.is_unit_reporter() && who.unit == order.lead_unit;
    order
        .available_actions(day)
        .into_iter()
        .filter(|k| {
            if k.by_lead_unit() {
                lead
            } else {
                who.role.is_office()
            }
        })
        .collect()
}

/// Which cells of a survey's results (satisfaction index and demand analysis) a reader
/// may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyReach {
    /// Every place: the office, the system administrator and the viewers (leaders).
    All,
    /// The district only: a department (its domains' satisfaction across the district).
    District,
    /// The strata within the reader's scope only: a town its own.
    OwnPlaces,
    /// Nothing: villages, the security administrator, the auditor.
    None,
}

/// Who may read survey results (methods §6): see [`SurveyReach`].
pub fn survey_reach(who: &Reporter) -> SurveyReach {
    match who.role {
        r if r.sees_all_units() => SurveyReach::All,
        Role::DepartmentReporter => SurveyReach::District,
        Role::TownReporter => SurveyReach::OwnPlaces,
        _ => SurveyReach::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::Scope;

    fn who(role: Role, unit: &str) -> Reporter {
        Reporter {
            login: "u".into(),
            name: "某人".into(),
            unit: unit.into(),
            role,
            scope: Scope::default(),
        }
    }

    #[test]
    fn office_rights_belong_to_admin_and_office_only() {
        for r in Role::ALL {
            assert_eq!(
                r.is_office(),
                matches!(r, Role::Admin | Role::Office),
                "{r:?}"
            );
            assert_eq!(
                r.sees_all_units(),
                matches!(r, Role::Admin | Role::Office | Role::Viewer)
            );
            assert!(!(r.is_unit_reporter() && r.is_office()));
        }
    }

    #[test]
    fn writing_for_a_unit_needs_its_reporter_or_the_office() {
        assert!(may_write_for_unit(&who(Role::Office, "专班"), "区卫健局"));
        assert!(may_write_for_unit(
            &who(Role::DepartmentReporter, "区卫健局"),
            "区卫健局"
        ));
        assert!(!may_write_for_unit(
            &who(Role::DepartmentReporter, "区教育局"),
            "区卫健局"
        ));
        assert!(!may_write_for_unit(
            &who(Role::Viewer, "区卫健局"),
            "区卫健局"
        ));
        assert!(!may_write_for_unit(
            &who(Role::SecurityAdmin, "区卫健局"),
            "区卫健局"
        ));
    }
}
