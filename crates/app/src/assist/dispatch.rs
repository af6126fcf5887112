//! The matching of the register's needs to the register's resources, and 公益点单/派单
//! (issue 16 points 3 and 4): the proposal (the exact optimum over every household and
//! resource, shown to each reader for the households in its places), orders to providers
//! (`assist_order` records, the household's place their scope), their moves — accepted,
//! done with a date and evidence, refused with a reason, whereupon the need is matched
//! again without that provider and a new order issued — and the providers' record
//! (response times, overdue orders). Every move audited.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDateTime;
use serde::Serialize;
use youxiang_core::assist::dispatch::{
    Order, OrderAction, OrderState, ProviderSummary, provider_summaries,
};
use youxiang_core::assist::register::Household;
use youxiang_core::assist::resources::{
    AssistResource, Proposal, ProposedPair, UnmetNeed, propose, register_needs,
};
use youxiang_core::labels::Labelled;
use youxiang_store::{RecordFilter, RecordWrite};

use crate::{App, AppError, Result};

/// The orders' record kind.
pub const KIND_ORDER: &str = "assist_order";

/// Every audit action of dispatch.
pub const ORDER_ACTIONS: [&str; 4] = [
    "assist.order.issue",
    "assist.order.accept",
    "assist.order.done",
    "assist.order.refuse",
];

/// An order as stored: its version, due day and whether it is overdue today.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderEntry {
    #[serde(flatten)]
    pub order: Order,
    pub version: i64,
    pub due: Option<chrono::NaiveDate>,
    pub overdue: bool,
    pub response_hours: Option<f64>,
}

/// What a move did: the order, and after a refusal the new order (or why none).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderOutcome {
    pub order: OrderEntry,
    pub reissued: Option<OrderEntry>,
    pub unmet: Option<UnmetNeed>,
}

impl App {
    /// Now for dispatch: the clock's time of day on the app's day (the demo's day in a
    /// demo).
    fn dispatch_dispatch_now(&self) -> NaiveDateTime {
        self.today()
            .and_time((self.now() + chrono::Duration::hours(8)).time())
    }

    async fn dispatch_stored_orders(&self) -> Result<Vec<(Order, i64)>> {
        let mut out = Vec::new();
        for r in self
            .db()
            .list_records(&RecordFilter::kind(KIND_ORDER))
            .await?
        {
            out.push((r.decode::<Order>()?, r.version));
        }
        out.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        Ok(out)
    }

    fn dispatch_order_entry(&self, order: Order, version: i64) -> OrderEntry {
        let today = self.today();
        OrderEntry {
            due: order.due(),
            overdue: order.overdue(today),
            response_hours: order.response_hours(),
            order,
            version,
        }
    }

    /// The whole proposal (every household, every resource): needs with an open or done
    /// order are left out; refused pairs excluded; open orders hold their capacity.
    async fn dispatch_whole_proposal(&self, only: Option<&HashSet<String>>) -> Result<Proposal> {
        let households: Vec<Household> = self
            .stored_households()
            .await?
            .into_iter()
            .map(|(e, _)| e.household)
            .collect();
        let resources: Vec<AssistResource> = self
            .assist_stored_resources()
            .await?
            .into_iter()
            .map(|e| e.resource)
            .collect();
        let orders = self.dispatch_stored_orders().await?;
        let mut served: HashSet<String> = HashSet::new();
        let mut excluded: HashSet<(String, String)> = HashSet::new();
        let mut used: BTreeMap<String, u32> = BTreeMap::new();
        for (o, _) in &orders {
            match o.state {
                OrderState::Refused => {
                    excluded.insert((o.need.clone(), o.resource.clone()));
                }
                OrderState::Done => {
                    served.insert(o.need.clone());
                }
                _ => {
                    served.insert(o.need.clone());
                    *used.entry(o.resource.clone()).or_default() += 1;
                }
            }
        }
        let needs: Vec<_> = register_needs(&households)
            .into_iter()
            .filter(|n| !served.contains(&n.id))
            .filter(|n| only.is_none_or(|o| o.contains(&n.id)))
            .collect();
        Ok(propose(&needs, &resources, &excluded, &used))
    }

    /// The proposal for the households `login` may see (at or below `place` when given).
    pub async fn assist_proposal(&self, login: &str, place: Option<&str>) -> Result<Proposal> {
        let who = self.register_user(login)?;
        let tree = Arc::clone(&self.read().tree);
        let root = match place {
            Some(p) => Some(
                tree.id(p)
                    .ok_or_else(|| AppError::NotFound(format!("地点“{p}”不存在")))?,
            ),
            None => None,
        };
        let keep = |p: &str| {
            Self::in_scope(&who, &tree, p)
                && root.is_none_or(|root| tree.id(p).is_some_and(|id| tree.is_within(id, root)))
        };
        let mut p = self.dispatch_whole_proposal(None).await?;
        p.pairs.retain(|x| keep(&x.place));
        p.unmatched.retain(|x| keep(&x.place));
        p.total_distance_m = p.pairs.iter().map(|x| x.distance_m).sum();
        Ok(p)
    }

    async fn dispatch_next_order_id(&self) -> Result<String> {
        let day = self.today().format("%Y%m%d").to_string();
        let prefix = format!("O-{day}-");
        let n = self
            .db()
            .list_records(&RecordFilter {
                id_prefix: Some(prefix.clone()),
                ..RecordFilter::kind(KIND_ORDER)
            })
            .await?
            .len();
        Ok(format!("{prefix}{:04}", n + 1))
    }

    fn dispatch_new_order(&self, id: String, p: &ProposedPair, replaces: Option<String>) -> Order {
        Order {
            id,
            need: p.need.clone(),
            household: p.household.clone(),
            place: p.place.clone(),
            service: p.service.clone(),
            resource: p.resource.clone(),
            resource_name: p.resource_name.clone(),
            distance_m: p.distance_m,
            reason: p.reason_zh.clone(),
            state: OrderState::Issued,
            issued_at: self.dispatch_dispatch_now(),
            responded_at: None,
            done_on: None,
            evidence: String::new(),
            refuse_reason: String::new(),
            replaces,
            demo: false,
        }
    }

    async fn dispatch_store_new_order(&self, login: &str, order: &Order) -> Result<i64> {
        let w = RecordWrite::of(KIND_ORDER, &order.id, order, None, ORDER_ACTIONS[0])?
            .unit(&order.place)
            .state(order.state.code())
            .due(order.due())
            .note(format!("派给{}({})", order.resource_name, order.service));
        let saved = self.db().put_records(&[w], login).await?;
        Ok(saved.first().map(|r| r.version).unwrap_or(1))
    }

    /// Issues orders for the proposal's pairs in `login`'s places (at or below `place`;
    /// only the needs in `needs` when given). Demo orders are labelled when `demo`.
    pub async fn issue_assist_orders(
        &self,
        login: &str,
        place: Option<&str>,
        needs: Option<&[String]>,
        demo: bool,
    ) -> Result<Vec<OrderEntry>> {
        let proposal = self.assist_proposal(login, place).await?;
        let mut out = Vec::new();
        for p in &proposal.pairs {
            if needs.is_some_and(|n| !n.contains(&p.need)) {
                continue;
            }
            let mut order = self.dispatch_new_order(self.dispatch_next_order_id().await?, p, None);
            order.demo = demo;
            let version = self.dispatch_store_new_order(login, &order).await?;
            out.push(self.dispatch_order_entry(order, version));
        }
        Ok(out)
    }

    /// The orders `login` may see (at or below `place`; in `state` when given).
    pub async fn assist_orders(
        &self,
        login: &str,
        place: Option<&str>,
        state: Option<OrderState>,
    ) -> Result<Vec<OrderEntry>> {
        let who = self.register_user(login)?;
        let tree = Arc::clone(&self.read().tree);
        let root = match place {
            Some(p) => Some(
                tree.id(p)
                    .ok_or_else(|| AppError::NotFound(format!("地点“{p}”不存在")))?,
            ),
            None => None,
        };
        Ok(self
            .dispatch_stored_orders()
            .await?
            .into_iter()
            .filter(|(o, _)| Self::in_scope(&who, &tree, &o.place))
            .filter(|(o, _)| {
                root.is_none_or(|root| tree.id(&o.place).is_some_and(|p| tree.is_within(p, root)))
            })
            .filter(|(o, _)| state.is_none_or(|s| o.state == s))
            .map(|(o, v)| self.dispatch_order_entry(o, v))
            .collect())
    }

    /// One order (not found outside the reader's places).
    pub async fn assist_order(&self, login: &str, id: &str) -> Result<OrderEntry> {
        let who = self.register_user(login)?;
        let tree = Arc::clone(&self.read().tree);
        let not_found = || AppError::NotFound(format!("派单“{id}”不存在"));
        let r = self
            .db()
            .get_record(KIND_ORDER, id)
            .await?
            .ok_or_else(not_found)?;
        let order: Order = r.decode()?;
        if !Self::in_scope(&who, &tree, &order.place) {
            return Err(not_found());
        }
        Ok(self.dispatch_order_entry(order, r.version))
    }

    /// Records the provider's answer or the service done (`expected_version`: the version
    /// read, `None` takes the stored one). A refusal matches the need again without the
    /// refusing providers and issues the new order at once (or says why none).
    pub async fn act_on_assist_order(
        &self,
        login: &str,
        id: &str,
        action: OrderAction,
        expected_version: Option<i64>,
    ) -> Result<OrderOutcome> {
        let entry = self.assist_order(login, id).await?;
        let mut order = entry.order;
        order
            .apply(&action, self.dispatch_dispatch_now())
            .map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
        let (audit, note) = match &action {
            OrderAction::Accept => (ORDER_ACTIONS[1], "接单".to_string()),
            OrderAction::Done { date, evidence } => {
                (ORDER_ACTIONS[2], format!("{date} 完成:{evidence}"))
            }
            OrderAction::Refuse { reason } => (ORDER_ACTIONS[3], reason.trim().to_string()),
        };
        let w = RecordWrite::of(
            KIND_ORDER,
            &order.id,
            &order,
            Some(expected_version.unwrap_or(entry.version)),
            audit,
        )?
        .unit(&order.place)
        .state(order.state.code())
        .due(order.due())
        .note(note);
        let saved = self.db().put_records(&[w], login).await?;
        let version = saved
            .first()
            .map(|r| r.version)
            .unwrap_or(entry.version + 1);
        let mut outcome = OrderOutcome {
            order: self.dispatch_order_entry(order.clone(), version),
            reissued: None,
            unmet: None,
        };
        if order.state == OrderState::Refused {
            let only: HashSet<String> = std::iter::once(order.need.clone()).collect();
            let p = self.dispatch_whole_proposal(Some(&only)).await?;
            if let Some(pair) = p.pairs.first() {
                let mut next = self.dispatch_new_order(
                    self.dispatch_next_order_id().await?,
                    pair,
                    Some(order.id),
                );
                next.demo = order.demo;
                let v = self.dispatch_store_new_order(login, &next).await?;
                outcome.reissued = Some(self.dispatch_order_entry(next, v));
            } else {
                outcome.unmet = p.unmatched.into_iter().next();
            }
        }
        Ok(outcome)
    }

    /// Per provider: orders by state, overdue, mean response hours (over the orders
    /// `login` may see).
    pub async fn assist_providers(&self, login: &str) -> Result<Vec<ProviderSummary>> {
        let orders: Vec<Order> = self
            .assist_orders(login, None, None)
            .await?
            .into_iter()
            .map(|e| e.order)
            .collect();
        Ok(provider_summaries(&orders, self.today()))
    }
}
