//! `burnbar compare`: models side by side over a period, on how well their edits land and
//! what they cost.
//!
//! A turn counts for its primary model, the model of its first call; every call still adds
//! its calls, tokens and cost to its own model. A column is one model, or every model whose
//! name contains the word asked for (`opus` gathers each Opus version).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::aggregate::{Filter, Slice, Totals, group_by};
use crate::classify::Category;
use crate::error::{Error, Result};
use crate::model::Usd;
use crate::time::Span;

/// Bumped on any incompatible change of the payload.
pub const SCHEMA: &str = "burnbar.compare.v1";

/// The comparison.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    /// Schema id.
    pub schema: &'static str,
    /// The period.
    pub period: Span,
    /// One column per model (or group of models).
    pub models: Vec<ModelStats>,
    /// One-shot rate per activity, for activities where any column has edit turns.
    pub categories: Vec<CategoryRow>,
}

/// One column.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelStats {
    /// What was asked for (the model id, or the word that gathered several).
    pub label: String,
    /// The model ids in the column.
    pub models: Vec<String>,
    /// Calls.
    pub calls: u64,
    /// Cost of the priced calls.
    pub cost: Usd,
    /// Turns whose first call used this model.
    pub turns: u64,
    /// Of those, turns that edited files.
    pub edit_turns: u64,
    /// Edit turns without a retry.
    pub one_shot_turns: u64,
    /// Retries within edit turns.
    pub retries: u64,
    /// One-shot turns / edit turns, 0..1.
    pub one_shot_rate: Option<f64>,
    /// Retries per edit turn.
    pub retry_rate: Option<f64>,
    /// Calls owning up to a mistake, per turn, 0..1.
    pub self_correction_rate: Option<f64>,
    /// Cost per call.
    pub cost_per_call: Option<Usd>,
    /// Cost of the edit turns per edit turn.
    pub cost_per_edit: Option<Usd>,
    /// Output tokens per call.
    pub output_per_call: Option<f64>,
    /// Cache reads / prompt tokens, 0..1.
    pub cache_hit_rate: Option<f64>,
    /// Tool uses per turn.
    pub tools_per_turn: Option<f64>,
}

/// One activity's one-shot rate per column.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryRow {
    /// Category id.
    pub category: &'static str,
    /// Its label.
    pub label: &'static str,
    /// Per column, in column order: (edit turns, one-shot rate).
    pub one_shot: Vec<CategoryCell>,
}

/// One cell of [`CategoryRow`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryCell {
    /// Edit turns.
    pub edit_turns: u64,
    /// One-shot rate, 0..1.
    pub one_shot_rate: Option<f64>,
}

/// The models a word selects: the exact id when there is one, else every id containing it
/// (case-insensitive).
fn select<'m>(word: &str, models: &'m [String]) -> Vec<&'m String> {
    if let Some(m) = models.iter().find(|m| m.eq_ignore_ascii_case(word)) {
        return vec![m];
    }
    let w = word.to_lowercase();
    models
        .iter()
        .filter(|m| m.to_lowercase().contains(&w))
        .collect()
}

/// Compares `asked` (or, when empty, the `top` models by cost) over the slices `filter` keeps.
pub fn compare(
    slices: &[Slice],
    filter: &Filter,
    span: Span,
    asked: &[String],
    top: usize,
) -> Result<Comparison> {
    let kept: Vec<&Slice> = slices.iter().filter(|s| filter.keeps(s)).collect();
    let by_model = group_by(&kept, |s| s.model.clone());
    if by_model.is_empty() {
        return Err(Error::NothingToCompare);
    }
    let mut names: Vec<String> = by_model.keys().cloned().collect();
    names.sort_by(|a, b| by_model[b].cost.cmp(&by_model[a].cost).then(a.cmp(b)));
    let columns: Vec<(String, Vec<String>)> = if asked.is_empty() {
        names
            .iter()
            .take(top.max(1))
            .map(|m| (m.clone(), vec![m.clone()]))
            .collect()
    } else {
        asked
            .iter()
            .map(|word| {
                let chosen = select(word, &names);
                if chosen.is_empty() {
                    return Err(Error::NoSuchModel {
                        asked: word.clone(),
                        known: names.join(", "),
                    });
                }
                Ok((word.clone(), chosen.into_iter().cloned().collect()))
            })
            .collect::<Result<_, _>>()?
    };
    let mut models = Vec::new();
    let mut per_category: BTreeMap<Category, Vec<Totals>> = BTreeMap::new();
    for (i, (label, ids)) in columns.iter().enumerate() {
        let mut t = Totals::default();
        for id in ids {
            t.merge(&by_model[id]);
        }
        for s in kept.iter().filter(|s| ids.contains(&s.model)) {
            per_category
                .entry(s.category)
                .or_insert_with(|| vec![Totals::default(); columns.len()])[i]
                .merge(&s.totals);
        }
        models.push(stats(label, ids, &t));
    }
    let categories = per_category
        .into_iter()
        .filter(|(_, cols)| cols.iter().any(|t| t.turns.edit_turns > 0))
        .map(|(c, cols)| CategoryRow {
            category: c.id(),
            label: c.label(),
            one_shot: cols
                .iter()
                .map(|t| CategoryCell {
                    edit_turns: t.turns.edit_turns,
                    one_shot_rate: t.turns.one_shot_rate(),
                })
                .collect(),
        })
        .collect();
    Ok(Comparison {
        schema: SCHEMA,
        period: span,
        models,
        categories,
    })
}

fn stats(label: &str, ids: &[String], t: &Totals) -> ModelStats {
    let per = |n: u64| (n > 0).then_some(n as f64);
    let turns = &t.turns;
    ModelStats {
        label: label.to_string(),
        models: ids.to_vec(),
        calls: t.calls,
        cost: t.cost,
        turns: turns.turns,
        edit_turns: turns.edit_turns,
        one_shot_turns: turns.one_shot_turns,
        retries: turns.retries,
        one_shot_rate: turns.one_shot_rate(),
        retry_rate: turns.retry_rate(),
        self_correction_rate: turns.self_correction_rate(),
        cost_per_call: (t.calls > 0)
            .then(|| Usd(t.cost.micros() / i64::try_from(t.calls).unwrap_or(i64::MAX))),
        cost_per_edit: turns.cost_per_edit(),
        output_per_call: per(t.calls).map(|c| t.tokens.output as f64 / c),
        cache_hit_rate: t.cache_hit_rate(),
        tools_per_turn: per(turns.turns).map(|n| turns.tool_uses as f64 / n),
    }
}
