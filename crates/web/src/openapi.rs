//! The OpenAPI document of `/api/v1`, at `/api/openapi.json` (Swagger UI at `/api/docs`):
//! the paths and schemas each feature declares beside its handlers, from the types the
//! handlers take and answer.

use utoipa::OpenApi;

use crate::error::{ErrorBody, FileProblem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "youxiang 有享 API",
        description = "公共服务“七优享”工程:方案、地点、数据填报与审核、状态与灯号、解释、报送完整性、审计。\
            先 POST /api/v1/session 登录(会话 Cookie),写操作需带 X-CSRF-Token 头。",
        version = "1"
    ),
    components(schemas(ErrorBody, FileProblem))
)]
struct ApiDoc;

/// The whole document.
pub fn document() -> utoipa::openapi::OpenApi {
    [
        crate::session::SessionDoc::openapi(),
        crate::password::PasswordDoc::openapi(),
        crate::plan::PlanDoc::openapi(),
        crate::places::PlacesDoc::openapi(),
        crate::status::StatusDoc::openapi(),
        crate::indicator::IndicatorDoc::openapi(),
        crate::key_targets::KeyTargetsDoc::openapi(),
        crate::revisions::RevisionsDoc::openapi(),
        crate::map::MapDoc::openapi(),
        crate::completeness::CompletenessDoc::openapi(),
        crate::audit::AuditDoc::openapi(),
        crate::values::ValuesDoc::openapi(),
        crate::approvals::ApprovalsDoc::openapi(),
        crate::uploads::UploadsDoc::openapi(),
        crate::tasks::TasksDoc::openapi(),
        crate::projects::ProjectsDoc::openapi(),
        crate::weekly::WeeklyDoc::openapi(),
        crate::targets::TargetsDoc::openapi(),
        crate::ranking::RankingDoc::openapi(),
        crate::assess::AssessDoc::openapi(),
        crate::problems::ProblemsDoc::openapi(),
        crate::orders::OrdersDoc::openapi(),
        crate::inbox::InboxDoc::openapi(),
        crate::reports::ReportsDoc::openapi(),
        crate::yearly::YearlyDoc::openapi(),
        crate::units::UnitsDoc::openapi(),
        crate::facilities::FacilitiesDoc::openapi(),
        crate::circle::CircleDoc::openapi(),
        crate::circle_public::CirclePublicDoc::openapi(),
        crate::compliance::ComplianceDoc::openapi(),
        crate::assist::AssistDoc::openapi(),
        crate::assist_care::AssistCareDoc::openapi(),
        crate::assist_dispatch::AssistDispatchDoc::openapi(),
        crate::assist_list::AssistListDoc::openapi(),
        crate::assist_settings::AssistSettingsDoc::openapi(),
        crate::publication::PublicationDoc::openapi(),
        crate::exchange::ExchangeDoc::openapi(),
        crate::survey::SurveyResultsDoc::openapi(),
        crate::survey_entry::SurveyFieldworkDoc::openapi(),
        crate::public::PublicDoc::openapi(),
    ]
    .into_iter()
    .fold(ApiDoc::openapi(), |doc, part| doc.merge_from(part))
}
