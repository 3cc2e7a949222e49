"""One plain sentence per comparison, from ``core.evaluation.stats.paired_difference``.

``verdict_parts(model, base, metric, diff, subset="", unit="queries") -> dict`` builds the sentence's parts (the template key
``verdict_better`` / ``verdict_worse`` / ``verdict_nodiff`` / ``verdict_nodiff_p`` (the interval excludes 0, the
paired test does not) / ``verdict_cancel`` (a mean change of 0) / ``verdict_same`` and its fields);
``render(parts)`` formats them with the English templates below (the CLI); ``ui.strings`` holds the same keys
in English and Chinese for the UI. ``render`` writes counts (of queries, or of a pair set's pairs or triplets: the
parts' ``unit``) with a thousands separator ("68,461"); a count needed above ``NEEDED_N_CAP`` is said as "more than 100,000" (the ``verdict_nodiff_many`` /
``verdict_nodiff_p_many`` keys): the parts (and ``metrics.json``) keep the computed number.
"""

from __future__ import annotations

import numbers

from core.evaluation.stats import BETTER, WORSE, PairedDiff

# above this many queries needed, the sentence says "more than 100,000" instead of a precise-looking huge number
NEEDED_N_CAP = 100_000

TEMPLATES = {
    "verdict_better": "'{model}' is better than '{base}' on {metric}{subset}: {diff:+.4f} (95% CI [{ci_low:+.4f}, {ci_high:+.4f}], {n} {unit}).",
    "verdict_worse": "'{model}' is worse than '{base}' on {metric}{subset}: {diff:+.4f} (95% CI [{ci_low:+.4f}, {ci_high:+.4f}], {n} {unit}).",
    "verdict_nodiff": "No detectable difference between '{model}' and '{base}' on {metric}{subset} over {n} {unit} "
                      "({diff:+.4f}, 95% CI [{ci_low:+.4f}, {ci_high:+.4f}]); about {needed_n} {unit} would be needed "
                      "to see a change of this size.",
    "verdict_nodiff_p": "No detectable difference between '{model}' and '{base}' on {metric}{subset} over {n} {unit} "
                        "({diff:+.4f}, 95% CI [{ci_low:+.4f}, {ci_high:+.4f}], but the paired test's p = {p_value:.2f}: "
                        "too few {unit} to tell); about {needed_n} {unit} would be needed to see a change of this size.",
    "verdict_nodiff_many": "No detectable difference between '{model}' and '{base}' on {metric}{subset} over {n} {unit} "
                           "({diff:+.4f}, 95% CI [{ci_low:+.4f}, {ci_high:+.4f}]); more than {needed_cap} {unit} would "
                           "be needed to see a change of this size.",
    "verdict_nodiff_p_many": "No detectable difference between '{model}' and '{base}' on {metric}{subset} over {n} {unit} "
                             "({diff:+.4f}, 95% CI [{ci_low:+.4f}, {ci_high:+.4f}], but the paired test's p = {p_value:.2f}: "
                             "too few {unit} to tell); more than {needed_cap} {unit} would be needed to see a change of "
                             "this size.",
    "verdict_cancel": "No detectable difference between '{model}' and '{base}' on {metric}{subset} over {n} {unit}: "
                      "their per-{unit_one} changes cancel out (95% CI [{ci_low:+.4f}, {ci_high:+.4f}]).",
    "verdict_same": "No detectable difference between '{model}' and '{base}' on {metric}{subset} over {n} {unit} "
                    "(they score the same on every {unit_one}).",
    "subset_seen": " (queries whose gold passage also answers a training query)",
    "subset_unseen": " (queries whose gold passage answers no training query)",
    "subset_en": " (English queries)",
    "subset_zh": " (Chinese queries)",
    # what a verdict counts: the items its paired comparison ran over (``unit`` in the parts), many and one
    "unit_queries": "queries",
    "unit_pairs": "pairs",
    "unit_triplets": "triplets",
    "unit_one_queries": "query",
    "unit_one_pairs": "pair",
    "unit_one_triplets": "triplet",
}


UNITS = ("queries", "pairs", "triplets")  # what a verdict's paired comparison ran over


def verdict_parts(model: str, base: str, metric: str, diff: PairedDiff, subset: str = "", unit: str = "queries") -> dict:
    """Template key and fields of the verdict sentence; ``subset`` is "", "seen", "unseen", "en" or "zh";
    ``unit`` (``UNITS``) what ``diff.n`` counts: retrieval queries, or the pairs or triplets of a pair set."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")
    if diff.verdict == BETTER:
        key = "verdict_better"
    elif diff.verdict == WORSE:
        key = "verdict_worse"
    elif diff.diff == 0 and diff.ci_low == 0 and diff.ci_high == 0:
        key = "verdict_same"
    elif not diff.needed_n:  # a mean change of 0 from changes that differ query by query
        key = "verdict_cancel"
    elif diff.ci_low > 0 or diff.ci_high < 0:  # the interval excludes 0 but the paired test does not agree
        key = "verdict_nodiff_p"
    else:
        key = "verdict_nodiff"
    if key in ("verdict_nodiff", "verdict_nodiff_p") and diff.needed_n > NEEDED_N_CAP:
        key += "_many"
    return {"key": key, "model": model, "base": base, "metric": metric, "subset": subset, "unit": unit, "diff": diff.diff,
            "ci_low": diff.ci_low, "ci_high": diff.ci_high, "n": diff.n, "needed_n": diff.needed_n,
            "p_value": diff.p_value}


def render(parts: dict, templates: dict | None = None) -> str:
    """The sentence for ``parts`` with ``templates`` (default: the English ``TEMPLATES``)."""
    tpl = templates or TEMPLATES
    fields = dict(parts)
    fields["subset"] = tpl[f"subset_{parts['subset']}"] if parts.get("subset") else ""
    unit = parts.get("unit") or "queries"  # parts saved before pair sets had verdicts count queries
    fields["unit"], fields["unit_one"] = tpl[f"unit_{unit}"], tpl[f"unit_one_{unit}"]
    fields["needed_cap"] = NEEDED_N_CAP
    for name in ("n", "needed_n", "needed_cap"):  # counts of queries: "68,461", in English and Chinese alike
        value = fields.get(name)
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            fields[name] = f"{int(value):,}"
    return tpl[parts["key"]].format(**fields)
