//! The register of resources as a service (issue 16 point 3): one `assist_resource` record
//! per resource of the 政府救助责任清单 or the 社会力量帮扶清单 (the provider's kind says
//! which list), one `assist_venture` record per 公益创投项目. Added by form or imported
//! from a file (all or nothing, every fault by row and column), scoped by place like the
//! households (another place's resource is not found), audited. After every change the
//! figures K7.3a 慈善组织总数, K7.3b 累计实施慈善公益创投项目数 and K7.3c 幸福驿站覆盖
//! are computed again and written through [`App::write_computed`] (source 系统计算).

use std::sync::Arc;

use serde::Serialize;
use youxiang_core::assist::resources::{
    AssistResource, ProviderKind, ResourceList, VentureProject, charity_count, towns_with_station,
    ventures_by,
};
use youxiang_core::assist::rights;
use youxiang_core::period::Period;
use youxiang_core::place::{Level, PlaceTree};
use youxiang_core::value::Component;
use youxiang_store::{RecordFilter, RecordWrite};

use crate::computed::{ComputedFigure, ComputedOutcome};
use crate::manage::forbid;
use crate::{App, AppError, Result};

/// The resources' record kind (both lists).
pub const KIND_RESOURCE: &str = "assist_resource";
/// The 公益创投项目's record kind.
pub const KIND_VENTURE: &str = "assist_venture";

/// Every audit action of the register of resources.
pub const RESOURCE_ACTIONS: [&str; 4] = [
    "assist.resource.add",
    "assist.resource.edit",
    "assist.venture.add",
    "assist.venture.edit",
];

/// The indicators computed from this register.
pub const K_CHARITIES: &str = "K7.3a";
pub const K_VENTURES: &str = "K7.3b";
pub const K_STATIONS: &str = "K7.3c";

/// A resource as stored, with its version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourceEntry {
    #[serde(flatten)]
    pub resource: AssistResource,
    pub list: ResourceList,
    pub version: i64,
}

/// A 公益创投项目 as stored, with its version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VentureEntry {
    #[serde(flatten)]
    pub project: VentureProject,
    pub version: i64,
}

/// The town a place lies in (itself when a town).
pub(crate) fn town_of(tree: &PlaceTree, place: &str) -> Option<String> {
    let id = tree.id(place)?;
    std::iter::once(id)
        .chain(tree.ancestors(id))
        .map(|p| tree.get(p))
        .find(|p| p.level == Level::Town)
        .map(|p| p.code.clone())
}

impl App {
    /// Whether `who` sees (and the matching may use for `who`'s households) a resource at
    /// `place`: one in `who`'s places, or one standing above them — the district's, which
    /// serve every town within their radius. Another town's is not seen. Changing a
    /// resource needs its place within `who`'s places ([`App::in_scope`]).
    pub(crate) fn resource_visible(
        who: &youxiang_core::scope::Reporter,
        tree: &PlaceTree,
        place: &str,
    ) -> bool {
        Self::in_scope(who, tree, place)
            || (matches!(
                who.role,
                youxiang_core::scope::Role::TownReporter
                    | youxiang_core::scope::Role::VillageReporter
            ) && tree.id(place).is_some_and(|p| {
                who.scope
                    .places
                    .iter()
                    .filter_map(|c| tree.id(c))
                    .any(|root| root != p && tree.is_within(root, p))
            }))
    }

    pub fn resources_user(&self, login: &str) -> Result<youxiang_core::scope::Reporter> {
        let who = self.user(login)?;
        if !rights::may_use_register(&who) {
            return Err(forbid(&who, "查看帮扶资源清单"));
        }
        Ok(who)
    }

    pub(crate) async fn assist_stored_resources(&self) -> Result<Vec<ResourceEntry>> {
        let mut out = Vec::new();
        for r in self
            .db()
            .list_records(&RecordFilter::kind(KIND_RESOURCE))
            .await?
        {
            let resource: AssistResource = r.decode()?;
            out.push(ResourceEntry {
                list: resource.list(),
                resource,
                version: r.version,
            });
        }
        out.sort_by(|a, b| a.resource.id.cmp(&b.resource.id));
        Ok(out)
    }

    async fn assist_stored_ventures(&self) -> Result<Vec<VentureEntry>> {
        let mut out = Vec::new();
        for r in self
            .db()
            .list_records(&RecordFilter::kind(KIND_VENTURE))
            .await?
        {
            out.push(VentureEntry {
                project: r.decode()?,
                version: r.version,
            });
        }
        out.sort_by(|a, b| a.project.id.cmp(&b.project.id));
        Ok(out)
    }

    /// The resources `login` may see (at or below `place` when given), by id.
    pub async fn assist_resources(
        &self,
        login: &str,
        place: Option<&str>,
    ) -> Result<Vec<ResourceEntry>> {
        let who = self.resources_user(login)?;
        let tree = Arc::clone(&self.read().tree);
        let root = match place {
            Some(p) => Some(
                tree.id(p)
                    .ok_or_else(|| AppError::NotFound(format!("地点“{p}”不存在")))?,
            ),
            None => None,
        };
        Ok(self
            .assist_stored_resources()
            .await?
            .into_iter()
            .filter(|e| Self::resource_visible(&who, &tree, &e.resource.place))
            .filter(|e| {
                root.is_none_or(|root| {
                    tree.id(&e.resource.place)
                        .is_some_and(|p| tree.is_within(p, root))
                })
            })
            .collect())
    }

    /// One resource (not found outside the reader's places).
    pub async fn assist_resource(&self, login: &str, id: &str) -> Result<ResourceEntry> {
        let who = self.resources_user(login)?;
        let tree = Arc::clone(&self.read().tree);
        let not_found = || AppError::NotFound(format!("帮扶资源“{id}”不存在"));
        let r = self
            .db()
            .get_record(KIND_RESOURCE, id)
            .await?
            .ok_or_else(not_found)?;
        let resource: AssistResource = r.decode()?;
        if !Self::resource_visible(&who, &tree, &resource.place) {
            return Err(not_found());
        }
        Ok(ResourceEntry {
            list: resource.list(),
            resource,
            version: r.version,
        })
    }

    /// The 公益创投项目 `login` may see.
    pub async fn assist_ventures(&self, login: &str) -> Result<Vec<VentureEntry>> {
        let who = self.resources_user(login)?;
        let tree = Arc::clone(&self.read().tree);
        Ok(self
            .assist_stored_ventures()
            .await?
            .into_iter()
            .filter(|e| Self::in_scope(&who, &tree, &e.project.place))
            .collect())
    }

    fn assist_resource_problems(
        who: &youxiang_core::scope::Reporter,
        tree: &PlaceTree,
        r: &AssistResource,
        at: &str,
    ) -> Result<Vec<String>> {
        let mut problems: Vec<String> = r
            .problems()
            .into_iter()
            .map(|p| format!("{at}{p}"))
            .collect();
        if tree.id(&r.place).is_none() {
            problems.push(format!("{at}地点“{}”不在地点表中", r.place));
        } else if !Self::in_scope(who, tree, &r.place) {
            return Err(forbid(who, &format!("登记{}的帮扶资源", r.place)));
        }
        if r.kind == ProviderKind::Department && !rights::may_set_rules(who) {
            return Err(forbid(who, "登记政府救助责任清单"));
        }
        Ok(problems)
    }

    /// Adds a resource (`expected_version: None`) or changes one (the version read), then
    /// computes the figures again.
    pub async fn save_assist_resource(
        &self,
        login: &str,
        mut resource: AssistResource,
        expected_version: Option<i64>,
    ) -> Result<ResourceEntry> {
        let who = self.resources_user(login)?;
        resource.id = resource.id.trim().to_string();
        resource.place = resource.place.trim().to_string();
        let tree = Arc::clone(&self.read().tree);
        if let Some(_v) = expected_version {
            let before = self.assist_resource(login, &resource.id).await?;
            // A district resource a town sees is not the town's to change.
            if !Self::in_scope(&who, &tree, &before.resource.place) {
                return Err(forbid(&who, &format!("修改帮扶资源“{}”", resource.id)));
            }
            resource.demo = before.resource.demo;
        } else if self
            .db()
            .get_record(KIND_RESOURCE, &resource.id)
            .await?
            .is_some()
        {
            return Err(invalid(format!("资源编号“{}”已存在", resource.id)));
        }
        let problems = Self::assist_resource_problems(&who, &tree, &resource, "")?;
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let action = if expected_version.is_some() {
            RESOURCE_ACTIONS[1]
        } else {
            RESOURCE_ACTIONS[0]
        };
        let w = RecordWrite::of(
            KIND_RESOURCE,
            &resource.id,
            &resource,
            expected_version,
            action,
        )?
        .unit(&resource.place)
        .state(if resource.active {
            "active"
        } else {
            "inactive"
        });
        let saved = self.db().put_records(&[w], login).await?;
        self.recompute_resource_figures().await?;
        Ok(ResourceEntry {
            list: resource.list(),
            resource,
            version: saved.first().map(|r| r.version).unwrap_or(1),
        })
    }

    /// Adds resources from a list, all or nothing (ids already stored refused); every
    /// problem named by its position. Then computes the figures again.
    pub async fn import_assist_resources(
        &self,
        login: &str,
        resources: Vec<AssistResource>,
    ) -> Result<usize> {
        let who = self.resources_user(login)?;
        let tree = Arc::clone(&self.read().tree);
        let mut problems = Vec::new();
        let mut writes = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (n, r) in resources.iter().enumerate() {
            let at = format!("第{}条({}):", n + 1, r.id);
            if !seen.insert(r.id.clone()) {
                problems.push(format!("{at}编号重复"));
            }
            if self.db().get_record(KIND_RESOURCE, &r.id).await?.is_some() {
                problems.push(format!("{at}编号已存在"));
            }
            problems.extend(Self::assist_resource_problems(&who, &tree, r, &at)?);
            if problems.is_empty() {
                writes.push(
                    RecordWrite::of(KIND_RESOURCE, &r.id, r, None, RESOURCE_ACTIONS[0])?
                        .unit(&r.place)
                        .state(if r.active { "active" } else { "inactive" })
                        .note("导入"),
                );
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        for chunk in writes.chunks(500) {
            self.db().put_records(chunk, login).await?;
        }
        self.recompute_resource_figures().await?;
        Ok(writes.len())
    }

    /// Reads a resources file (CSV or xlsx) and imports it; every fault of the file named
    /// by row and column, nothing written.
    pub async fn import_assist_resources_file(
        &self,
        login: &str,
        bytes: &[u8],
        file_name: &str,
    ) -> Result<usize> {
        self.resources_user(login)?;
        let list =
            youxiang_ingest::read_register_resources(bytes, file_name).map_err(|errors| {
                AppError::Upload {
                    errors,
                    omitted: 0,
                    warnings: Vec::new(),
                }
            })?;
        self.import_assist_resources(login, list).await
    }

    /// Adds 公益创投项目 (all or nothing), then computes the figures again.
    pub async fn import_assist_ventures(
        &self,
        login: &str,
        projects: Vec<VentureProject>,
    ) -> Result<usize> {
        let who = self.resources_user(login)?;
        let tree = Arc::clone(&self.read().tree);
        let mut problems = Vec::new();
        let mut writes = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (n, p) in projects.iter().enumerate() {
            let at = format!("第{}条({}):", n + 1, p.id);
            if !seen.insert(p.id.clone()) {
                problems.push(format!("{at}编号重复"));
            }
            if self.db().get_record(KIND_VENTURE, &p.id).await?.is_some() {
                problems.push(format!("{at}编号已存在"));
            }
            problems.extend(p.problems().into_iter().map(|x| format!("{at}{x}")));
            if tree.id(&p.place).is_none() {
                problems.push(format!("{at}地点“{}”不在地点表中", p.place));
            } else if !Self::in_scope(&who, &tree, &p.place) {
                return Err(forbid(&who, &format!("登记{}的公益创投项目", p.place)));
            }
            if problems.is_empty() {
                writes.push(
                    RecordWrite::of(KIND_VENTURE, &p.id, p, None, RESOURCE_ACTIONS[2])?
                        .unit(&p.place)
                        .state(youxiang_core::labels::Labelled::code(p.status)),
                );
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        for chunk in writes.chunks(500) {
            self.db().put_records(chunk, login).await?;
        }
        self.recompute_resource_figures().await?;
        Ok(writes.len())
    }

    /// One 公益创投项目 (not found outside the reader's places).
    pub async fn assist_venture(&self, login: &str, id: &str) -> Result<VentureEntry> {
        let who = self.resources_user(login)?;
        let tree = Arc::clone(&self.read().tree);
        let not_found = || AppError::NotFound(format!("公益创投项目“{id}”不存在"));
        let r = self
            .db()
            .get_record(KIND_VENTURE, id)
            .await?
            .ok_or_else(not_found)?;
        let project: VentureProject = r.decode()?;
        if !Self::in_scope(&who, &tree, &project.place) {
            return Err(not_found());
        }
        Ok(VentureEntry {
            project,
            version: r.version,
        })
    }

    /// Adds a 公益创投项目 (`expected_version: None`) or changes one (the version read), in
    /// the reader's places; then computes the figures again.
    pub async fn save_assist_venture(
        &self,
        login: &str,
        mut project: VentureProject,
        expected_version: Option<i64>,
    ) -> Result<VentureEntry> {
        let who = self.resources_user(login)?;
        project.id = project.id.trim().to_string();
        project.place = project.place.trim().to_string();
        let tree = Arc::clone(&self.read().tree);
        if expected_version.is_some() {
            let before = self.assist_venture(login, &project.id).await?;
            project.demo = before.project.demo;
        } else if self
            .db()
            .get_record(KIND_VENTURE, &project.id)
            .await?
            .is_some()
        {
            return Err(invalid(format!("项目编号“{}”已存在", project.id)));
        }
        let mut problems = project.problems();
        if tree.id(&project.place).is_none() {
            problems.push(format!("地点“{}”不在地点表中", project.place));
        } else if !Self::in_scope(&who, &tree, &project.place) {
            return Err(forbid(
                &who,
                &format!("登记{}的公益创投项目", project.place),
            ));
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let action = if expected_version.is_some() {
            RESOURCE_ACTIONS[3]
        } else {
            RESOURCE_ACTIONS[2]
        };
        let w = RecordWrite::of(
            KIND_VENTURE,
            &project.id,
            &project,
            expected_version,
            action,
        )?
        .unit(&project.place)
        .state(youxiang_core::labels::Labelled::code(project.status));
        let saved = self.db().put_records(&[w], login).await?;
        self.recompute_resource_figures().await?;
        Ok(VentureEntry {
            project,
            version: saved.first().map(|r| r.version).unwrap_or(1),
        })
    }

    /// Reads a 公益创投项目 file and imports it (row- and column-exact faults).
    pub async fn import_assist_ventures_file(
        &self,
        login: &str,
        bytes: &[u8],
        file_name: &str,
    ) -> Result<usize> {
        self.resources_user(login)?;
        let list = youxiang_ingest::read_ventures(bytes, file_name).map_err(|errors| {
            AppError::Upload {
                errors,
                omitted: 0,
                warnings: Vec::new(),
            }
        })?;
        self.import_assist_ventures(login, list).await
    }

    /// The figures of this register for the year of the day: K7.3a, K7.3b (cumulative)
    /// and K7.3c (numerator: towns with an active 幸福驿站; denominator: towns), at the
    /// plan's own place (none of the three names a reporting level). Indicators the plan
    /// lacks are left out.
    pub async fn resource_figures(&self) -> Result<Vec<ComputedFigure>> {
        let (plan, tree) = {
            let s = self.read();
            (Arc::clone(&s.plan), Arc::clone(&s.tree))
        };
        let year = self.today().year();
        let Ok(period) = Period::year_of(year) else {
            return Ok(Vec::new());
        };
        let resources: Vec<AssistResource> = self
            .assist_stored_resources()
            .await?
            .into_iter()
            .map(|e| e.resource)
            .collect();
        let ventures: Vec<VentureProject> = self
            .assist_stored_ventures()
            .await?
            .into_iter()
            .map(|e| e.project)
            .collect();
        let towns: Vec<String> = tree
            .id(&plan.place)
            .map(|root| {
                tree.children(root)
                    .iter()
                    .map(|t| tree.get(*t))
                    .filter(|t| t.level == Level::Town)
                    .map(|t| t.code.clone())
                    .collect()
            })
            .unwrap_or_default();
        let with_station = towns_with_station(&resources, &towns, &|p| town_of(&tree, p));
        let has = |code: &str| plan.indicators.iter().any(|i| i.code == code);
        let place = plan.place.clone();
        let fig =
            |indicator: &str, component: Component, value: f64, comment: String| ComputedFigure {
                indicator: indicator.to_string(),
                place: place.clone(),
                period,
                component,
                value,
                comment,
            };
        let mut out = Vec::new();
        if has(K_CHARITIES) {
            let n = charity_count(&resources);
            out.push(fig(
                K_CHARITIES,
                Component::Value,
                n as f64,
                format!("社会力量帮扶清单中在用的慈善组织 {n} 家(按名称计)"),
            ));
        }
        if has(K_VENTURES) {
            let n = ventures_by(&ventures, year);
            out.push(fig(
                K_VENTURES,
                Component::Value,
                n as f64,
                format!("截至{year}年累计立项的慈善公益创投项目 {n} 个"),
            ));
        }
        if has(K_STATIONS) && !towns.is_empty() {
            out.push(fig(
                K_STATIONS,
                Component::Numerator,
                with_station as f64,
                format!(
                    "有在用幸福驿站开展服务的镇(街道) {with_station} 个,共 {} 个",
                    towns.len()
                ),
            ));
            out.push(fig(
                K_STATIONS,
                Component::Denominator,
                towns.len() as f64,
                format!("镇(街道)共 {} 个", towns.len()),
            ));
        }
        Ok(out)
    }

    /// Computes K7.3a–c again and writes them (source 系统计算).
    pub async fn recompute_resource_figures(&self) -> Result<ComputedOutcome> {
        let figures = self.resource_figures().await?;
        self.write_computed(figures).await
    }
}

fn invalid(p: impl Into<String>) -> AppError {
    AppError::Invalid(vec![p.into()])
}

use chrono::Datelike;
