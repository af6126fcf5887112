//! Text for the domain's closed sets of values: each has a stable code (the API's and the
//! store's spelling), a Chinese and an English label, and parses from any of the three —
//! once, here, for the command line and the web alike.

/// A closed set of values with a code and two labels.
pub trait Labelled: Copy + Sized + 'static {
    /// What a value of the set is called, for error messages (e.g. `督办单状态`).
    const WHAT: &'static str;
    /// Every value, in display order.
    fn all() -> &'static [Self];
    /// The stable code: the API's, the store's and the command line's spelling.
    fn code(self) -> &'static str;
    fn label_zh(self) -> &'static str;
    fn label_en(self) -> &'static str;
    /// Further spellings accepted when parsing (abbreviations, older names).
    fn aliases(self) -> &'static [&'static str] {
        &[]
    }
}

/// Text that names no value of a [`Labelled`] set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}“{text}”无效:应为 {choices}")]
pub struct ParseLabelError {
    pub what: &'static str,
    pub text: String,
    /// The codes and Chinese labels accepted, e.g. `registered(立项)、assigned(交办)`.
    pub choices: String,
}

impl From<ParseLabelError> for String {
    fn from(e: ParseLabelError) -> String {
        e.to_string()
    }
}

/// Parses a code, a Chinese label or an English label (case and surrounding space ignored;
/// `-`, `_` and spaces are the same in codes and English labels).
pub fn parse_labelled<T: Labelled>(text: &str) -> Result<T, ParseLabelError> {
    let fold = |s: &str| -> String {
        s.trim()
            .chars()
            .map(|c| match c {
                '-' | ' ' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect()
    };
    let wanted = fold(text);
    T::all()
        .iter()
        .copied()
        .find(|v| {
            [v.code(), v.label_zh(), v.label_en()]
                .into_iter()
                .chain(v.aliases().iter().copied())
                .any(|s| fold(s) == wanted)
        })
        .ok_or_else(|| ParseLabelError {
            what: T::WHAT,
            text: text.trim().to_string(),
            choices: T::all()
                .iter()
                .map(|v| format!("{}({})", v.code(), v.label_zh()))
                .collect::<Vec<_>>()
                .join("、"),
        })
}

/// Writes `impl Labelled` (with the given codes and aliases, the type's own `label_zh` and
/// `label_en`) and `FromStr` for an enum.
#[macro_export]
macro_rules! labelled {
    ($ty:ident, $what:literal, { $($variant:ident => $code:literal $(| $alias:literal)*),+ $(,)? }) => {
        impl $crate::labels::Labelled for $ty {
            const WHAT: &'static str = $what;
            fn all() -> &'static [Self] {
                &[$($ty::$variant),+]
            }
            fn code(self) -> &'static str {
                match self { $($ty::$variant => $code),+ }
            }
            fn label_zh(self) -> &'static str {
                $ty::label_zh(self)
            }
            fn label_en(self) -> &'static str {
                $ty::label_en(self)
            }
            fn aliases(self) -> &'static [&'static str] {
                match self { $($ty::$variant => &[$($alias),*]),+ }
            }
        }
        impl ::std::str::FromStr for $ty {
            type Err = $crate::labels::ParseLabelError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $crate::labels::parse_labelled(s)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manage::{ActionKind, OrderState, RankBy, ReviewCheck, WeekItemStatus};
    use crate::place::Level;
    use crate::scope::Role;

    /// Every value parses from its code and both labels, and its code is its serde name
    /// (the spelling the API and the store use).
    fn round_trips<T>()
    where
        T: Labelled + std::str::FromStr<Err = ParseLabelError> + PartialEq + std::fmt::Debug,
        T: serde::Serialize,
    {
        for &v in T::all() {
            for text in [v.code(), v.label_zh(), v.label_en()] {
                assert_eq!(text.parse::<T>(), Ok(v), "{text}");
            }
            assert_eq!(serde_json::to_value(v).unwrap(), v.code(), "{v:?}");
        }
        let e = "无此项".parse::<T>().unwrap_err();
        assert!(e.to_string().contains(T::WHAT) && e.to_string().contains(T::all()[0].code()));
    }

    #[test]
    fn every_labelled_set_parses_from_code_and_labels() {
        round_trips::<Role>();
        round_trips::<Level>();
        round_trips::<OrderState>();
        round_trips::<ActionKind>();
        round_trips::<ReviewCheck>();
        round_trips::<WeekItemStatus>();
        round_trips::<RankBy>();
        round_trips::<crate::decompose::SplitRule>();
        assert_eq!("In Progress".parse(), Ok(OrderState::InProgress));
        assert_eq!("街道".parse(), Ok(Level::Town));
        assert_eq!("dept".parse(), Ok(RankBy::Department));
    }
}
