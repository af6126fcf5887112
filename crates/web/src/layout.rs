//! What every page shares: the chrome around its content ([`Chrome`]: language, the user
//! and their menu, the CSRF token of the forms), the texts of both languages, rendering, the
//! error page, the dense table page, and the helpers of plain forms (POST-redirect-GET).
//! Chinese by default, English with the `lang=en` cookie.

use askama::Template;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use youxiang_core::eval::Light;

use crate::Shared;
use crate::auth::{self, Authed};
use crate::download::pct;
use crate::error::ApiError;

/// What a page handler answers: the page, or an error page (or a redirect) in its place.
pub type PageResult = Result<Response, Response>;

/// The texts of the pages' chrome and of the value pages, `(key, Chinese, English)`.
const MESSAGES: &[(&str, &str, &str)] = &[
    ("app", "有享 · 七优享", "youxiang · Qiyouxiang"),
    ("menu", "主菜单", "Main menu"),
    ("menu_button", "菜单", "Menu"),
    ("overview", "驾驶舱", "Overview"),
    ("places", "地区", "Places"),
    ("entry", "数据填报", "Data entry"),
    ("upload", "上传文件", "Upload"),
    ("approvals", "审核", "Approvals"),
    ("completeness", "报送情况", "Completeness"),
    ("audit", "审计", "Audit"),
    ("switch", "English", "中文"),
    ("signout", "退出", "Sign out"),
    ("signin", "登录", "Sign in"),
    ("login", "用户名", "User name"),
    ("password", "密码", "Password"),
    ("change_password", "修改密码", "Change password"),
    ("current_password", "当前密码", "Current password"),
    ("new_password", "新密码", "New password"),
    ("repeat_password", "再次输入新密码", "New password again"),
    (
        "password_rule",
        "至少 8 个字符,包含小写字母、大写字母、数字、符号中的至少 3 类,且不含登录名。",
        "At least 8 characters mixing three of lower case, upper case, digits and signs, not containing the login name.",
    ),
    ("period", "期间", "Period"),
    ("show", "查看", "Show"),
    ("year", "年度", "Year"),
    ("asof", "截至", "as of"),
    ("lights", "灯号", "Lights"),
    ("green", "达标", "on track"),
    ("yellow", "预警", "warning"),
    ("red", "滞后", "lagging"),
    ("grey", "无数据", "no data"),
    ("domains", "七个领域", "The 7 domains"),
    ("worst", "最落后", "Furthest behind"),
    ("headline", "主要指标", "Headline indicators"),
    ("children", "下辖地区", "Places below"),
    ("place", "地区", "Place"),
    ("indicator", "指标", "Indicator"),
    ("domain", "领域", "Domain"),
    ("target", "目标", "Target"),
    ("value", "数值", "Value"),
    ("light", "灯号", "Light"),
    ("trend", "趋势", "Trend"),
    (
        "spark",
        "趋势:实线为实际值,虚线为目标路径",
        "Trend: the line is the figures, the dashes the target path",
    ),
    ("unit", "单位", "Unit"),
    ("polarity", "方向", "Direction"),
    ("rollup", "汇总方式", "Roll-up"),
    ("lead", "牵头单位", "Lead unit"),
    ("source", "方案原文", "Plan text"),
    ("why", "为什么是这个灯号", "Why this light"),
    (
        "trend_chart_label",
        "趋势图:各期实际值、各年目标和序时进度目标;数据见下方两张表(含预测值)",
        "trend chart: the figures by period, the yearly targets and the schedule; its data, with the forecast, are in the two tables below",
    ),
    ("schedule_expected", "序时进度目标", "On schedule"),
    (
        "by_town_chart_label",
        "各镇(街道)数值条形图,含目标线;数据见下表",
        "bar chart of the figures by town with the target; its data are in the table below",
    ),
    (
        "trend_table",
        "各期数值(图表数据)",
        "Figures by period (chart data)",
    ),
    ("targets", "年度目标", "Yearly targets"),
    (
        "targets_table",
        "各年目标和预测值(图表数据)",
        "Targets by year and the forecast (chart data)",
    ),
    ("forecast", "预测值", "Forecast"),
    ("by_town", "各镇(街道)", "By town"),
    ("map", "各镇(街道)位置与灯号", "Towns on the map"),
    (
        "map_note",
        "位置示意图:每个点是一个镇(街道)在地点文件中的经纬度(演示数据中多数为示意位置),颜色为灯号;不是行政区划边界图,未使用任何边界数据。",
        "Location sketch: each dot is a town's longitude/latitude from the places file (mostly illustrative in the demo data), coloured by its light; not a boundary map, no boundary data is used.",
    ),
    ("component", "分项", "Component"),
    ("save", "保存", "Save"),
    (
        "not_saved",
        "未保存:请修改标出的内容",
        "Not saved: please correct the marked fields",
    ),
    (
        "upload_help",
        "CSV(UTF-8、GBK)或 Excel(.xlsx)文件,按填报模板的列;有任何错误时整份文件不写入。",
        "CSV (UTF-8, GBK) or Excel (.xlsx) in the template's columns; nothing is written when any row has an error.",
    ),
    ("row", "行", "Row"),
    ("column", "列", "Column"),
    ("cell", "内容", "Cell"),
    ("reason", "原因", "Reason"),
    ("file", "文件", "File"),
    ("none", "没有记录", "Nothing to show"),
    ("approve", "审核通过", "Approve"),
    ("select_row", "选择行", "Select row"),
    ("reject", "退回", "Send back"),
    ("higher", "越大越好", "higher is better"),
    ("lower", "越小越好", "lower is better"),
    ("origin", "来源", "Origin"),
    ("audit_time", "时间(北京时间)", "Time (Beijing)"),
    ("audit_actor", "操作人", "Actor"),
    ("audit_action", "操作", "Action"),
    ("audit_entity", "对象", "Object"),
    ("audit_old", "原值", "Before"),
    ("audit_new", "新值", "After"),
    (
        "audit_change",
        "变更(字段:原值 → 新值)",
        "Change (field: before → after)",
    ),
    ("place_filter", "地点代码", "Place code"),
    ("origin_web", "网页", "Web"),
    (
        "origin_cli",
        "命令行(操作系统用户 {})",
        "Command line (OS user {})",
    ),
];

/// What every page shows around its content.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub en: bool,
    pub user: Option<UserView>,
    pub csrf: String,
    pub path: String,
    pub root: String,
    /// The database holds the labelled synthetic demo: every page says so.
    pub demo: bool,
}

#[derive(Debug, Clone)]
pub struct UserView {
    pub name: String,
    pub role: String,
    pub can_report: bool,
    pub can_approve: bool,
    pub can_audit: bool,
    /// The programme office: the register of units is in its menu.
    pub is_office: bool,
    /// Uses the register of households in difficulty (弱有众扶).
    pub can_assist: bool,
    /// The password must be changed first: the menu is hidden (it would lead back here).
    pub restricted: bool,
}

impl Chrome {
    pub fn t(&self, key: &str) -> &'static str {
        MESSAGES
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, zh, en)| if self.en { *en } else { *zh })
            .unwrap_or("?")
    }

    pub fn lang(&self) -> &'static str {
        if self.en { "en" } else { "zh-CN" }
    }

    pub fn other_lang(&self) -> &'static str {
        if self.en { "zh" } else { "en" }
    }

    /// A light as its symbol and word.
    pub fn light(&self, l: Light) -> String {
        let (icon, key) = match l {
            Light::Green => ("●", "green"),
            Light::Yellow => ("▲", "yellow"),
            Light::Red => ("■", "red"),
            Light::Grey => ("○", "grey"),
        };
        format!("{icon} {}", self.t(key))
    }

    /// The labels of the management pages in this page's language.
    pub fn labels(&self) -> L {
        L { en: self.en }
    }

    /// An error as a page with this chrome (status code kept).
    pub fn error(&self, e: impl Into<ApiError>) -> Response {
        error_page(self.clone(), e.into())
    }
}

/// Whether the page is asked for in English (the `lang=en` cookie).
pub fn is_en(headers: &HeaderMap) -> bool {
    auth::cookie(headers, "lang") == Some("en")
}

/// The chrome of the page at `path` for `who` (nobody: the sign-in page).
pub fn chrome(web: &Shared, en: bool, who: Option<&Authed>, path: &str) -> Chrome {
    Chrome {
        en,
        user: who.map(|a| UserView {
            name: a.user.name.clone(),
            role: if en {
                a.user.role.label_en().to_string()
            } else {
                a.user.role.label_zh().to_string()
            },
            can_report: a.user.role.can_report(),
            can_approve: a.user.role.can_approve(),
            can_audit: a.user.role.can_read_audit(),
            is_office: a.user.role.is_office(),
            can_assist: youxiang_core::assist::rights::may_use_register(&a.user),
            restricted: a.change_due.is_some(),
        }),
        csrf: who.map(|a| a.csrf.clone()).unwrap_or_default(),
        path: path.to_string(),
        root: web.app.read().plan.place.clone(),
        demo: web.app.is_demo(),
    }
}

pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(crate::langmark::mark_chinese(html)).into_response(),
        Err(e) => ApiError::Internal(format!("template: {e}")).into_response(),
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    c: Chrome,
    title: String,
    lines: Vec<String>,
}

/// An error as a page (status code kept); not signed in: the sign-in page.
pub fn error_page(c: Chrome, e: ApiError) -> Response {
    let status = e.status();
    if status == StatusCode::UNAUTHORIZED {
        return Redirect::to("/login").into_response();
    }
    let body = e.body();
    let mut lines = vec![body.message];
    lines.extend(body.details);
    lines.extend(body.errors.into_iter().map(|e| e.message));
    let title = match (status.as_u16(), c.en) {
        (403, false) => "无权访问",
        (404, false) => "未找到",
        (409, false) => "无法完成:数据已变化",
        (413, false) => "文件过大",
        (422, false) => "内容有误",
        (429, false) => "请求过于频繁",
        (503, false) => "服务暂不可用",
        (_, false) => "出错了",
        (403, true) => "Not allowed",
        (404, true) => "Not found",
        (409, true) => "Conflict",
        (413, true) => "Too large",
        (422, true) => "Please correct",
        (429, true) => "Too many requests",
        (503, true) => "Unavailable",
        (_, true) => "Something went wrong",
    };
    let mut resp = render(&MessagePage {
        title: title.to_string(),
        c,
        lines,
    });
    *resp.status_mut() = status;
    resp
}

/// A dense table with optional filters and row checkboxes (the approval queue,
/// completeness, the audit trail).
#[derive(Template)]
#[template(path = "table.html")]
pub struct TablePage {
    pub c: Chrome,
    pub title: String,
    pub action: String,
    /// `(name, label, value)` of each filter field.
    pub filters: Vec<(String, String, String)>,
    pub notice: String,
    pub errors: Vec<String>,
    /// Rows carry a checkbox (their key) and the page a form.
    pub form: bool,
    /// `(heading, numeric)`.
    pub head: Vec<(String, bool)>,
    /// `(key, cells)`, each cell `(text, numeric)`.
    pub rows: Vec<(String, Vec<(String, bool)>)>,
}

impl TablePage {
    /// A table to read (no checkboxes, no form), with its filter fields.
    pub fn listing(
        c: Chrome,
        title: &str,
        action: &str,
        filters: Vec<(String, String, String)>,
        head: Vec<(String, bool)>,
        rows: Vec<(String, Vec<(String, bool)>)>,
    ) -> TablePage {
        TablePage {
            c,
            title: title.to_string(),
            action: action.to_string(),
            filters,
            notice: String::new(),
            errors: vec![],
            form: false,
            head,
            rows,
        }
    }
}

/// The texts of the management pages, `(key, Chinese, English)`.
const MSG: &[(&str, &str, &str)] = &[
    ("my", "我的任务", "My tasks"),
    ("tasks", "任务清单", "Tasks and projects"),
    ("weekly", "周计划", "Weekly plans"),
    ("ranking", "月排名", "Monthly ranking"),
    ("orders", "督办", "Supervision orders"),
    ("inbox", "消息", "Inbox"),
    ("reports", "季分析", "Quarterly analysis"),
    ("code", "编号", "Code"),
    ("kind", "类别", "Kind"),
    ("title", "名称", "Title"),
    ("lead", "牵头单位", "Lead unit"),
    ("partners", "配合单位", "Partner units"),
    ("milestones", "里程碑", "Milestones"),
    ("done", "已完成", "Done"),
    ("overdue", "逾期", "Overdue"),
    ("investment", "投资", "Investment"),
    ("planned", "计划", "Planned"),
    ("completed", "完成", "Completed"),
    ("updates", "进展", "Updates"),
    ("measures", "工作举措", "Measures"),
    ("route", "路线图与进度", "Route map and schedule"),
    ("due", "计划完成日期", "Due"),
    ("state", "状态", "State"),
    ("evidence", "佐证", "Evidence"),
    ("attachments", "附件", "Attachments"),
    ("add_progress", "填报进展", "Add progress"),
    ("progress_text", "进展说明", "What was done"),
    ("file", "附件(可多选)", "Files (several allowed)"),
    ("add_milestone", "新增里程碑", "Add a milestone"),
    ("mark_done", "标记完成", "Mark done"),
    ("save", "保存", "Save"),
    ("show", "查看", "Show"),
    ("week", "周", "Week"),
    ("unit", "单位", "Unit"),
    ("filed", "报送情况", "Filed"),
    ("not_filed", "未报送", "not filed"),
    ("carried", "结转", "Carried over"),
    ("filed_at", "报送时间", "Filed at"),
    ("my_plan", "本单位周计划", "Our weekly plan"),
    ("item", "事项", "Item"),
    ("file_plan", "报送周计划", "File the plan"),
    ("month", "月份", "Month"),
    ("by", "排名对象", "Ranked"),
    ("rank", "名次", "Rank"),
    ("score", "得分", "Score"),
    ("change", "名次变化", "Change"),
    ("no_data", "无数据指标", "Indicators without data"),
    ("flags", "标记", "Flags"),
    ("rule", "排名规则", "The rule"),
    ("history", "历史名次", "Rank by month"),
    ("excel", "下载 Excel", "Download Excel"),
    ("publish", "发布本月排名", "Publish this ranking"),
    ("deadline", "办理期限", "Deadline"),
    ("source", "来源", "Source"),
    ("stats", "督办统计", "Statistics"),
    ("raise", "立项督办", "Raise an order"),
    ("body", "督办事项", "Matter"),
    ("assign_now", "立即交办", "Assign at once"),
    ("timeline", "办理时间线", "Timeline"),
    ("act", "办理", "Act"),
    ("extensions", "延期申请", "Extensions"),
    ("checklist", "审结核查", "Closing review"),
    ("reason", "理由", "Reason"),
    ("new_deadline", "新期限", "New deadline"),
    ("feedback", "办理结果", "Result"),
    ("none", "没有记录", "Nothing to show"),
    ("unread", "未读", "unread"),
    ("read", "已读", "read"),
    ("mark_read", "标为已读", "Mark read"),
    ("mark_all", "全部标为已读", "Mark all read"),
    ("quarter", "季度", "Quarter"),
    ("format", "格式", "Format"),
    ("download", "下载", "Download"),
    ("preview", "在线预览(HTML)", "Preview (HTML)"),
    ("forms_due", "本期待报表单", "Forms due"),
    ("my_orders", "本单位督办单", "Orders for our unit"),
    ("notices", "未读消息", "Unread notices"),
    ("week_status", "本周周计划", "This week's plan"),
    ("filter", "筛选", "Filter"),
    ("all", "全部", "All"),
    ("only_overdue", "只看逾期", "Overdue only"),
    ("when", "时间", "When"),
    ("who", "办理人", "By"),
    ("note", "说明", "Note"),
    ("closure_rate", "按期办结率", "On-time closure"),
    ("overdue_rate", "逾期率", "Overdue rate"),
    ("raised", "立项", "Raised"),
    ("closed", "办结", "Closed"),
    ("open", "在办", "Open"),
];

/// Labels of the management pages in the page's language.
pub struct L {
    en: bool,
}

impl L {
    pub fn t(&self, key: &str) -> &'static str {
        MSG.iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, zh, en)| if self.en { *en } else { *zh })
            .unwrap_or("?")
    }
}

/// A plain form's fields in the order sent (a name may repeat).
pub type Fields = Vec<(String, String)>;

/// The first value of the field `k`.
pub fn field<'a>(form: &'a Fields, k: &str) -> Option<&'a str> {
    form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

/// The form's `csrf` field checked against the session: the error page otherwise.
#[allow(clippy::result_large_err)]
pub fn check_form(c: &Chrome, who: &Authed, form: &Fields) -> Result<(), Response> {
    who.check_csrf(field(form, "csrf")).map_err(|e| c.error(e))
}

/// After a form: back to `path` (GET), with `msg` to show.
pub fn back_to(path: &str, msg: &str) -> Response {
    let sep = if path.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{path}{sep}ok={}", pct(msg))).into_response()
}
