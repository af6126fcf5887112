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

/// At most this many evidence files per order.
pub const EVIDENCE_MAX_FILES: usize = 3;
/// Each evidence file at most this many bytes (5 MB).
pub const EVIDENCE_MAX_BYTES: usize = 5 * 1024 * 1024;

/// The type of an evidence file judged by its content (never by the name or what the
/// browser said): a photo (JPEG, PNG) or a PDF; `None` for anything else.
pub fn evidence_mime(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// Every problem of the evidence files (name, bytes), each naming the file; the files to
/// keep and their references when there is none.
fn evidence_files(
    files: Vec<(String, Vec<u8>)>,
) -> std::result::Result<
    (
        Vec<youxiang_store::NewAttachment>,
        Vec<youxiang_core::manage::AttachmentRef>,
    ),
    Vec<String>,
> {
    let mut problems = Vec::new();
    if files.len() > EVIDENCE_MAX_FILES {
        problems.push(format!(
            "证明材料(file):最多{EVIDENCE_MAX_FILES}个文件,收到{}个",
            files.len()
        ));
    }
    let mut kept = Vec::new();
    let mut refs = Vec::new();
    for (name, bytes) in files {
        let name = name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(&name)
            .trim()
            .replace('\0', "");
        let name = if name.is_empty() {
            "证明材料".to_string()
        } else {
            name
        };
        if name.len() > 255 {
            problems.push("证明材料(file):文件名过长(最长255字节)".to_string());
            continue;
        }
        if bytes.len() > EVIDENCE_MAX_BYTES {
            problems.push(format!(
                "证明材料(file):“{name}”有{:.1} MB,超过每个文件{} MB的上限",
                bytes.len() as f64 / 1024.0 / 1024.0,
                EVIDENCE_MAX_BYTES / 1024 / 1024
            ));
            continue;
        }
        let Some(mime) = evidence_mime(&bytes) else {
            problems.push(format!(
                "证明材料(file):“{name}”不是照片或PDF(只收JPG、PNG照片和PDF文件)"
            ));
            continue;
        };
        let sha256 = youxiang_store::attachment_id(&bytes);
        refs.push(youxiang_core::manage::AttachmentRef {
            id: sha256.clone(),
            name: name.clone(),
            size: bytes.len() as u64,
            sha256,
        });
        kept.push(youxiang_store::NewAttachment {
            name,
            mime: mime.to_string(),
            bytes,
        });
    }
    if problems.is_empty() {
        Ok((kept, refs))
    } else {
        Err(problems)
    }
}

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

    /// The proposal: needs with an open or done order are left out; refused pairs
    /// excluded; open orders hold their capacity. For a reader who sees the whole district
    /// (`for_who` `None`, or the office and the 民政 department) every household and every
    /// resource; for a town's or a village's worker only the households in its places and
    /// only the resources it sees ([`App::resource_visible`]: its own and the district's,
    /// never another town's).
    async fn dispatch_whole_proposal(
        &self,
        only: Option<&HashSet<String>>,
        for_who: Option<&youxiang_core::scope::Reporter>,
    ) -> Result<Proposal> {
        let tree = Arc::clone(&self.read().tree);
        let local = for_who.filter(|w| !youxiang_core::assist::rights::may_set_rules(w));
        let households: Vec<Household> = self
            .stored_households()
            .await?
            .into_iter()
            .map(|(e, _)| e.household)
            .filter(|h| local.is_none_or(|w| Self::in_scope(w, &tree, &h.place)))
            .collect();
        let resources: Vec<AssistResource> = self
            .assist_stored_resources()
            .await?
            .into_iter()
            .map(|e| e.resource)
            .filter(|r| local.is_none_or(|w| Self::resource_visible(w, &tree, &r.place)))
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
        let mut p = self.dispatch_whole_proposal(None, Some(&who)).await?;
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
            files: Vec::new(),
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
        self.act_on_assist_order_with_files(login, id, action, expected_version, Vec::new())
            .await
    }

    /// [`App::act_on_assist_order`] with evidence files (name, bytes) for a done order:
    /// photos (JPEG, PNG) or PDF judged by their content, at most
    /// [`EVIDENCE_MAX_FILES`], each at most [`EVIDENCE_MAX_BYTES`]; kept with the order in
    /// one transaction (the store's attachments, audited).
    pub async fn act_on_assist_order_with_files(
        &self,
        login: &str,
        id: &str,
        action: OrderAction,
        expected_version: Option<i64>,
        files: Vec<(String, Vec<u8>)>,
    ) -> Result<OrderOutcome> {
        let entry = self.assist_order(login, id).await?;
        let who = self.register_user(login)?;
        let mut order = entry.order;
        let mut problems = Vec::new();
        if !files.is_empty() && !matches!(action, OrderAction::Done { .. }) {
            problems.push("证明材料(file):只有登记完成时可以附文件".to_string());
        }
        if let Err(e) = order.apply(&action, self.dispatch_dispatch_now()) {
            problems.push(e.to_string());
        }
        let (kept, refs) = match evidence_files(files) {
            Ok(f) => f,
            Err(p) => {
                problems.extend(p);
                (Vec::new(), Vec::new())
            }
        };
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        order.files.extend(refs);
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
        let saved = self.db().put_records_with_files(&[w], &kept, login).await?;
        let version = saved
            .first()
            .map(|r| r.version)
            .unwrap_or(entry.version + 1);
        if order.state == OrderState::Done {
            // The service received shows on the household's 幸福清单 of that period.
            self.happiness_note_done_order(login, &order).await;
        }
        let mut outcome = OrderOutcome {
            order: self.dispatch_order_entry(order.clone(), version),
            reissued: None,
            unmet: None,
        };
        if order.state == OrderState::Refused {
            let only: HashSet<String> = std::iter::once(order.need.clone()).collect();
            let p = self
                .dispatch_whole_proposal(Some(&only), Some(&who))
                .await?;
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

    /// An evidence file of an order `login` may see: its name, type and bytes (not found
    /// otherwise).
    pub async fn assist_order_file(
        &self,
        login: &str,
        id: &str,
        sha256: &str,
    ) -> Result<(String, String, Vec<u8>)> {
        let entry = self.assist_order(login, id).await?;
        let not_found = || AppError::NotFound(format!("派单“{id}”没有文件“{sha256}”"));
        let file = entry
            .order
            .files
            .iter()
            .find(|f| f.sha256.eq_ignore_ascii_case(sha256))
            .ok_or_else(not_found)?;
        let (meta, bytes) = self
            .db()
            .get_attachment(&file.sha256)
            .await?
            .ok_or_else(not_found)?;
        Ok((file.name.clone(), meta.mime, bytes))
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
