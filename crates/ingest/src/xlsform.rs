//! Questionnaires in XLSForm (the ODK / KoboToolbox standard) both ways, the sampling
//! frame of a survey round, and answers exported by KoboToolbox or ODK Central as CSV or
//! xlsx.
//!
//! * [`read_form`]: the sheets `survey`, `choices` and `settings` of an `.xlsx` into a
//!   [`Form`]; every problem — an unknown type or column, a missing list, a duplicate
//!   name, a bad reference, unbalanced groups, an unknown domain — is listed at once with
//!   its sheet, row and column (`form.xlsx 工作表“survey” 第7行 B列(type):…`).
//! * [`write_form`]: the form back as an `.xlsx` that reads back equal.
//! * [`read_frame`]: `stratum`, `population` per row.
//! * [`read_answers`]: one respondent a row, columns named as the form's questions (a
//!   group's prefix `grp/q` is taken off; the `q/choice` 0/1 columns of a multiple choice
//!   and the export's own `_…`, `meta/…` columns are left aside), plus `stratum`; every
//!   answer checked against the form. All or nothing.

use std::collections::{BTreeMap, BTreeSet};

use youxiang_core::plan::Domain;
use youxiang_core::survey::form::{
    Answer, Choice, Form, FormSettings, FormSheet, Question, QuestionType, Texts, parse_required,
};

use crate::error::{Column, IngestError};
use crate::limits::ReadLimits;
use crate::table::{Row, detect_format, read_table, xlsx_sheet_names};

/// What a header of the `survey` or `choices` sheet holds.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    Type,
    Name,
    ListName,
    Label(String),
    Hint(String),
    Required,
    Relevant,
    Constraint,
    ConstraintMessage(String),
    Appearance,
    Domain,
    FormId,
    FormTitle,
    Version,
    DefaultLanguage,
}

impl Field {
    /// The field's name as [`youxiang_core::survey::form::FormProblem`] names it.
    fn core_name(&self) -> &'static str {
        match self {
            Field::Type => "type",
            Field::Name => "name",
            Field::ListName => "list_name",
            Field::Label(_) => "label",
            Field::Hint(_) => "hint",
            Field::Required => "required",
            Field::Relevant => "relevant",
            Field::Constraint => "constraint",
            Field::ConstraintMessage(_) => "constraint_message",
            Field::Appearance => "appearance",
            Field::Domain => "domain",
            Field::FormId => "form_id",
            Field::FormTitle => "form_title",
            Field::Version => "version",
            Field::DefaultLanguage => "default_language",
        }
    }
}

const SURVEY_HINT: &str = "survey 表可用列:type、name、label(或 label::中文、label::English)、hint、required、relevant、constraint、constraint_message、appearance、domain";
const CHOICES_HINT: &str =
    "choices 表可用列:list_name、name、label(或 label::中文、label::English)";
const SETTINGS_HINT: &str = "settings 表可用列:form_id、form_title、version、default_language";

/// A header's field on `sheet`, `Ok(None)` for a column left aside (`$kuid` and the like
/// KoboToolbox adds), `Err` for a column this reader does not support.
fn field_of(sheet: FormSheet, header: &str) -> Result<Option<Field>, String> {
    let h = header.trim();
    if h.starts_with('$') {
        return Ok(None);
    }
    let (base, lang) = match h.split_once("::") {
        Some((b, l)) => (b, Some(l.trim().to_string())),
        None => (h, None),
    };
    let base = base.trim().to_ascii_lowercase().replace(' ', "_");
    let text = |f: fn(String) -> Field| Ok(Some(f(lang.clone().unwrap_or_default())));
    let plain = |f: Field| {
        if lang.is_some() {
            Err("此列不分语言".to_string())
        } else {
            Ok(Some(f))
        }
    };
    let unknown = |hint: &str| Err(format!("不支持的列({hint})"));
    match sheet {
        FormSheet::Survey => match base.as_str() {
            "type" => plain(Field::Type),
            "name" => plain(Field::Name),
            "label" => text(Field::Label),
            "hint" => text(Field::Hint),
            "required" => plain(Field::Required),
            "relevant" => plain(Field::Relevant),
            "constraint" => plain(Field::Constraint),
            "constraint_message" => text(Field::ConstraintMessage),
            "appearance" => plain(Field::Appearance),
            "domain" => plain(Field::Domain),
            _ => unknown(SURVEY_HINT),
        },
        FormSheet::Choices => match base.as_str() {
            "list_name" => plain(Field::ListName),
            "name" => plain(Field::Name),
            "label" => text(Field::Label),
            _ => unknown(CHOICES_HINT),
        },
        FormSheet::Settings => match base.as_str() {
            "form_id" => plain(Field::FormId),
            "form_title" => plain(Field::FormTitle),
            "version" => plain(Field::Version),
            "default_language" => plain(Field::DefaultLanguage),
            _ => unknown(SETTINGS_HINT),
        },
    }
}

/// One sheet read: its rows after the header, each header's field and column.
struct Sheet {
    /// `form.xlsx 工作表“survey”`
    place: String,
    columns: Vec<(usize, Field, Column)>,
    rows: Vec<Row>,
    header_row: usize,
}

impl Sheet {
    fn read(
        bytes: &[u8],
        file: &str,
        name: &str,
        sheet: FormSheet,
        limits: &ReadLimits,
        errors: &mut Vec<IngestError>,
    ) -> Option<Sheet> {
        let place = format!("{file} 工作表“{name}”");
        let table = match read_table(bytes, file, name, limits) {
            Ok(t) => t,
            Err(e) => {
                errors.push(e);
                return None;
            }
        };
        let mut rows = table.rows.into_iter().filter(|r| !r.is_empty());
        let Some(header) = rows.next() else {
            errors.push(IngestError::file(&place, "工作表是空的(第1行应为列名)"));
            return None;
        };
        let mut columns: Vec<(usize, Field, Column)> = Vec::new();
        for (i, cell) in header.cells.iter().enumerate() {
            if cell.text.is_empty() {
                continue;
            }
            let column = Column::new(i, cell.text.clone());
            match field_of(sheet, &cell.text) {
                Ok(Some(f)) => {
                    if columns.iter().any(|(_, g, _)| *g == f) {
                        errors.push(IngestError::cell(
                            &place,
                            header.row,
                            &column,
                            &cell.text,
                            "列名重复",
                        ));
                    } else {
                        columns.push((i, f, column));
                    }
                }
                Ok(None) => {}
                Err(reason) => errors.push(IngestError::cell(
                    &place, header.row, &column, &cell.text, reason,
                )),
            }
        }
        Some(Sheet {
            place,
            columns,
            rows: rows.collect(),
            header_row: header.row,
        })
    }

    fn has(&self, f: &Field) -> bool {
        self.columns.iter().any(|(_, g, _)| g == f)
    }

    fn require(&self, f: Field, errors: &mut Vec<IngestError>) {
        if !self.has(&f) {
            errors.push(IngestError::row(
                &self.place,
                self.header_row,
                format!("缺少“{}”列", f.core_name()),
            ));
        }
    }

    /// The column of a problem's field (the first label column for `label`).
    fn column(&self, field: &str) -> Option<&(usize, Field, Column)> {
        self.columns.iter().find(|(_, f, _)| f.core_name() == field)
    }

    fn problem(&self, row: usize, field: &str, value: &str, reason: &str) -> IngestError {
        match self.column(field) {
            Some((_, _, c)) => IngestError::cell(&self.place, row, c, value, reason),
            None => IngestError {
                value: value.to_string(),
                ..IngestError::row(&self.place, row, format!("{field}:{reason}"))
            },
        }
    }
}

fn put_text(map: &mut Texts, lang: &str, text: &str) {
    if !text.is_empty() {
        map.insert(lang.to_string(), text.to_string());
    }
}

/// Reads a form from an `.xlsx` and checks it against the plan's domains (a `domain`
/// written as the domain's name becomes its code). Nothing is returned unless the form
/// is clean.
pub fn read_form(bytes: &[u8], file: &str, domains: &[Domain]) -> Result<Form, Vec<IngestError>> {
    let limits = ReadLimits::default();
    if !matches!(detect_format(bytes), crate::SourceFormat::Xlsx) {
        return Err(vec![IngestError::file(
            file,
            "问卷应为 Excel 工作簿(.xlsx),含 survey、choices、settings 三张表",
        )]);
    }
    let names = xlsx_sheet_names(bytes, file, &limits).map_err(|e| vec![e])?;
    let find = |want: &str| names.iter().find(|n| n.trim().eq_ignore_ascii_case(want));
    let mut errors = Vec::new();
    let sheet = |kind: FormSheet, errors: &mut Vec<IngestError>| match find(kind.name()) {
        Some(n) => Sheet::read(bytes, file, n, kind, &limits, errors),
        None => {
            if kind != FormSheet::Choices {
                errors.push(IngestError::file(
                    file,
                    format!("缺少工作表“{}”", kind.name()),
                ));
            }
            None
        }
    };
    let survey = sheet(FormSheet::Survey, &mut errors);
    let choices = sheet(FormSheet::Choices, &mut errors);
    let settings = sheet(FormSheet::Settings, &mut errors);
    let mut form = Form {
        settings: FormSettings::default(),
        survey: Vec::new(),
        choices: Vec::new(),
    };
    let mut survey_rows = Vec::new();
    let mut choice_rows = Vec::new();
    if let Some(s) = &survey {
        s.require(Field::Type, &mut errors);
        s.require(Field::Name, &mut errors);
        for r in &s.rows {
            let mut q = Question::new(QuestionType::Note, "");
            let mut good = true;
            for (i, f, c) in &s.columns {
                let text = r.cell(*i).text.as_str();
                match f {
                    Field::Type => match text.parse::<QuestionType>() {
                        Ok(t) => q.kind = t,
                        Err(reason) => {
                            errors.push(IngestError::cell(&s.place, r.row, c, text, reason));
                            good = false;
                        }
                    },
                    Field::Name => q.name = text.to_string(),
                    Field::Label(l) => put_text(&mut q.label, l, text),
                    Field::Hint(l) => put_text(&mut q.hint, l, text),
                    Field::ConstraintMessage(l) => put_text(&mut q.constraint_message, l, text),
                    Field::Required => match parse_required(text) {
                        Some(b) => q.required = b,
                        None => {
                            errors.push(IngestError::cell(
                                &s.place,
                                r.row,
                                c,
                                text,
                                "应为 yes 或留空",
                            ));
                        }
                    },
                    Field::Relevant => q.relevant = text.to_string(),
                    Field::Constraint => q.constraint = text.to_string(),
                    Field::Appearance => q.appearance = text.to_string(),
                    Field::Domain => q.domain = text.to_string(),
                    _ => {}
                }
            }
            if good && s.has(&Field::Type) {
                form.survey.push(q);
                survey_rows.push(r.row);
            }
        }
    }
    if let Some(s) = &choices {
        s.require(Field::ListName, &mut errors);
        s.require(Field::Name, &mut errors);
        for r in &s.rows {
            let mut c = Choice {
                list_name: String::new(),
                name: String::new(),
                label: Texts::new(),
            };
            for (i, f, _) in &s.columns {
                let text = r.cell(*i).text.as_str();
                match f {
                    Field::ListName => c.list_name = text.to_string(),
                    Field::Name => c.name = text.to_string(),
                    Field::Label(l) => put_text(&mut c.label, l, text),
                    _ => {}
                }
            }
            form.choices.push(c);
            choice_rows.push(r.row);
        }
    }
    let mut settings_row = 2;
    if let Some(s) = &settings {
        if let Some(r) = s.rows.first() {
            settings_row = r.row;
            for (i, f, _) in &s.columns {
                let text = r.cell(*i).text.clone();
                match f {
                    Field::FormId => form.settings.form_id = text,
                    Field::FormTitle => form.settings.form_title = text,
                    Field::Version => form.settings.version = text,
                    Field::DefaultLanguage => form.settings.default_language = text,
                    _ => {}
                }
            }
        }
        if let Some(extra) = s.rows.get(1) {
            errors.push(IngestError::row(
                &s.place,
                extra.row,
                "settings 表只应有一行设置",
            ));
        }
    }
    form.resolve_domains(domains);
    for p in form.check(domains) {
        let (sheet, row) = match p.sheet {
            FormSheet::Survey => (&survey, survey_rows.get(p.item).copied()),
            FormSheet::Choices => (&choices, choice_rows.get(p.item).copied()),
            FormSheet::Settings => (&settings, Some(settings_row)),
        };
        // (a missing sheet is already said)
        if let (Some(s), Some(row)) = (sheet, row) {
            errors.push(s.problem(row, &p.field, &p.value, &p.reason));
        }
    }
    if errors.is_empty() {
        Ok(form)
    } else {
        errors.sort_by(|a, b| (&a.file, a.row).cmp(&(&b.file, b.row)));
        Err(errors)
    }
}

/// The column header of a text per language.
fn lang_header(base: &str, lang: &str) -> String {
    if lang.is_empty() {
        base.to_string()
    } else {
        format!("{base}::{lang}")
    }
}

/// A sheet to write: its name, headers and rows of text.
type SheetText<'a> = (&'a str, Vec<String>, Vec<Vec<String>>);

/// Writes a form as an `.xlsx` of the sheets `survey`, `choices` and `settings`.
pub fn write_form(form: &Form) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| format!("生成 Excel 失败:{e}");
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let langs = form.languages();
    let used = |f: &dyn Fn(&Question) -> &Texts| -> Vec<String> {
        langs
            .iter()
            .filter(|l| form.survey.iter().any(|q| f(q).contains_key(*l)))
            .cloned()
            .collect()
    };
    let hint_langs = used(&|q| &q.hint);
    let message_langs = used(&|q| &q.constraint_message);
    let mut book = Workbook::new();

    // survey
    let mut headers: Vec<String> = vec!["type".into(), "name".into()];
    headers.extend(langs.iter().map(|l| lang_header("label", l)));
    headers.extend(hint_langs.iter().map(|l| lang_header("hint", l)));
    headers.extend(["required", "relevant", "constraint"].map(String::from));
    headers.extend(
        message_langs
            .iter()
            .map(|l| lang_header("constraint_message", l)),
    );
    headers.extend(["appearance", "domain"].map(String::from));
    let mut rows: Vec<Vec<String>> = Vec::new();
    for q in &form.survey {
        let mut row = vec![q.kind.to_string(), q.name.clone()];
        let get = |m: &Texts, l: &str| m.get(l).cloned().unwrap_or_default();
        row.extend(langs.iter().map(|l| get(&q.label, l)));
        row.extend(hint_langs.iter().map(|l| get(&q.hint, l)));
        row.push(if q.required {
            "yes".into()
        } else {
            String::new()
        });
        row.push(q.relevant.clone());
        row.push(q.constraint.clone());
        row.extend(message_langs.iter().map(|l| get(&q.constraint_message, l)));
        row.push(q.appearance.clone());
        row.push(q.domain.clone());
        rows.push(row);
    }
    let sheets: Vec<SheetText> = vec![
        ("survey", headers, rows),
        (
            "choices",
            ["list_name", "name"]
                .map(String::from)
                .into_iter()
                .chain(langs.iter().map(|l| lang_header("label", l)))
                .collect(),
            form.choices
                .iter()
                .map(|c| {
                    let mut row = vec![c.list_name.clone(), c.name.clone()];
                    row.extend(
                        langs
                            .iter()
                            .map(|l| c.label.get(l).cloned().unwrap_or_default()),
                    );
                    row
                })
                .collect(),
        ),
        (
            "settings",
            ["form_id", "form_title", "version", "default_language"]
                .map(String::from)
                .to_vec(),
            vec![vec![
                form.settings.form_id.clone(),
                form.settings.form_title.clone(),
                form.settings.version.clone(),
                form.settings.default_language.clone(),
            ]],
        ),
    ];
    for (name, headers, rows) in sheets {
        let ws = book.add_worksheet();
        ws.set_name(name).map_err(fail)?;
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)
                .map_err(fail)?;
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if !cell.is_empty() {
                    ws.write_string_with_format(r as u32 + 1, c as u16, cell, &text)
                        .map_err(fail)?;
                }
            }
        }
    }
    book.save_to_buffer().map_err(fail)
}

/// Finds the columns named `names` (any spelling) in a header row.
fn header_index(header: &Row, names: &[&str]) -> Option<(usize, Column)> {
    header.cells.iter().enumerate().find_map(|(i, c)| {
        let t = c.text.trim();
        names
            .iter()
            .any(|n| t.eq_ignore_ascii_case(n))
            .then(|| (i, Column::new(i, t)))
    })
}

/// Reads a sampling frame (`stratum`: a place code, `population`: the adults there).
/// `check_stratum` says why a code is not acceptable (`None`: it is).
pub fn read_frame(
    bytes: &[u8],
    file: &str,
    check_stratum: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, u64)>, Vec<IngestError>> {
    let limits = ReadLimits::default();
    let table = read_table(bytes, file, "frame", &limits).map_err(|e| vec![e])?;
    let mut rows = table.rows.iter().filter(|r| !r.is_empty());
    let Some(header) = rows.next() else {
        return Err(vec![IngestError::file(
            file,
            "文件是空的(第1行应为 stratum、population)",
        )]);
    };
    let stratum = header_index(header, &["stratum", "层", "地点编码"]);
    let population = header_index(header, &["population", "人口", "人口数"]);
    let (Some((si, sc)), Some((pi, pc))) = (stratum, population) else {
        return Err(vec![IngestError::row(
            file,
            header.row,
            "第1行应有 stratum(地点编码)和 population(人口)两列",
        )]);
    };
    let mut errors = Vec::new();
    let mut out: Vec<(String, u64)> = Vec::new();
    let mut seen = BTreeSet::new();
    for r in rows {
        let code = r.cell(si).text.trim().to_string();
        let ptext = r.cell(pi).text.trim();
        if code.is_empty() {
            errors.push(IngestError::cell(file, r.row, &sc, "", "缺少地点编码"));
        } else if let Some(reason) = check_stratum(&code) {
            errors.push(IngestError::cell(file, r.row, &sc, &code, reason));
        } else if !seen.insert(code.clone()) {
            errors.push(IngestError::cell(file, r.row, &sc, &code, "地点重复"));
        }
        match ptext.parse::<u64>() {
            Ok(n) if n > 0 => out.push((code, n)),
            _ => errors.push(IngestError::cell(file, r.row, &pc, ptext, "人口应为正整数")),
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(IngestError::file(file, "抽样框中没有任何地点"));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// One respondent read from an answers file.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerRow {
    /// The row number as Excel shows it.
    pub row: usize,
    /// The export's `_uuid` (or `meta/instanceID`): the same submission imported twice is
    /// refused.
    pub uuid: Option<String>,
    pub answer: Answer,
}

/// The columns of an export that are its own, not the form's.
fn is_meta(header: &str) -> bool {
    const META: &[&str] = &[
        "start",
        "end",
        "today",
        "deviceid",
        "username",
        "phonenumber",
        "simserial",
        "subscriberid",
        "audit",
        "__version__",
    ];
    header.starts_with('_')
        || header.starts_with("meta/")
        || header.starts_with("formhub/")
        || META.contains(&header)
}

/// Reads an answers file exported by KoboToolbox or ODK (CSV or xlsx; “XML values and
/// headers”): each answer checked against `form`, each stratum by `check_stratum`. Every
/// problem is listed; nothing is returned unless every row is good.
pub fn read_answers(
    bytes: &[u8],
    file: &str,
    form: &Form,
    check_stratum: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<AnswerRow>, Vec<IngestError>> {
    let limits = ReadLimits {
        max_columns: 2_000,
        ..ReadLimits::default()
    };
    let table = read_table(bytes, file, "", &limits).map_err(|e| vec![e])?;
    let mut rows = table.rows.iter().filter(|r| !r.is_empty());
    let Some(header) = rows.next() else {
        return Err(vec![IngestError::file(file, "文件是空的(第1行应为题目名)")]);
    };
    let mut errors = Vec::new();
    let mut stratum: Option<(usize, Column)> = None;
    let mut uuid: Option<usize> = None;
    let mut instance: Option<usize> = None;
    let mut columns: BTreeMap<String, (usize, Column)> = BTreeMap::new();
    for (i, cell) in header.cells.iter().enumerate() {
        let h = cell.text.trim();
        if h.is_empty() {
            continue;
        }
        let column = Column::new(i, h);
        if h.eq_ignore_ascii_case("stratum") {
            stratum = Some((i, column));
            continue;
        }
        if h == "_uuid" {
            uuid = Some(i);
        }
        if h == "meta/instanceID" {
            instance = Some(i);
        }
        if is_meta(h) {
            continue;
        }
        let parts: Vec<&str> = h.split('/').collect();
        let last = parts.last().copied().unwrap_or(h);
        if form.question(last).is_some() {
            if columns
                .insert(last.to_string(), (i, column.clone()))
                .is_some()
            {
                errors.push(IngestError::cell(
                    file,
                    header.row,
                    &column,
                    h,
                    "题目列重复",
                ));
            }
            continue;
        }
        // A multiple choice's 0/1 column `q/choice`.
        if parts.len() >= 2
            && let Some(q) = form.question(parts[parts.len() - 2])
            && let QuestionType::SelectMultiple(list) = &q.kind
            && form.list(list).any(|c| c.name == last)
        {
            continue;
        }
        // A group or note of the form.
        if form.survey.iter().any(|q| q.name == last) {
            continue;
        }
        errors.push(IngestError::cell(
            file,
            header.row,
            &column,
            h,
            "问卷中没有这道题(列名应为题目名 name,导出时选“XML 值和列名”)",
        ));
    }
    let Some((si, sc)) = stratum else {
        errors.push(IngestError::row(
            file,
            header.row,
            "缺少 stratum 列(受访者所在镇街的地点编码)",
        ));
        return Err(errors);
    };
    for q in &form.survey {
        if q.kind.is_answered()
            && q.required
            && q.relevant.is_empty()
            && !columns.contains_key(&q.name)
        {
            errors.push(IngestError::row(
                file,
                header.row,
                format!("缺少必答题“{}”的列", q.name),
            ));
        }
    }
    let uuid = uuid.or(instance);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for r in rows {
        let code = r.cell(si).text.trim().to_string();
        if code.is_empty() {
            errors.push(IngestError::cell(file, r.row, &sc, "", "缺少地点编码"));
        } else if let Some(reason) = check_stratum(&code) {
            errors.push(IngestError::cell(file, r.row, &sc, &code, reason));
        }
        let id = uuid
            .map(|i| r.cell(i).text.trim().to_string())
            .filter(|u| !u.is_empty());
        if let Some(u) = &id
            && !seen.insert(u.clone())
        {
            errors.push(IngestError::row(
                file,
                r.row,
                format!("同一份答卷“{u}”出现两次"),
            ));
        }
        let values: BTreeMap<String, String> = columns
            .iter()
            .map(|(q, (i, _))| (q.clone(), r.cell(*i).text.trim().to_string()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        for p in form.check_answer(&values) {
            match columns.get(&p.question) {
                Some((_, c)) => errors.push(IngestError::cell(file, r.row, c, &p.value, p.reason)),
                None => errors.push(IngestError::row(
                    file,
                    r.row,
                    format!("{}:{}", p.question, p.reason),
                )),
            }
        }
        out.push(AnswerRow {
            row: r.row,
            uuid: id,
            answer: Answer {
                stratum: code,
                values,
            },
        });
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(IngestError::file(file, "文件中没有答卷"));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The source of the shipped sample questionnaire (七优享 satisfaction and demand).
pub const SAMPLE_FORM_TOML: &str = include_str!("../../../surveys/qiyouxiang-satisfaction.toml");

/// The shipped sample questionnaire, read from its TOML source.
pub fn sample_form() -> Result<Form, String> {
    toml::from_str(SAMPLE_FORM_TOML).map_err(|e| format!("示例问卷无法读取:{e}"))
}
