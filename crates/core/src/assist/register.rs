//! The register of households in difficulty (困难群众名册, methods §9): categories, status
//! history, declared income and assets, needs, consent — and the masking of personal data
//! (身份证号, name, phone, address, health), which is shown whole only on a stated reason.
//!
//! Pure: the personal part is a plain [`Personal`] here; sealing it (encryption at rest)
//! is the app's business.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The categories of difficulty, a closed set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 特困供养
    Tekun,
    /// 最低生活保障
    Dibao,
    /// 低保边缘
    DibaoEdge,
    /// 支出型困难
    Spending,
    /// 困境儿童
    Child,
    /// 残疾人
    Disabled,
    /// 独居/空巢老人
    ElderAlone,
    /// 其他困难
    Other,
}

impl Category {
    pub fn label_zh(self) -> &'static str {
        match self {
            Category::Tekun => "特困供养",
            Category::Dibao => "最低生活保障",
            Category::DibaoEdge => "低保边缘",
            Category::Spending => "支出型困难",
            Category::Child => "困境儿童",
            Category::Disabled => "残疾人",
            Category::ElderAlone => "独居/空巢老人",
            Category::Other => "其他困难",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Category::Tekun => "destitute support",
            Category::Dibao => "minimum living allowance",
            Category::DibaoEdge => "near-allowance",
            Category::Spending => "expenditure hardship",
            Category::Child => "child in difficulty",
            Category::Disabled => "disabled person",
            Category::ElderAlone => "elderly living alone",
            Category::Other => "other hardship",
        }
    }
}

crate::labelled!(Category, "困难类别", {
    Tekun => "tekun" | "特困",
    Dibao => "dibao" | "低保",
    DibaoEdge => "dibao_edge" | "边缘",
    Spending => "spending",
    Child => "child",
    Disabled => "disabled",
    ElderAlone => "elder_alone" | "独居老人" | "空巢老人",
    Other => "other",
});

/// A household's standing in the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HouseholdStatus {
    /// 申请中
    Applying,
    /// 在册救助
    Active,
    /// 暂停
    Suspended,
    /// 退出
    Exited,
}

impl HouseholdStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            HouseholdStatus::Applying => "申请中",
            HouseholdStatus::Active => "在册救助",
            HouseholdStatus::Suspended => "暂停",
            HouseholdStatus::Exited => "退出",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            HouseholdStatus::Applying => "applying",
            HouseholdStatus::Active => "receiving help",
            HouseholdStatus::Suspended => "suspended",
            HouseholdStatus::Exited => "exited",
        }
    }
}

crate::labelled!(HouseholdStatus, "救助状态", {
    Applying => "applying",
    Active => "active",
    Suspended => "suspended",
    Exited => "exited",
});

/// One dated change of status, with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusChange {
    pub date: NaiveDate,
    pub status: HouseholdStatus,
    pub reason: String,
    #[serde(default)]
    pub by: String,
    /// 复核到期日: the day the status is to be reviewed by (set when a household enters
    /// 在册救助; by default the change + the review period of the flag rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_due: Option<NaiveDate>,
}

/// The household's consent to the processing of its data (授权同意).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub date: NaiveDate,
    /// What was consented to (e.g. 核对经济状况、共享给帮扶力量).
    pub scope: String,
    /// How (书面签字, 浙里办授权 …).
    pub how: String,
}

/// A member's personal data (kept sealed at rest).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PersonalMember {
    pub name: String,
    pub id_number: String,
    #[serde(default)]
    pub phone: String,
    /// 健康状况 (health), free text.
    #[serde(default)]
    pub health: String,
}

/// A household's personal data: its members' and the address detail.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Personal {
    /// The address below the place (路、号、室).
    pub address: String,
    pub members: Vec<PersonalMember>,
}

/// A member's data that is not personal: the relation to the head and the tags.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MemberInfo {
    /// 户主, 配偶, 子女, 父母 …
    pub relation: String,
}

/// A household of the register, its personal data in the clear (the app seals it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Household {
    /// The register's id, e.g. `H330902002-0001`.
    pub id: String,
    /// The place's code (a village or town).
    pub place: String,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub lat: Option<f64>,
    pub categories: Vec<Category>,
    /// Declared household income over the last twelve months, 元.
    pub income_year: f64,
    /// Declared financial assets (deposits, securities), 元.
    pub assets: f64,
    /// Needs (e.g. 助餐, 助医, 探访, 助学), free words.
    #[serde(default)]
    pub needs: Vec<String>,
    pub status: HouseholdStatus,
    /// Every status change, oldest first; the last one is the current status.
    #[serde(default)]
    pub history: Vec<StatusChange>,
    #[serde(default)]
    pub consent: Option<Consent>,
    pub members: Vec<MemberInfo>,
    pub personal: Personal,
    /// Synthetic demo data (演示).
    #[serde(default)]
    pub demo: bool,
}

impl Household {
    /// The number of members (at least 1 for the per-head figures).
    pub fn size(&self) -> usize {
        self.members.len().max(self.personal.members.len()).max(1)
    }

    /// Declared income per head and year, 元.
    pub fn income_per_head(&self) -> f64 {
        self.income_year / self.size() as f64
    }

    /// Declared assets per head, 元.
    pub fn assets_per_head(&self) -> f64 {
        self.assets / self.size() as f64
    }

    /// The head's masked name (the first member's).
    pub fn head_name_masked(&self) -> String {
        self.personal
            .members
            .first()
            .map(|m| mask_name(&m.name))
            .unwrap_or_default()
    }

    /// Each member as (relation, name, 身份证号, phone, health), in order — masked or whole
    /// as the household holds them.
    pub fn member_rows(&self) -> Vec<(String, String, String, String, String)> {
        self.personal
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| {
                (
                    self.members
                        .get(i)
                        .map(|m| m.relation.clone())
                        .unwrap_or_default(),
                    m.name.clone(),
                    m.id_number.clone(),
                    m.phone.clone(),
                    m.health.clone(),
                )
            })
            .collect()
    }

    /// Every problem of the household at once.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.id.trim().is_empty() {
            out.push("户编号不能为空".to_string());
        }
        if self.place.trim().is_empty() {
            out.push("所在地点不能为空".to_string());
        }
        if self.categories.is_empty() {
            out.push("至少选一个困难类别".to_string());
        }
        if !(self.income_year.is_finite() && self.income_year >= 0.0) {
            out.push("家庭年收入应为不小于0的数".to_string());
        }
        if !(self.assets.is_finite() && self.assets >= 0.0) {
            out.push("家庭金融资产应为不小于0的数".to_string());
        }
        if self.personal.members.is_empty() {
            out.push("至少登记一名家庭成员".to_string());
        }
        if self.members.len() != self.personal.members.len() {
            out.push("成员关系与成员信息的人数不一致".to_string());
        }
        for (n, m) in self.personal.members.iter().enumerate() {
            if m.name.trim().is_empty() {
                out.push(format!("第{}名成员:姓名不能为空", n + 1));
            }
            if let Err(p) = check_id_number(&m.id_number) {
                out.push(format!("第{}名成员:{p}", n + 1));
            }
            if !m.phone.is_empty() && !is_mobile(&m.phone) {
                out.push(format!("第{}名成员:手机号应为11位,以1开头", n + 1));
            }
        }
        if let (Some(lon), Some(lat)) = (self.lon, self.lat)
            && !((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat))
        {
            out.push("经纬度超出范围".to_string());
        }
        out
    }

    /// The household as anyone without the right sees it: every personal field masked.
    pub fn masked(&self) -> Household {
        let mut h = self.clone();
        h.personal = self.personal.masked();
        h
    }
}

impl Personal {
    /// Every field masked: names `张*明`, ID numbers `330902********1234`, phones
    /// `138****5678`, the address and health hidden.
    pub fn masked(&self) -> Personal {
        Personal {
            address: mask_address(&self.address),
            members: self
                .members
                .iter()
                .map(|m| PersonalMember {
                    name: mask_name(&m.name),
                    id_number: mask_id_number(&m.id_number),
                    phone: mask_phone(&m.phone),
                    health: if m.health.is_empty() {
                        String::new()
                    } else {
                        "***".to_string()
                    },
                })
                .collect(),
        }
    }
}

/// `张三` → `张*`, `张小明` → `张*明`, `欧阳小明` → `欧**明`.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".to_string(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// `330902199001011234` → `330902********1234`: the region kept, the birth date hidden.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.trim().chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let n = chars.len();
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[n - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(n - 10))
}

/// `13812345678` → `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.trim().chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let n = chars.len();
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[n - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(n - 7))
}

/// The address detail hidden after its first four characters (the road, not the door).
pub fn mask_address(address: &str) -> String {
    let chars: Vec<char> = address.trim().chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    let keep = chars.len().min(4);
    format!("{}****", chars[..keep].iter().collect::<String>())
}

/// Whether `phone` is a mainland mobile number (`1[3-9]` and nine more digits).
pub fn is_mobile(phone: &str) -> bool {
    let b = phone.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

/// The check character of an 18-character 身份证号's first 17 digits (GB 11643).
pub fn id_check_char(first17: &str) -> Option<char> {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(C[(sum % 11) as usize])
}

/// Checks an 18-character 身份证号: digits, a real birth date, the check character.
pub fn check_id_number(id: &str) -> Result<(), String> {
    let id = id.trim();
    if id.len() != 18 || !id.is_ascii() {
        return Err("身份证号应为18位".to_string());
    }
    let (body, check) = id.split_at(17);
    let Some(expected) = id_check_char(body) else {
        return Err("身份证号前17位应为数字".to_string());
    };
    if NaiveDate::parse_from_str(&body[6..14], "%Y%m%d").is_err() {
        return Err("身份证号中的出生日期无效".to_string());
    }
    if !check.eq_ignore_ascii_case(&expected.to_string()) {
        return Err("身份证号校验位不符".to_string());
    }
    Ok(())
}

/// Every unmasked 18-character ID number (6 region digits, a birth date 19xx/20xx, 3
/// digits, a digit or X) and mobile number (`1[3-9]\d{9}`, not inside a longer run of
/// digits) in `text` — what the leak scan looks for.
pub fn find_unmasked(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() || (i > 0 && b[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let run = &text[i..j];
        let next_x = j < b.len() && (b[j] == b'X' || b[j] == b'x');
        let id_like = (run.len() == 18 || (run.len() == 17 && next_x))
            && (run.starts_with(|c: char| c != '0'))
            && (&run[6..8] == "19" || &run[6..8] == "20");
        if id_like {
            out.push(text[i..if run.len() == 17 { j + 1 } else { j }].to_string());
        } else if run.len() == 11 && is_mobile(run) {
            out.push(run.to_string());
        }
        i = j.max(i + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_only_what_the_brief_shows() {
        assert_eq!(mask_id_number("330902199001011234"), "330902********1234");
        assert_eq!(mask_name("张小明"), "张*明");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳小明"), "欧**明");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_address("盐仓街道某路12号3室"), "盐仓街道****");
        assert!(find_unmasked(&mask_id_number("33090219900101123X")).is_empty());
        assert!(find_unmasked(&mask_phone("13812345678")).is_empty());
    }

    #[test]
    fn id_numbers_are_checked_and_found() {
        let body = "33090219900101123";
        let id = format!("{body}{}", id_check_char(body).unwrap());
        assert!(check_id_number(&id).is_ok());
        assert!(check_id_number("330902199013011234").is_err());
        assert!(check_id_number("33090219900101").is_err());
        let text = format!("户主 {id},电话13812345678;金额 12345678901234567890 元;20251015");
        assert_eq!(find_unmasked(&text), vec![id, "13812345678".to_string()]);
        assert!(find_unmasked("12812345678 和 138123456789").is_empty());
    }

    #[test]
    fn categories_parse_from_labels() {
        use crate::labels::Labelled;
        for &c in Category::all() {
            assert_eq!(c.label_zh().parse::<Category>(), Ok(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.code());
        }
        assert_eq!("低保".parse::<Category>(), Ok(Category::Dibao));
    }
}
