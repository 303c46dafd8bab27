//! Lenient JSON field types for provider records.
//!
//! The tools' logs are untrusted input: a field that is usually a string can be a number, an
//! object can be `null`, a token count can be negative or a float. With these types a record
//! deserialises whenever the line is valid JSON; a field of the wrong shape simply reads as
//! absent (and its value is skipped without allocating). Only a line that is not JSON at all
//! fails, and becomes a counted warning.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// `visit_*` for numbers, returning `$v`.
macro_rules! numbers_are {
    ($v:expr) => {
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($v)
        }
    };
}

/// `visit_*` for booleans and null, returning `$v`.
macro_rules! bool_and_null_are {
    ($v:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok($v)
        }
    };
}

/// `visit_seq` and `visit_map` that consume the container without materialising it.
macro_rules! containers_are {
    ($v:expr) => {
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($v)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok($v)
        }
    };
}

/// A string field; any other JSON type reads as `None`. Borrows from the line when it can.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Str<'a>(pub Option<Cow<'a, str>>);

impl Str<'_> {
    /// The string, if it was one.
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// The string if it was one and is not empty after trimming.
    pub fn non_empty(&self) -> Option<&str> {
        self.get().filter(|s| !s.trim().is_empty())
    }
}

/// A test of a string: what [`StrTest`] asks of a field.
pub trait StrPredicate {
    /// True when `s` passes.
    fn test(s: &str) -> bool;
}

/// A string field read only to test it, in the parser's buffer (never copied, never kept):
/// `P` decides; any other JSON type reads as false.
pub struct StrTest<P>(pub bool, PhantomData<P>);

impl<P> Default for StrTest<P> {
    fn default() -> Self {
        StrTest(false, PhantomData)
    }
}

impl<'de, P: StrPredicate> Deserialize<'de> for StrTest<P> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<P>(PhantomData<P>);
        impl<'de, P: StrPredicate> Visitor<'de> for V<P> {
            type Value = StrTest<P>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E>(self, v: &str) -> Result<StrTest<P>, E> {
                Ok(StrTest(P::test(v), PhantomData))
            }
            numbers_are!(StrTest::default());
            bool_and_null_are!(StrTest::default());
            containers_are!(StrTest::default());
        }
        d.deserialize_any(V(PhantomData))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Str<'a>, E> {
                Ok(Str(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Str<'a>, E> {
                Ok(Str(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E>(self, v: String) -> Result<Str<'a>, E> {
                Ok(Str(Some(Cow::Owned(v))))
            }
            numbers_are!(Str(None));
            bool_and_null_are!(Str(None));
            containers_are!(Str(None));
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A token count: a non-negative integer (a positive float is truncated; `null` and an absent
/// field are 0). Anything else (a negative or non-finite number, a string, a boolean, an
/// object) is not a count the tool could have meant: it reads as [`Count::INVALID`], which
/// makes the whole call implausible, so ingest skips and counts it instead of silently
/// taking 0 (or subtracting).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub u64);

impl Count {
    /// What a count of the wrong shape reads as: far beyond any plausible count (see
    /// `ingest::MAX_TOKENS_PER_CALL`).
    pub const INVALID: Count = Count(u64::MAX);
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_u64<E>(self, v: u64) -> Result<Count, E> {
                Ok(Count(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Count, E> {
                Ok(u64::try_from(v).map_or(Count::INVALID, Count))
            }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            fn visit_f64<E>(self, v: f64) -> Result<Count, E> {
                Ok(if v.is_finite() && v >= 0.0 {
                    Count(v as u64)
                } else {
                    Count::INVALID
                })
            }
            fn visit_str<E>(self, _: &str) -> Result<Count, E> {
                Ok(Count::INVALID)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Count, E> {
                Ok(Count::INVALID)
            }
            fn visit_unit<E>(self) -> Result<Count, E> {
                Ok(Count(0))
            }
            fn visit_none<E>(self) -> Result<Count, E> {
                Ok(Count(0))
            }
            containers_are!(Count::INVALID);
        }
        d.deserialize_any(V)
    }
}

/// A number field (a rate); any other JSON type reads as `None`.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Num(pub Option<f64>);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            #[allow(clippy::cast_precision_loss)] // prices are far below 2^53
            fn visit_u64<E>(self, v: u64) -> Result<Num, E> {
                Ok(Num(Some(v as f64)))
            }
            #[allow(clippy::cast_precision_loss)]
            fn visit_i64<E>(self, v: i64) -> Result<Num, E> {
                Ok(Num(Some(v as f64)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Num, E> {
                Ok(Num(Some(v)))
            }
            fn visit_str<E>(self, _: &str) -> Result<Num, E> {
                Ok(Num(None))
            }
            bool_and_null_are!(Num(None));
            containers_are!(Num(None));
        }
        d.deserialize_any(V)
    }
}

/// An object field of type `T`; a non-object value reads as `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obj<T>(pub Option<T>);

impl<T> Default for Obj<T> {
    fn default() -> Self {
        Obj(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(|t| Obj(Some(t)))
            }
            fn visit_str<E>(self, _: &str) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Obj<T>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Obj(None))
            }
            numbers_are!(Obj(None));
            bool_and_null_are!(Obj(None));
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// An array of objects of type `T`; non-object elements are skipped, a non-array reads as empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List<T>(pub Vec<T>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List<T>, A::Error> {
                let mut out = Vec::new();
                while let Some(Obj(item)) = seq.next_element::<Obj<T>>()? {
                    out.extend(item);
                }
                Ok(List(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<List<T>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(List(Vec::new()))
            }
            fn visit_str<E>(self, _: &str) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
            numbers_are!(List(Vec::new()));
            bool_and_null_are!(List(Vec::new()));
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// An array of strings (a lone string reads as one); elements that are not strings are
/// skipped, any other value reads as empty.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Strs<'a>(pub Vec<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Strs<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Strs<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strs<'a>, A::Error> {
                let mut out = Vec::new();
                while let Some(Str(item)) = seq.next_element::<Str<'a>>()? {
                    out.extend(item);
                }
                Ok(Strs(out))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Strs<'a>, E> {
                Ok(Strs(vec![Cow::Borrowed(v)]))
            }
            fn visit_str<E>(self, v: &str) -> Result<Strs<'a>, E> {
                Ok(Strs(vec![Cow::Owned(v.to_string())]))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Strs<'a>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Strs(Vec::new()))
            }
            numbers_are!(Strs(Vec::new()));
            bool_and_null_are!(Strs(Vec::new()));
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A boolean field; anything but JSON `true` reads as false.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Flag;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Flag, E> {
                Ok(Flag(v))
            }
            fn visit_unit<E>(self) -> Result<Flag, E> {
                Ok(Flag(false))
            }
            fn visit_none<E>(self) -> Result<Flag, E> {
                Ok(Flag(false))
            }
            fn visit_str<E>(self, _: &str) -> Result<Flag, E> {
                Ok(Flag(false))
            }
            numbers_are!(Flag(false));
            containers_are!(Flag(false));
        }
        d.deserialize_any(V)
    }
}

/// Message content as prompt text: a string, or an array of blocks whose `text` blocks
/// (`text`, `input_text`) are joined with newlines; `None` when there is no text (a tool result).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Text(pub Option<String>);

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct TextBlock<'a> {
    #[serde(rename = "type", borrow)]
    kind: Str<'a>,
    #[serde(borrow)]
    text: Str<'a>,
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E>(self, v: &str) -> Result<Text, E> {
                Ok(Text(Some(v.to_owned())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text, A::Error> {
                let mut out: Option<String> = None;
                while let Some(Obj(block)) = seq.next_element::<Obj<TextBlock<'_>>>()? {
                    let Some(b) = block else { continue };
                    if !matches!(b.kind.get(), Some("text" | "input_text")) {
                        continue;
                    }
                    if let Some(t) = b.text.get() {
                        let s = out.get_or_insert_with(String::new);
                        if !s.is_empty() {
                            s.push('\n');
                        }
                        s.push_str(t);
                    }
                }
                Ok(Text(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            numbers_are!(Text(None));
            bool_and_null_are!(Text(None));
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Rec<'a> {
        #[serde(borrow)]
        name: Str<'a>,
        n: Count,
        inner: Obj<Inner>,
        list: List<Inner>,
    }

    #[derive(Deserialize, Default, Debug, PartialEq)]
    #[serde(default)]
    struct Inner {
        n: Count,
    }

    #[test]
    fn wrong_shapes_read_as_absent() {
        let r: Rec = serde_json::from_str(
            r#"{"name":{"x":[1,2]},"n":-5,"inner":"str","list":{"a":1},"extra":[{}]}"#,
        )
        .unwrap();
        assert_eq!(r.name.get(), None);
        assert_eq!(
            r.n,
            Count::INVALID,
            "a negative count is not 0: the call is implausible"
        );
        assert_eq!(r.inner.0, None);
        assert!(r.list.0.is_empty());
    }

    #[test]
    fn issue_17_counts_of_the_wrong_shape_are_invalid_and_null_is_zero() {
        for (json, want) in [
            (r#"{"n":null}"#, Count(0)),
            (r"{}", Count(0)),
            (r#"{"n":"12"}"#, Count::INVALID),
            (r#"{"n":true}"#, Count::INVALID),
            (r#"{"n":-1}"#, Count::INVALID),
            (r#"{"n":-0.5}"#, Count::INVALID),
            (r#"{"n":[1]}"#, Count::INVALID),
            (r#"{"n":{"a":1}}"#, Count::INVALID),
            (r#"{"n":7.9}"#, Count(7)),
        ] {
            let r: Rec = serde_json::from_str(json).unwrap();
            assert_eq!(r.n, want, "{json}");
        }
    }

    #[test]
    fn right_shapes_read() {
        let r: Rec = serde_json::from_str(
            r#"{"name":"a\"b","n":12.9,"inner":{"n":3},"list":[{"n":1},7,{"n":2}]}"#,
        )
        .unwrap();
        assert_eq!(r.name.get(), Some("a\"b"));
        assert_eq!(r.n, Count(12));
        assert_eq!(r.inner.0, Some(Inner { n: Count(3) }));
        assert_eq!(r.list.0, vec![Inner { n: Count(1) }, Inner { n: Count(2) }]);
    }

    #[test]
    fn nan_like_and_huge_numbers_do_not_panic() {
        let r: Rec = serde_json::from_str(r#"{"n":1e400}"#).unwrap_or_default();
        assert!(r.n.0 == 0 || r.n.0 == u64::MAX);
        let r: Rec = serde_json::from_str(r#"{"n":18446744073709551615}"#).unwrap();
        assert_eq!(r.n, Count(u64::MAX));
    }
}

/// A moment, in whatever form a tool wrote it: an ISO 8601 / RFC 3339 string, epoch
/// seconds, milliseconds, microseconds or nanoseconds (as a number or a numeric string; the
/// unit is told by the magnitude: below 1e11 is seconds, as 1e11 s is the year 5138 and 1e11
/// ms is 1973), or a `[seconds, nanoseconds]` pair. Reads as UTC milliseconds, `None` for
/// anything else; plausibility is checked where calls are admitted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stamp(pub Option<i64>);

/// Epoch milliseconds of a number in seconds, ms, µs or ns (by magnitude).
#[allow(clippy::cast_possible_truncation)] // bounded by the checks
pub fn epoch_ms(v: f64) -> Option<i64> {
    if !v.is_finite() || v <= 0.0 {
        return None;
    }
    let ms = if v < 1e11 {
        v * 1e3
    } else if v < 1e14 {
        v
    } else if v < 1e17 {
        v / 1e3
    } else {
        v / 1e6
    };
    (ms < 9.2e18).then_some(ms.round() as i64)
}

impl<'de> Deserialize<'de> for Stamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Stamp;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            #[allow(clippy::cast_precision_loss)] // epoch values are far below 2^53 ms
            fn visit_u64<E>(self, v: u64) -> Result<Stamp, E> {
                Ok(Stamp(epoch_ms(v as f64)))
            }
            #[allow(clippy::cast_precision_loss)]
            fn visit_i64<E>(self, v: i64) -> Result<Stamp, E> {
                Ok(Stamp(epoch_ms(v as f64)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Stamp, E> {
                Ok(Stamp(epoch_ms(v)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Stamp, E> {
                Ok(Stamp(crate::time::parse_timestamp_ms(s).or_else(|| {
                    s.trim().parse::<f64>().ok().and_then(epoch_ms)
                })))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Stamp, A::Error> {
                let secs = seq.next_element::<Num>()?.and_then(|n| n.0);
                let nanos = seq.next_element::<Num>()?.and_then(|n| n.0).unwrap_or(0.0);
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                #[allow(clippy::cast_possible_truncation)]
                let ms = secs
                    .filter(|s| s.is_finite() && *s > 0.0 && *s < 1e11)
                    .map(|s| (s * 1e3 + nanos / 1e6).round() as i64);
                Ok(Stamp(ms))
            }
            bool_and_null_are!(Stamp(None));
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Stamp, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Stamp(None))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod stamp_tests {
    use super::Stamp;

    fn stamp(json: &str) -> Option<i64> {
        serde_json::from_str::<Stamp>(json).unwrap().0
    }

    #[test]
    fn every_form_a_tool_writes_reads_as_the_same_moment() {
        let ms = Some(1_767_225_600_000); // 2026-01-01T00:00:00Z
        assert_eq!(stamp("1767225600"), ms);
        assert_eq!(stamp("1767225600000"), ms);
        assert_eq!(stamp("1767225600000000"), ms);
        assert_eq!(stamp("1767225600000000000"), ms);
        assert_eq!(stamp("1767225600.0"), ms);
        assert_eq!(stamp(r#""2026-01-01T00:00:00Z""#), ms);
        assert_eq!(stamp(r#""2026-01-01T01:00:00+01:00""#), ms);
        assert_eq!(stamp(r#""1767225600""#), ms);
        assert_eq!(stamp("[1767225600, 0]"), ms);
        assert_eq!(stamp("[1767225599, 999000000]"), Some(1_767_225_599_999));
    }

    #[test]
    fn what_is_no_moment_reads_as_none() {
        for json in [
            "null",
            "true",
            "0",
            "-5",
            r#""soon""#,
            "{}",
            "[]",
            r#"["x"]"#,
        ] {
            assert_eq!(stamp(json), None, "{json}");
        }
    }
}
