//! The audit trail: `GET /api/v1/audit` and the page `/audit` (the office, the
//! administrator and the auditor only), newest first, filtered by place, indicator, actor,
//! action and time; each row says where it came from (the web or the command line).

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use youxiang_app::AuditFilter;

use crate::Shared;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, PageUser};
use crate::layout::{PageResult, TablePage, render};
use crate::text::{code_of, num, parse_time, person};
use youxiang_app::AuditEntry;
use youxiang_core::china_time::show_minute;
use youxiang_core::manage::supervise::ActionKind;
use youxiang_core::period::Period;

#[derive(OpenApi)]
#[openapi(paths(audit), components(schemas(AuditOut)))]
pub struct AuditDoc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/audit", get(audit))
        .route("/audit", get(audit_html))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub place: Option<String>,
    pub indicator: Option<String>,
    pub actor: Option<String>,
    /// `value.write`, `value.approve`, `user.password`, …
    pub action: Option<String>,
    /// From this time on (`2025-06-01T08:00:00Z`, or `2025-06-01`, UTC).
    #[param(format = DateTime)]
    pub since: Option<String>,
    /// Before this time.
    #[param(format = DateTime)]
    pub until: Option<String>,
    /// At most this many rows, newest first (100; at most 1,000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditOut {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub place: Option<String>,
    pub indicator: Option<String>,
    pub period: Option<String>,
    pub old: Option<String>,
    pub new: Option<String>,
    pub reason: Option<String>,
    pub hash: String,
    /// Where the action came from: `cli:<os-user>@<host>` for the command line (the
    /// operating-system user who ran it); null for the web (the signed-in user) and for rows
    /// written before origins were recorded.
    #[schema(example = "cli:root@host")]
    pub origin: Option<String>,
}

pub fn audit_filter(q: &AuditQuery) -> ApiResult<AuditFilter> {
    Ok(AuditFilter {
        place: q.place.clone(),
        indicator: q.indicator.clone(),
        actor: q.actor.clone(),
        action: q.action.clone(),
        entity: None,
        since: q
            .since
            .as_deref()
            .map(|t| parse_time(t, "since"))
            .transpose()?,
        until: q
            .until
            .as_deref()
            .map(|t| parse_time(t, "until"))
            .transpose()?,
        limit: Some(match q.limit {
            None => 100,
            Some(n @ 1..=1000) => n as usize,
            Some(n) => return Err(ApiError::invalid(format!("limit {n} 应在 1 到 1000 之间"))),
        }),
    })
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses(
        (status = 200, description = "审计记录,新的在前(仅工作专班与管理员)", body = Vec<AuditOut>),
        (status = 401, description = "未登录", body = ErrorBody),
        (status = 403, description = "无权查看", body = ErrorBody),
        (status = 422, description = "参数无效", body = ErrorBody),
    ))]
async fn audit(
    State(web): State<Shared>,
    who: Authed,
    q: Result<ApiQuery<AuditQuery>, ApiError>,
) -> ApiResult<Json<Vec<AuditOut>>> {
    if !who.user.role.can_read_audit() {
        return Err(ApiError::Forbidden(vec![format!(
            "{}({})无权查看审计记录",
            who.user.name,
            who.user.role.label_zh()
        )]));
    }
    // The query is read after the right to read the audit is checked.
    let ApiQuery(q) = q?;
    let filter = audit_filter(&q)?;
    let rows = web.app.audit_query(&filter).await?;
    Ok(Json(
        rows.into_iter()
            .map(|e| AuditOut {
                seq: e.seq,
                at: e.at.format("%Y-%m-%dT%H:%M:%S").to_string(),
                actor: e.actor,
                action: e.action,
                entity: e.entity,
                place: e.place,
                indicator: e.indicator,
                period: e.period,
                old: e.old,
                new: e.new,
                reason: e.reason,
                hash: e.hash,
                origin: e.origin,
            })
            .collect(),
    ))
}

// ---------------------------------------------------------------------------------------
// The page

/// Every action the audit trail records: its code (what the API and the filter take), and
/// what it means in Chinese and in English. An order's steps not listed here are named by
/// the supervision rules themselves (`order.<step>`, [`ActionKind`]).
const ACTIONS: &[(&str, &str, &str)] = &[
    ("value.write", "填报数值", "value written"),
    ("value.delete", "删除数值", "value deleted"),
    ("value.submit", "提交审核", "value submitted"),
    ("value.approve", "审核通过", "value approved"),
    ("value.reject", "退回数值", "value sent back"),
    ("value.reopen", "重新打开", "value reopened"),
    ("value.quarantine", "隔离方案外数据", "value quarantined"),
    (
        "value.compute",
        "系统计算数值",
        "value computed by the system",
    ),
    ("plan.save", "保存方案", "plan saved"),
    ("places.save", "保存地点", "places saved"),
    ("reporters.save", "保存用户", "users saved"),
    ("user.password", "设置密码", "password set"),
    ("user.disable", "停用用户", "user disabled"),
    ("user.enable", "启用用户", "user enabled"),
    ("attachment.upload", "上传附件", "attachment uploaded"),
    ("weekly.file", "报送周计划", "weekly plan filed"),
    ("work.save", "保存任务或项目", "task or project saved"),
    ("project.save", "保存重大项目", "major project saved"),
    (
        "livelihood.save",
        "保存民生实事",
        "livelihood project saved",
    ),
    ("unit.add", "登记单位", "unit registered"),
    ("unit.edit", "修改单位信息", "unit changed"),
    ("survey_form.add", "导入调查问卷", "questionnaire imported"),
    ("survey_form.edit", "更新调查问卷", "questionnaire updated"),
    ("survey_round.open", "开启调查轮次", "survey round opened"),
    ("survey_round.close", "结束调查轮次", "survey round closed"),
    (
        "survey_token.issue",
        "发放调查邀请码",
        "survey invitation issued",
    ),
    (
        "survey_token.use",
        "使用调查邀请码",
        "survey invitation used",
    ),
    (
        "survey_response.add",
        "收到调查答卷",
        "survey answer received",
    ),
    (
        "survey_pending.add",
        "收到调查答卷(待汇总)",
        "survey answer held for a batch",
    ),
    (
        "survey_batch.release",
        "汇总调查答卷",
        "survey answers released in a batch",
    ),
    (
        "survey_fieldwork.edit",
        "设置调查公开链接",
        "survey open link set",
    ),
    (
        "survey_answers.import",
        "导入调查答卷",
        "survey answers imported",
    ),
    (
        "survey.categories",
        "修改需求分类",
        "demand categories changed",
    ),
    (
        "survey_results.publish",
        "发布调查结果",
        "survey results published",
    ),
    ("facility.add", "登记设施", "facility registered"),
    (
        "assist.household.add",
        "登记困难家庭",
        "household registered",
    ),
    (
        "assist.household.edit",
        "修改困难家庭信息",
        "household changed",
    ),
    (
        "assist.household.status",
        "变更救助状态",
        "household status changed",
    ),
    (
        "assist.reveal",
        "查看完整个人信息",
        "personal data viewed whole",
    ),
    (
        "assist.export",
        "导出完整个人信息",
        "personal data exported whole",
    ),
    (
        "assist.rekey",
        "更换加密密钥",
        "personal data sealed under a new key",
    ),
    (
        "assist.standard",
        "调整低保标准",
        "allowance standard changed",
    ),
    (
        "assist.rules",
        "修改救助资格规则",
        "eligibility rules changed",
    ),
    (
        "assist.list.generate",
        "生成幸福清单",
        "happiness list generated",
    ),
    (
        "assist.list.receipt",
        "登记幸福清单已收到事项",
        "happiness list receipt recorded",
    ),
    (
        "assist.list.deliver",
        "登记幸福清单送达",
        "happiness list delivered",
    ),
    ("assist.visit.record", "记录探访", "care visit recorded"),
    ("assist.visit.plan", "修改探访计划", "visit plan changed"),
    ("assist.flag.raise", "发出监测预警", "flag raised"),
    ("assist.flag.handle", "处理监测预警", "flag handled"),
    (
        "assist.flag.rules",
        "修改监测预警规则",
        "flag rules changed",
    ),
    (
        "assist.declare",
        "登记收入与医疗支出",
        "income and medical costs declared",
    ),
    (
        "assist.resource.add",
        "登记帮扶资源",
        "assistance resource added",
    ),
    (
        "assist.resource.edit",
        "修改帮扶资源",
        "assistance resource changed",
    ),
    (
        "assist.venture.add",
        "登记公益创投项目",
        "charity venture project added",
    ),
    (
        "assist.venture.edit",
        "修改公益创投项目",
        "charity venture project changed",
    ),
    ("assist.order.issue", "公益派单", "assistance order issued"),
    (
        "assist.order.accept",
        "登记接单",
        "assistance order accepted",
    ),
    ("assist.order.done", "登记派单完成", "assistance order done"),
    (
        "assist.order.refuse",
        "登记拒单",
        "assistance order refused",
    ),
    ("catalogue.save", "载入服务清单", "service catalogue loaded"),
    (
        "compliance.report",
        "填报服务达标",
        "service compliance reported",
    ),
    (
        "config.compliance",
        "修改服务达标设置",
        "compliance settings changed",
    ),
    ("facility.edit", "修改设施", "facility changed"),
    ("walk_network.load", "载入路网", "walking network loaded"),
    (
        "population_grid.load",
        "载入人口格网",
        "population grid loaded",
    ),
    (
        "circle.compute",
        "计算15分钟公共服务圈",
        "15-minute circle computed",
    ),
    (
        "circle_config.set",
        "设置15分钟公共服务圈",
        "15-minute circle configured",
    ),
    (
        "circle_publication.publish",
        "发布15分钟公共服务圈",
        "15-minute circle published",
    ),
    (
        "circle_publication.correct",
        "更正重新发布15分钟公共服务圈",
        "15-minute circle republished with a correction",
    ),
    (
        "server_secret.create",
        "生成服务器密钥",
        "server secret created",
    ),
    ("measures.add", "填报细化措施", "measures entered"),
    ("measures.edit", "修改细化措施", "measures changed"),
    (
        "measures.deadline.set",
        "设定细化措施截止日期",
        "measures deadline set",
    ),
    (
        "measures.deadline.edit",
        "修改细化措施截止日期",
        "measures deadline changed",
    ),
    ("publication.publish", "发布数据", "figures published"),
    (
        "exchange.dhis2_mapping",
        "修改 DHIS2 交换映射",
        "DHIS2 mapping changed",
    ),
    (
        "publication.correct",
        "更正重新发布数据",
        "published figures corrected",
    ),
    ("order.raise", "立项督办", "order raised"),
    ("notice.send", "发送消息", "message sent"),
    ("notice.read", "消息已读", "message read"),
    (
        "lag_note.save",
        "填写原因和措施",
        "cause and measures saved",
    ),
    ("ranking.publish", "发布月排名", "ranking published"),
    ("assess.publish", "发布考核评价", "assessment published"),
    ("assess.scheme", "修改考核方案", "assessment scheme changed"),
    (
        "config.manage",
        "修改管理设置",
        "management settings changed",
    ),
    ("config.demo", "载入演示数据", "demo data loaded"),
    ("boundary.import", "导入边界", "boundary imported"),
    ("target.propose", "提出目标分解", "target split proposed"),
    ("target.approve", "批准目标分解", "target split approved"),
    ("target.return", "退回目标分解", "target split returned"),
    (
        "target.supersede",
        "目标分解被替代",
        "target split superseded",
    ),
];

/// What an audit row's action code means, in the page's language; the code itself only for
/// an action nobody has named yet.
fn action_label(code: &str, en: bool) -> String {
    if let Some((_, zh, en_label)) = ACTIONS.iter().find(|(c, _, _)| *c == code) {
        return if en { en_label } else { zh }.to_string();
    }
    let step = code
        .strip_prefix("order.")
        .and_then(|step| ActionKind::ALL.into_iter().find(|k| code_of(k) == step));
    match (step, en) {
        (Some(k), false) => format!("督办{}", k.label_zh()),
        (Some(k), true) => format!("order: {}", k.label_en()),
        _ => code.to_string(),
    }
}

/// The action code a filter field names: a code, or its Chinese or English label.
fn action_code(text: &str) -> String {
    let t = text.trim();
    ACTIONS
        .iter()
        .find(|(c, zh, en)| *c == t || *zh == t || en.eq_ignore_ascii_case(t))
        .map(|(c, _, _)| c.to_string())
        .or_else(|| {
            ActionKind::ALL
                .into_iter()
                .find(|k| t == format!("督办{}", k.label_zh()) || t == k.label_zh())
                .map(|k| format!("order.{}", code_of(&k)))
        })
        .unwrap_or_else(|| t.to_string())
}

/// The names of the fields of the stored states (values, management records, users, the
/// plan), `(name, Chinese, English)`; a nested field is looked up by its full path first
/// (`source.kind`), then by its last name.
const FIELDS: &[(&str, &str, &str)] = &[
    ("facility_type", "设施类型", "facility type"),
    ("data_set", "数据集", "data set"),
    ("data_element", "数据元素", "data elements"),
    (
        "category_option_combo",
        "类别选项组合",
        "category option combos",
    ),
    ("org_unit", "组织机构", "org units"),
    ("uid", "标识", "UID"),
    ("location.lon", "经度", "longitude"),
    ("location.lat", "纬度", "latitude"),
    ("capacity.amount", "容量", "capacity"),
    ("capacity.unit", "容量单位", "capacity unit"),
    ("opened", "启用日期", "opened"),
    ("closed", "关闭日期", "closed"),
    ("value", "数值", "value"),
    ("state", "状态", "state"),
    ("status", "状态", "state"),
    ("reporter", "填报人", "reported by"),
    ("reported_at", "填报时间", "reported at"),
    ("comment", "备注", "comment"),
    ("component", "分项", "component"),
    ("indicator", "指标", "indicator"),
    ("place", "地点", "place"),
    ("parent", "上级地点", "parent place"),
    ("period", "期间", "period"),
    ("year", "年度", "year"),
    ("week", "周", "week"),
    ("unit", "单位", "unit"),
    ("due", "期限", "due"),
    ("deadline", "办理期限", "deadline"),
    ("title", "名称", "title"),
    ("name", "名称", "name"),
    ("body", "内容", "text"),
    ("text", "内容", "text"),
    ("note", "说明", "note"),
    ("kind", "类别", "kind"),
    ("code", "编号", "code"),
    ("domain", "领域", "domain"),
    ("lead_unit", "牵头单位", "lead unit"),
    ("partner_units", "配合单位", "partner units"),
    ("measures", "工作举措", "measures"),
    ("measure", "措施", "measures"),
    ("cause", "原因", "cause"),
    ("milestones", "里程碑", "milestones"),
    ("updates", "进展", "updates"),
    ("investment", "投资", "investment"),
    (
        "total_investment_yi_yuan",
        "总投资(亿元)",
        "total investment (100 million yuan)",
    ),
    ("events", "办理记录", "timeline"),
    ("extensions", "延期申请", "extensions"),
    ("checklist", "审结核查", "closing review"),
    ("closed_at", "办结时间", "closed at"),
    ("source", "来源", "source"),
    ("source.kind", "来源", "source"),
    ("source.indicator", "来源指标", "source indicator"),
    ("source.place", "来源地点", "source place"),
    ("source.period", "来源期间", "source period"),
    ("source.unit", "来源单位", "source unit"),
    ("source.months", "连续月数", "months running"),
    ("at", "时间", "at"),
    ("by", "填写人", "by"),
    ("filed_at", "报送时间", "filed at"),
    ("filed_by", "报送人", "filed by"),
    ("items", "事项", "items"),
    ("login", "用户", "user"),
    ("email", "邮件", "e-mail"),
    ("link", "链接", "link"),
    ("read_at", "阅读时间", "read at"),
    ("must_change", "须修改密码", "must change password"),
    ("password", "密码", "password"),
    ("changes", "变更的用户", "users changed"),
    ("logins", "用户", "users"),
    ("reporters", "用户数", "users"),
    ("inserted", "新增", "added"),
    ("updated", "更新", "updated"),
    ("unchanged", "未变", "unchanged"),
    ("places", "地点数", "places"),
    ("sha256", "校验值", "checksum"),
    ("version", "版本", "version"),
    ("approximate", "示意边界", "approximate"),
    ("licence", "许可", "licence"),
    ("polygons", "边界多边形", "polygons"),
    ("as_of", "演示日期", "demo date"),
    ("label", "说明", "label"),
    ("rule", "分解方式", "rule"),
    ("parts", "各部分", "parts"),
    ("whole", "总目标", "whole"),
    ("sum", "各部分合计", "sum of the parts"),
    ("warning", "提示", "warning"),
    ("proposed_by", "提出人", "proposed by"),
    ("decided_by", "审定人", "decided by"),
    ("decision_note", "审定意见", "decision note"),
    (
        "auto_bottom_rank",
        "排名靠后自动督办",
        "orders for the bottom of the ranking",
    ),
    (
        "auto_order_days",
        "自动督办期限(天)",
        "automatic orders' days",
    ),
    ("auto_red_light", "红灯自动督办", "orders for red lights"),
    ("escalation.levels", "逾期升级", "escalation levels"),
    (
        "escalation.remind_days_before",
        "到期前提醒(天)",
        "reminders (days before)",
    ),
    ("rank.bottom_n", "标记后几位", "bottom flagged"),
    (
        "rank.bottom_n_from",
        "标记后几位的最少单位数",
        "bottom flagged from",
    ),
    ("rank.cap", "单项得分上限", "score cap"),
    ("rank.consecutive_months", "连续月数", "months running"),
    ("rank.domain_weights", "领域权重", "domain weights"),
    ("rank.missing_share", "缺报比例", "missing share"),
    (
        "rank.small_group_bottom_n",
        "小组标记后几位",
        "bottom flagged in small groups",
    ),
    ("rank.terms", "附加项", "extra terms"),
    ("rank.tie_decimals", "并列比较的小数位", "tie decimals"),
    ("month", "月份", "month"),
    ("rows", "名次", "rows"),
    ("published_at", "发布时间", "published at"),
    ("published_by", "发布人", "published by"),
    ("published_on", "发布日期", "published on"),
    ("categories", "需求分类", "categories"),
    ("keywords", "关键词", "keywords"),
    ("name_en", "英文名称", "English name"),
    ("cells", "指数单元格", "index cells"),
    ("round", "调查轮次", "survey round"),
    ("stratum", "镇(街道)", "stratum"),
    ("mode", "答卷方式", "mode"),
    ("commitment", "内容承诺值(加盐摘要)", "salted digest"),
    ("count", "份数", "count"),
    ("received_on", "收到日期", "received on"),
    ("issued_on", "发放日期", "issued on"),
    ("list", "批次", "issue"),
    ("open_link", "公开链接", "open link"),
    ("values", "答案", "answers"),
    ("district", "全区", "district"),
    ("form_id", "问卷", "questionnaire"),
    ("catalogue", "服务清单", "service catalogue"),
    ("gap_orders", "未达标自动督办", "orders for gaps"),
    ("order_days", "督办期限(天)", "orders' days"),
    ("met", "是否达标", "met"),
    ("evidence", "佐证", "evidence"),
    ("reported_by", "填报人", "reported by"),
    ("item", "服务项目", "service item"),
    ("reported_at", "填报时间", "reported at"),
    ("income_year", "家庭年收入(元)", "household income (yuan)"),
    ("assets", "家庭金融资产(元)", "financial assets (yuan)"),
    ("needs", "需求", "needs"),
    ("history", "状态记录", "status history"),
    ("members", "家庭成员", "members"),
    ("personal.members", "家庭成员(脱敏)", "members (masked)"),
    ("personal.address", "详细地址(脱敏)", "address (masked)"),
    ("consent.date", "授权同意日期", "consent date"),
    ("consent.scope", "授权同意范围", "consent scope"),
    ("consent.how", "授权同意方式", "consent given by"),
    ("demo", "演示数据", "demo data"),
    ("household", "困难家庭", "household"),
    ("what", "查看内容", "what was seen"),
    ("standards", "低保标准", "allowance standards"),
    ("toml", "规则文本", "rules text"),
    ("generated_on", "生成日期", "generated on"),
    ("head_masked", "户主(脱敏)", "head (masked)"),
    ("standard", "适用标准", "standard applied"),
    ("entitlements", "应享受的救助和服务", "entitled to"),
    ("receipts", "已收到的待遇和服务", "received"),
    ("delivery", "送达情况", "delivery"),
    ("delivery.channel", "送达方式", "delivery channel"),
    ("delivery.date", "送达日期", "delivery date"),
    ("delivery.confirmation", "确认方式", "confirmation"),
    ("delivery.note", "送达情况说明", "delivery note"),
    ("delivery.by", "登记人", "recorded by"),
    // 探访关爱 and 监测预警 (assist_visit, assist_flag, assist_declared, the plan and rules).
    ("id", "编号", "id"),
    ("date", "日期", "date"),
    ("visitor", "探访人", "visitor"),
    ("findings", "探访情况", "findings"),
    ("needs_found", "发现的需求", "needs found"),
    ("follow_up", "后续跟进", "follow-up"),
    ("trigger", "触发日期", "triggered on"),
    ("detail", "预警情况", "detail"),
    ("raised", "预警日期", "raised on"),
    ("assignee", "责任人", "assigned to"),
    ("outcome", "处理结果", "outcome"),
    ("handled_by", "处理人", "handled by"),
    ("handled_on", "处理日期", "handled on"),
    ("category", "困难类别", "category"),
    ("frequency", "探访频次", "visit frequency"),
    ("declarations", "收入申报记录", "declarations"),
    (
        "medical_year",
        "近12个月医疗支出(元)",
        "medical costs, 12 months (yuan)",
    ),
    ("medical", "医疗支出记录", "medical costs"),
    ("amount", "金额(元)", "amount (yuan)"),
    ("recorded", "登记日期", "recorded on"),
    (
        "income_drop_pct",
        "收入下降预警比例(%)",
        "income drop threshold (%)",
    ),
    (
        "medical_yuan",
        "医疗支出预警金额(元)",
        "medical cost threshold (yuan)",
    ),
    (
        "missed_visit_days",
        "漏访预警天数(天)",
        "missed visit after (days)",
    ),
    ("review_months", "复核周期(月)", "review period (months)"),
    (
        "expiry_warn_days",
        "到期复核提前天数(天)",
        "review warning (days)",
    ),
    ("handle_days", "预警处理期限(天)", "days to handle a flag"),
    // 帮扶资源, 公益创投项目 and 派单 (assist_resource, assist_venture, assist_order).
    ("service", "服务类型", "service"),
    ("lon", "经度(度)", "longitude (°)"),
    ("lat", "纬度(度)", "latitude (°)"),
    ("radius_m", "服务半径(米)", "service radius (m)"),
    ("capacity", "每期容量(户次)", "capacity per period"),
    ("active", "在用", "active"),
    ("organisation", "实施机构", "organisation"),
    ("need", "需求", "need"),
    ("resource", "帮扶资源", "resource"),
    ("resource_name", "提供方", "provider"),
    ("distance_m", "距离(米)", "distance (m)"),
    ("reason", "匹配理由", "why matched"),
    ("issued_at", "派单时间", "issued at"),
    ("responded_at", "响应时间", "answered at"),
    ("done_on", "完成日期", "done on"),
    ("refuse_reason", "拒绝原因", "refusal reason"),
    ("replaces", "替代的派单", "replaces order"),
];

/// Fields that name who did something: shown as the person's name.
const PERSON_FIELDS: &[&str] = &[
    "reporter",
    "by",
    "actor",
    "filed_by",
    "created_by",
    "proposed_by",
    "decided_by",
    "published_by",
    "reported_by",
    "login",
    "logins",
    "handled_by",
    "assignee",
];

/// What a stored state's field is called; `其他` for a field nobody has named yet (never
/// the internal name on a Chinese page).
fn field_label(path: &str, en: bool) -> String {
    let last = path.rsplit('.').next().unwrap_or(path);
    let found = FIELDS
        .iter()
        .find(|(k, _, _)| *k == path)
        .or_else(|| FIELDS.iter().find(|(k, _, _)| *k == last));
    match (found, en) {
        (Some((_, zh, _)), false) => zh.to_string(),
        (Some((_, _, e)), true) => e.to_string(),
        (None, false) => "其他".into(),
        (None, true) => path.to_string(),
    }
}

/// A closed set's code (`in_progress`, `draft`, `red_light` …) in words, by the labels the
/// domain gives it; `prefer` is the action's family (`value`, `order`, `target`), which
/// decides between sets that share a code (`approved`).
fn code_label(code: &str, prefer: &str, en: bool) -> Option<String> {
    fn of<T: serde::de::DeserializeOwned>(
        code: &str,
        zh: fn(T) -> &'static str,
        en_label: fn(T) -> &'static str,
        en: bool,
    ) -> Option<String> {
        let v: T = serde_json::from_value(serde_json::Value::String(code.to_string())).ok()?;
        Some(if en { en_label(v) } else { zh(v) }.to_string())
    }
    use youxiang_core::decompose::{SplitRule, SplitState};
    use youxiang_core::manage::work::WorkKind;
    use youxiang_core::manage::{OrderState, RankBy, ReviewCheck, TermKind, WeekItemStatus};
    use youxiang_core::value::ValueState;
    let value_state =
        || ValueState::parse(code).map(|s| if en { s.as_str() } else { s.label_zh() }.to_string());
    let split_state = || of::<SplitState>(code, SplitState::label_zh, SplitState::label_en, en);
    let preferred = match prefer {
        "value" => value_state(),
        "target" => split_state(),
        f if f.starts_with("survey") => {
            survey_code(code, matches!(f, "survey_response" | "survey_batch"), en)
        }
        _ => None,
    };
    preferred
        .or_else(|| of::<OrderState>(code, OrderState::label_zh, OrderState::label_en, en))
        .or_else(|| of::<ActionKind>(code, |k| k.label_zh(), |k| k.label_en(), en))
        .or_else(|| of::<ReviewCheck>(code, ReviewCheck::label_zh, ReviewCheck::label_en, en))
        .or_else(|| {
            of::<WeekItemStatus>(code, WeekItemStatus::label_zh, WeekItemStatus::label_en, en)
        })
        .or_else(value_state)
        .or_else(split_state)
        .or_else(|| of::<SplitRule>(code, SplitRule::label_zh, SplitRule::label_en, en))
        .or_else(|| of::<WorkKind>(code, WorkKind::label_zh, WorkKind::label_en, en))
        .or_else(|| of::<TermKind>(code, TermKind::label_zh, TermKind::label_en, en))
        .or_else(|| of::<RankBy>(code, RankBy::label_zh, RankBy::label_en, en))
        .or_else(|| {
            use youxiang_core::manage::projects::ProjectStatus;
            of::<ProjectStatus>(code, ProjectStatus::label_zh, ProjectStatus::label_en, en)
        })
        .or_else(|| {
            use youxiang_core::facilities::{CapacityUnit, FacilityStatus, FacilityType};
            of::<FacilityType>(code, FacilityType::label_zh, FacilityType::label_en, en)
                .or_else(|| {
                    of::<CapacityUnit>(code, CapacityUnit::label_zh, CapacityUnit::label_en, en)
                })
                .or_else(|| {
                    of::<FacilityStatus>(
                        code,
                        FacilityStatus::label_zh,
                        FacilityStatus::label_en,
                        en,
                    )
                })
        })
        .or_else(|| {
            use youxiang_core::assist::register::{Category, HouseholdStatus};
            of::<Category>(code, Category::label_zh, Category::label_en, en).or_else(|| {
                of::<HouseholdStatus>(
                    code,
                    HouseholdStatus::label_zh,
                    HouseholdStatus::label_en,
                    en,
                )
            })
        })
        .or_else(|| {
            // A published set's version (`v2`).
            let n: u32 = code.strip_prefix('v')?.parse().ok()?;
            Some(if en {
                format!("version {n}")
            } else {
                format!("第{n}版")
            })
        })
        .or_else(|| {
            let words = match code {
                "new_order" => ("新督办单", "new order"),
                "order_changed" => ("督办单进展", "order changed"),
                "deadline_soon" => ("即将到期", "deadline soon"),
                "overdue" => ("已逾期", "overdue"),
                "red_light" => ("红灯", "red light"),
                "rejected" => ("数据被退回", "sent back"),
                "manual" => ("专班交办", "raised by hand"),
                "bottom_rank" => ("排名靠后", "bottom of the ranking"),
                "compliance_gap" => ("服务未达标", "service item not met"),
                "met" => ("达标", "met"),
                "not_met" => ("未达标", "not met"),
                "unread" => ("未读", "unread"),
                "read" => ("已读", "read"),
                "changed" => ("已更改", "changed"),
                "numerator" => ("分子", "numerator"),
                "denominator" => ("分母", "denominator"),
                // A 民生实事 item's record state.
                "open" => ("推进中", "in progress"),
                // 探访关爱 and 监测预警: a visit's mode, a flag's state.
                "flag_open" => ("待处理", "open"),
                "flag_handled" => ("已处理", "handled"),
                "home" => ("入户", "home visit"),
                "phone" => ("电话", "phone call"),
                "video" => ("视频", "video call"),
                "done" => ("已完成", "done"),
                // 幸福清单: a list's state, its delivery's channel and confirmation.
                "pending" => ("待送达", "not yet delivered"),
                "delivered" => ("已送达", "delivered"),
                "refused" => ("拒收", "refused"),
                "visit" => ("上门送达", "by hand"),
                "post" => ("邮寄", "by post"),
                "sms" => ("短信", "text message"),
                "zlb" => ("浙里办", "Zheliban app"),
                "signed" => ("签收", "signed for"),
                "benefit" => ("救助待遇", "benefit"),
                "service" => ("帮扶服务", "service"),
                _ => return None,
            };
            Some(if en { words.1 } else { words.0 }.to_string())
        })
}

/// The survey's fieldwork codes: a token's and a round's states, an answer's mode.
fn survey_code(code: &str, answer: bool, en: bool) -> Option<String> {
    let words = match code {
        _ if answer => ("", ""),
        "unused" => ("未使用", "unused"),
        "used" => ("已使用", "used"),
        "open" => ("进行中", "open"),
        "closed" => ("已结束", "closed"),
        _ => ("", ""),
    };
    if words.0.is_empty() {
        let mode: youxiang_app::survey_fieldwork::AnswerMode =
            serde_json::from_value(serde_json::Value::String(code.to_string())).ok()?;
        return Some(if en { mode.label_en() } else { mode.label_zh() }.to_string());
    }
    Some(if en { words.1 } else { words.0 }.to_string())
}

/// What the page needs to put a stored state into words.
struct Words<'a> {
    en: bool,
    state: &'a youxiang_app::State,
    /// The action's family (`value` of `value.write`).
    family: &'a str,
    /// The unit of the row's indicator, for its numbers.
    unit: &'a str,
}

impl Words<'_> {
    fn place(&self, code: &str) -> String {
        self.state
            .tree
            .by_code(code)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| code.to_string())
    }

    fn period(&self, text: &str) -> String {
        match text.parse::<Period>() {
            Ok(p) if !self.en => p.label_zh(),
            _ => text.to_string(),
        }
    }

    /// A stored field's value in words: names for people and places, Beijing time for
    /// the stored UTC times, labels for codes, 是/否, numbers with the row's unit.
    fn value(&self, path: &str, v: &serde_json::Value) -> String {
        use serde_json::Value;
        let last = path.rsplit('.').next().unwrap_or(path);
        match v {
            Value::Null => "—".into(),
            Value::Bool(b) => match (b, self.en) {
                (true, false) => "是",
                (false, false) => "否",
                (true, true) => "yes",
                (false, true) => "no",
            }
            .into(),
            Value::Number(n) => {
                let unit = match last {
                    "value" => self.unit,
                    "count" if self.family == "survey_batch" && !self.en => "份",
                    _ => "",
                };
                num(n.as_f64(), unit)
            }
            Value::String(s) => self.text(last, s),
            Value::Array(items) => {
                if items.iter().all(|i| !(i.is_array() || i.is_object())) {
                    let shown: Vec<String> = items.iter().map(|i| self.value(path, i)).collect();
                    if shown.is_empty() {
                        "—".into()
                    } else {
                        cut(&shown.join("、"))
                    }
                } else if self.en {
                    format!("{} item(s)", items.len())
                } else {
                    format!("{} 项", items.len())
                }
            }
            Value::Object(m) => {
                if self.en {
                    format!("{} field(s)", m.len())
                } else {
                    format!("{} 项", m.len())
                }
            }
        }
    }

    fn text(&self, field: &str, s: &str) -> String {
        // A message's envelope names its addressee in the unit field.
        if self.family == "assess"
            && field == "by"
            && let Some(label) = code_label(s, "", self.en)
        {
            return label;
        }
        // A message's envelope, and a view of personal data, name a user in the unit field.
        if PERSON_FIELDS.contains(&field)
            || (self.family == "notice" && field == "unit")
            || (self.family == "assist" && field == "unit" && self.state.reporter(s).is_some())
        {
            return person(self.state, s, self.en);
        }
        if field == "domain"
            && let Some(d) = self.state.plan.domains.iter().find(|d| d.code == s)
        {
            return if self.en && !d.name_en.is_empty() {
                d.name_en.clone()
            } else {
                d.name.clone()
            };
        }
        if matches!(field, "place" | "parent")
            || (field == "stratum" && self.family.starts_with("survey"))
        {
            return self.place(s);
        }
        if matches!(field, "period" | "week") {
            return self.period(s);
        }
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
            return show_minute(t);
        }
        if s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && let Some(label) = code_label(s, self.family, self.en)
        {
            return label;
        }
        cut(s)
    }
}

/// A long text (an order's matter, a task's measures, a list of 33 users) cut to a line of
/// the table: the API has it whole.
fn cut(s: &str) -> String {
    const LONG: usize = 80;
    if s.chars().count() > LONG {
        let head: String = s.chars().take(LONG).collect();
        format!("{head}…")
    } else {
        s.to_string()
    }
}

/// The fields of a stored state, flattened to `path → value`: a management record's body
/// merged with its envelope (the body's fields win), nested objects by dotted paths, lists
/// kept whole. Text that is not a JSON object is one field, `value`.
fn fields(json: Option<&str>) -> std::collections::BTreeMap<String, serde_json::Value> {
    use serde_json::Value;
    fn walk(prefix: &str, v: &Value, out: &mut std::collections::BTreeMap<String, Value>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    if k == "$record" {
                        continue;
                    }
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&path, v, out);
                }
            }
            other => {
                out.insert(prefix.to_string(), other.clone());
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    let Some(text) = json else { return out };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(mut m)) => {
            let record = m.contains_key("$record");
            let body = if record { m.remove("body") } else { None };
            walk("", &Value::Object(m), &mut out);
            match body {
                Some(b @ Value::Object(_)) => walk("", &b, &mut out),
                Some(other) => {
                    out.insert("body".into(), other);
                }
                None => {}
            }
        }
        Ok(other) => {
            out.insert("value".into(), other);
        }
        Err(_) => {
            out.insert("value".into(), Value::String(text.to_string()));
        }
    }
    out
}

/// At most this many changes are listed per row; the rest are counted.
const MAX_CHANGES: usize = 12;

/// An audit row's change for people, one line per field: `字段: 旧值 → 新值`, or
/// `字段: 值` for what was created. Fields the row's other columns already say (the
/// value's indicator, place and period; a record's version and creation) are left out.
fn changes(old: Option<&str>, new: Option<&str>, keyed: bool, w: &Words) -> Vec<String> {
    let before = fields(old);
    let after = fields(new);
    let skip = |k: &str| {
        // `link` is the page a message points to: the row names the message already.
        matches!(k, "id" | "created_at" | "created_by" | "link")
            // The register's sealed personal data: ciphertext, nothing to read.
            || k.starts_with("sealed.")
            || (keyed && matches!(k, "indicator" | "place" | "period" | "component"))
            || (k == "version" && w.family != "plan")
            // A user's row names the user already.
            || (k == "login" && w.family == "user")
            // A survey answer's content is not the trail's to show: how and when it came,
            // and its town, are.
            || (w.family == "survey_response"
                && !matches!(k, "mode" | "received_on" | "round" | "stratum"))
            // A batch's ids (random keys, the count says how many) mean nothing to a reader.
            || (w.family == "survey_batch" && matches!(k, "pending" | "answers" | "sha256"))
            // A waiting answer's salted digest is for `audit verify`, not for a reader.
            || (w.family == "survey_pending" && k == "commitment")
            // A server secret is never shown.
            || w.family == "server_secret"
    };
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut lines = vec![];
    for k in keys.into_iter().filter(|k| !skip(k)) {
        let (o, n) = (before.get(k), after.get(k));
        if o == n {
            continue;
        }
        // An assessment's `by` is whom it assesses, not a person.
        let label = if w.family == "assess" && k.rsplit('.').next() == Some("by") {
            if w.en { "assessed" } else { "考核对象" }.to_string()
        } else {
            field_label(k, w.en)
        };
        let line = match (o, n) {
            (None, Some(n)) if old.is_none() => {
                if n.is_null()
                    || n.as_str() == Some("")
                    || n.as_array().is_some_and(|a| a.is_empty())
                {
                    continue;
                }
                format!("{label}: {}", w.value(k, n))
            }
            (o, n) => {
                let show =
                    |v: Option<&serde_json::Value>| v.map(|v| w.value(k, v)).unwrap_or("—".into());
                format!("{label}: {} → {}", show(o), show(n))
            }
        };
        lines.push(line);
    }
    if lines.len() > MAX_CHANGES {
        let more = lines.len() - MAX_CHANGES;
        lines.truncate(MAX_CHANGES);
        lines.push(if w.en {
            format!("… and {more} more")
        } else {
            format!("……另有 {more} 项")
        });
    }
    lines
}

/// What an audit row is about, in words: a value as indicator · place · period, a record as
/// its kind and name, a user by name.
fn entity_text(e: &AuditEntry, w: &Words) -> String {
    if let (Some(ind), Some(place), Some(period)) = (&e.indicator, &e.place, &e.period)
        && e.action.starts_with("value.")
    {
        let mut s = format!("{ind} · {} · {}", w.place(place), w.period(period));
        if let Some((_, component)) = e.entity.split_once('#')
            && let Some(label) = code_label(component, "value", w.en)
        {
            s.push_str(&format!(" · {label}"));
        }
        return s;
    }
    let zh = !w.en;
    match e.entity.split_once(':') {
        Some((kind, id)) => {
            let (zh_kind, en_kind, what) = match kind {
                "order" => ("督办单", "order", id.to_string()),
                "notice" => {
                    let login = id.split('|').next().unwrap_or(id);
                    ("消息 →", "message to", person(w.state, login, w.en))
                }
                "work" => match id.split_once(':') {
                    Some((k, code)) => (
                        "",
                        "",
                        format!(
                            "{} {code}",
                            code_label(k, "", w.en).unwrap_or_else(|| k.to_string())
                        ),
                    ),
                    None => ("任务", "task", id.to_string()),
                },
                "weekly" => ("周计划", "weekly plan", w.period(id)),
                "lag_note" => ("原因和措施", "cause and measures", w.period(id)),
                "config" => match id {
                    "manage" => ("管理设置", "management settings", String::new()),
                    "demo" => ("演示数据设置", "demo settings", String::new()),
                    "assess_scheme" => ("考核方案", "assessment scheme", String::new()),
                    "dhis2_mapping" => ("DHIS2 交换映射", "DHIS2 mapping", String::new()),
                    "survey_categories" => ("需求分类", "demand categories", String::new()),
                    "compliance" => ("服务达标设置", "compliance settings", String::new()),
                    _ => ("设置", "settings", id.to_string()),
                },
                "boundary" => ("边界", "boundary", w.place(id)),
                "target_split" => {
                    let parts: Vec<&str> = id.split(':').collect();
                    let what = match parts.as_slice() {
                        [ind, year, parent, version] if zh => {
                            format!("{ind} {year}年 {} 第{version}版", w.place(parent))
                        }
                        [ind, year, parent, version] => {
                            format!("{ind} {year} {} v{version}", w.place(parent))
                        }
                        _ => id.to_string(),
                    };
                    ("目标分解", "target split", what)
                }
                "ranking" => ("月排名", "ranking", id.to_string()),
                // `town|2024|v0001`: who is assessed, the year and the published version.
                "assessment" => {
                    let what = match id.split('|').collect::<Vec<_>>().as_slice() {
                        [by, year, v] => {
                            let by = code_label(by, "", !zh).unwrap_or_else(|| by.to_string());
                            let n = v.trim_start_matches('v').parse::<u32>().unwrap_or(0);
                            if zh {
                                format!("{by} {year}年 第{n}版")
                            } else {
                                format!("{by} {year} version {n}")
                            }
                        }
                        _ => id.to_string(),
                    };
                    ("考核评价", "assessment", what)
                }
                "project" => ("重大项目", "major project", id.to_string()),
                // `2026-04`: the year's 4th item.
                "livelihood" => match id
                    .split_once('-')
                    .and_then(|(y, n)| Some((y, n.parse::<u32>().ok()?)))
                {
                    Some((year, n)) if zh => ("民生实事", "", format!("{year}年第{n}项")),
                    Some((year, n)) => ("", "livelihood project", format!("{year} no. {n}")),
                    None => ("民生实事", "livelihood project", id.to_string()),
                },
                "unit" => ("单位", "unit", id.to_string()),
                "facility" => ("设施", "facility", id.to_string()),
                "walk_network" => ("路网", "walking network", String::new()),
                "population_grid" => ("人口格网", "population grid", String::new()),
                "circle" => ("15分钟公共服务圈", "15-minute circle", String::new()),
                "circle_config" => (
                    "15分钟公共服务圈设置",
                    "15-minute circle settings",
                    String::new(),
                ),
                "assist_household" => ("困难家庭", "household", id.to_string()),
                // `household@period`.
                "assist_list" => ("幸福清单", "happiness list", id.to_string()),
                "assist_visit" => ("探访记录", "care visit", id.to_string()),
                "assist_flag" => ("监测预警", "monitoring flag", id.to_string()),
                "assist_declared" => ("收入申报记录", "declarations", id.to_string()),
                "assist_resource" => ("帮扶资源", "assistance resource", id.to_string()),
                "assist_venture" => ("公益创投项目", "charity venture project", id.to_string()),
                "assist_order" => ("公益派单", "assistance order", id.to_string()),
                // `household:time:suffix`.
                "assist_reveal" => (
                    "个人信息查看",
                    "personal data view",
                    id.split(':').next().unwrap_or(id).replace('*', "全部"),
                ),
                "assist_config" => match id {
                    "standards" => ("低保标准", "allowance standards", String::new()),
                    "visit_plan" => ("探访计划", "visit plan", String::new()),
                    "flag_rules" => ("监测预警规则", "flag rules", String::new()),
                    _ => ("救助资格规则", "eligibility rules", String::new()),
                },
                "catalogue" => ("服务清单", "service catalogue", id.to_string()),
                // `edition|item|place|period`.
                "compliance_report" => match id.split('|').collect::<Vec<_>>().as_slice() {
                    [_, item, place, period] => (
                        "服务达标填报",
                        "compliance report",
                        format!("{item} · {} · {}", w.place(place), w.period(period)),
                    ),
                    _ => ("服务达标填报", "compliance report", id.to_string()),
                },
                "publication" => ("公开发布", "publication", w.period(id)),
                "year_measures" => ("细化措施", "measures", id.replace('|', " ")),
                "year_measures_deadline" => {
                    ("细化措施截止日期", "measures deadline", id.to_string())
                }
                "survey_form" => ("调查问卷", "questionnaire", id.to_string()),
                "survey_round" => ("调查轮次", "survey round", id.to_string()),
                "survey_answers" => ("调查答卷", "survey answers", id.to_string()),
                "survey_results" => ("调查结果", "survey results", id.to_string()),
                // Neither the invitation's hash nor the answer's random key means anything
                // to a reader: the round is what they name.
                "survey_token" => ("调查邀请码", "survey invitation", String::new()),
                "survey_response" => (
                    "调查答卷",
                    "survey answer",
                    id.split('/').next().unwrap_or_default().to_string(),
                ),
                "survey_fieldwork" => ("调查实施设置", "survey fieldwork", id.to_string()),
                // The pool of the public page's answers: the round is what they name.
                "survey_pending" => (
                    "待汇总调查答卷",
                    "survey answer held",
                    id.split('/').next().unwrap_or_default().to_string(),
                ),
                "survey_batch" => (
                    "调查答卷汇总批次",
                    "survey answer batch",
                    id.split('/').next().unwrap_or_default().to_string(),
                ),
                "circle_publication" => (
                    "15分钟公共服务圈发布",
                    "15-minute circle publication",
                    String::new(),
                ),
                "server_secret" => ("服务器密钥", "server secret", String::new()),
                "profile" => ("个人设置", "profile", person(w.state, id, w.en)),
                _ => return e.entity.clone(),
            };
            let kind = if zh { zh_kind } else { en_kind };
            format!("{kind} {what}").trim().to_string()
        }
        None => match e.action.as_str() {
            "places.save" => if zh { "地点表" } else { "places" }.into(),
            "reporters.save" => if zh { "用户" } else { "users" }.into(),
            "plan.save" if e.entity == w.state.plan.code => {
                if zh {
                    format!("方案《{}》", w.state.plan.name)
                } else {
                    format!("plan {}", w.state.plan.code)
                }
            }
            a if a.starts_with("user.") => person(w.state, &e.entity, w.en),
            _ => e.entity.clone(),
        },
    }
}

async fn audit_html(
    State(web): State<Shared>,
    who: PageUser,
    Query(mut q): Query<AuditQuery>,
) -> PageResult {
    let c = who.chrome(&web, "/audit");
    if !who.user.role.can_read_audit() {
        return Err(c.error(ApiError::Forbidden(vec![format!(
            "{} 无权查看审计记录",
            who.user.name
        )])));
    }
    // People filter by what they read on the page: an action's label as well as its code.
    q.action = q
        .action
        .as_deref()
        .filter(|a| !a.trim().is_empty())
        .map(action_code);
    let shown_action = q
        .action
        .as_deref()
        .map(|a| action_label(a, c.en))
        .unwrap_or_default();
    // … and the person as the page names them (a user's name, 系统(自动)) as well as a login.
    let shown_actor = q.actor.clone().unwrap_or_default();
    q.actor = q.actor.as_deref().map(|a| {
        let a = a.trim();
        let state = web.app.read();
        state
            .reporters
            .iter()
            .find(|r| r.name == a)
            .map(|r| r.login.clone())
            .or_else(|| {
                ["system", "demo"]
                    .into_iter()
                    .find(|l| person(&state, l, false) == a || person(&state, l, true) == a)
                    .map(String::from)
            })
            .unwrap_or_else(|| a.to_string())
    });
    let filter: AuditFilter = audit_filter(&q).map_err(|e| c.error(e))?;
    let rows = web.app.audit_query(&filter).await.map_err(|e| c.error(e))?;
    // Where each action came from: the command line names the operating-system user; a
    // row without an origin is the signed-in user's, through the web.
    let origin = |o: Option<&str>| match o {
        None => c.t("origin_web").to_string(),
        Some(o) => match o.strip_prefix("cli:") {
            Some(who) => c.t("origin_cli").replace("{}", who),
            None => o.to_string(),
        },
    };
    let state = web.app.read();
    let rows = rows
        .into_iter()
        .map(|e| {
            let family = e.action.split('.').next().unwrap_or_default();
            let unit = e
                .indicator
                .as_deref()
                .and_then(|i| state.plan.indicator(i))
                .map(|i| i.unit.as_str())
                .unwrap_or_default();
            let w = Words {
                en: c.en,
                state: &state,
                family,
                unit,
            };
            let keyed = e.action.starts_with("value.");
            (
                String::new(),
                vec![
                    (e.seq.to_string(), true),
                    (
                        youxiang_core::china_time::beijing(e.at)
                            .format("%Y-%m-%d %H:%M:%S")
                            .to_string(),
                        false,
                    ),
                    (person(&state, &e.actor, c.en), false),
                    (origin(e.origin.as_deref()), false),
                    (action_label(&e.action, c.en), false),
                    (entity_text(&e, &w), false),
                    (
                        changes(e.old.as_deref(), e.new.as_deref(), keyed, &w).join("\n"),
                        false,
                    ),
                    (e.reason.clone().unwrap_or_default(), false),
                ],
            )
        })
        .collect();
    drop(state);
    let head = [
        "#",
        c.t("audit_time"),
        c.t("audit_actor"),
        c.t("origin"),
        c.t("audit_action"),
        c.t("audit_entity"),
        c.t("audit_change"),
        c.t("reason"),
    ]
    .iter()
    .enumerate()
    .map(|(i, h)| (h.to_string(), i == 0))
    .collect();
    let title = c.t("audit");
    let filters = vec![
        ("actor".into(), c.t("audit_actor").into(), shown_actor),
        (
            "indicator".into(),
            c.t("indicator").into(),
            q.indicator.clone().unwrap_or_default(),
        ),
        (
            "place".into(),
            c.t("place_filter").into(),
            q.place.clone().unwrap_or_default(),
        ),
        ("action".into(), c.t("audit_action").into(), shown_action),
    ];
    Ok(render(&TablePage::listing(
        c, title, "/audit", filters, head, rows,
    )))
}
