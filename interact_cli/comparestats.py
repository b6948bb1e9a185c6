"""The statistics of `compare`, in Polars: per row and window, rates as ratios of sums
over users with delta-method variances; per row, the ratio of the two windows' rates
with its interval, p-value and Benjamini–Hochberg q-value, and a verdict.

The unit is the user: a row's rate is sum(x_u) / sum(y_u) over its users u, and its
variance n / (n - 1) * sum((x_u - R y_u)^2) / (sum y_u)^2, the first-order (delta
method) variance of a ratio of means with the sample covariances of the users' sums.
The log of the ratio of two windows' rates has the variance Var(R_c)/R_c^2 +
Var(R_b)/R_b^2 (independent users, windows apart), whence a z-test and an interval.
docs/usage.md spells it out with a worked example.
"""

from __future__ import annotations

import math

import polars as pl

from interact_cli.frames import LOW_SAMPLE, Z

WINDOWS = ("baseline", "current")
RATES = {"ctr": ("click", "views"), "cart_per_click": ("addToCart", "click")}
"""Each rate's numerator and denominator."""


def rates(views: bool) -> list[str]:
    """The rates compared: both where there are views (sets), cart_per_click elsewhere."""
    return [r for r in RATES if views or r != "ctr"]


VERDICTS = ("up", "down", "unchanged", "low_sample", "untestable")


def _product(a: str, b: str) -> pl.Expr:
    """The sum over a group's users of a * b, exact (128-bit integers)."""
    return (pl.col(a).cast(pl.Int128) * pl.col(b)).sum().alias(f"{a}*{b}")


def window_stats(sums: pl.DataFrame, keys: list[str], views: bool) -> pl.DataFrame:
    """Per row (`keys`) and `window`: users, views, click, addToCart and each rate's
    delta-method variance (`<rate>_var`), from per-user sums (views, clicks, carts)."""
    pairs = {r: RATES[r] for r in rates(views)}
    sums = sums.rename({"clicks": "click", "carts": "addToCart"})
    counted = ["click", "addToCart", *(["views"] if views else [])]
    # Exact integer moments: their sums do not depend on the order of the users (which
    # follows the kernel's hash maps, so the thread count and the process's keys).
    moments = [_product(c, c) for c in counted] + [_product(x, y) for x, y in pairs.values()]
    # Streaming: the 128-bit products are made a batch at a time (all at once, they
    # were 120 MiB at 5M events).
    stats = (
        sums.lazy()
        .group_by([*keys, "window"])
        .agg(
            pl.len().cast(pl.UInt64).alias("users"),
            *[pl.col(c).sum() for c in counted],
            *[(pl.col(y) > 0).sum().alias(f"{r}_n") for r, (_, y) in pairs.items()],
            *moments,
        )
        .collect(engine="streaming")
    )
    for rate, (x, y) in pairs.items():
        columns = [f"{x}", f"{y}", f"{x}*{x}", f"{x}*{y}", f"{y}*{y}", "users", f"{rate}_n"]
        found = [_variance(*row) for row in stats.select(columns).iter_rows()]
        stats = stats.with_columns(pl.Series(f"{rate}_var", found, dtype=pl.Float64))
    helpers = [f"{r}_n" for r in pairs] + [m.meta.output_name() for m in moments]
    return stats.drop(helpers)


def _variance(x: int, y: int, xx: int, xy: int, yy: int, n: int, m: int) -> float | None:
    """The delta-method variance of x / y (sums over n users, m of them with a
    denominator) from the users' exact moments; None below two such users (one heavy
    user alone is no sample of users).

    n / (n - 1) * sum((x_u - R y_u)^2) / y^2 with R = x / y, the residuals' sum taken as
    (y^2 xx - 2 x y xy + x^2 yy) / y^2 in Python's integers: exact, where floats would
    cancel digits (and give rows of users all at one rate a variance of noise, not 0)."""
    if m < 2:
        return None
    spread = y * y * xx - 2 * x * y * xy + x * x * yy
    return n * spread / ((n - 1) * y**4)


def _rate(name: str, window: str) -> list[pl.Expr]:
    """A window's rate and its 95% interval (rate ± z·se, not below 0)."""
    top, bottom = (f"{c}_{window}" for c in RATES[name])
    rate = pl.when(pl.col(bottom) > 0).then(pl.col(top) / pl.col(bottom))
    se = pl.col(f"{name}_var_{window}").sqrt()
    column = f"{name}_{window}"
    return [
        rate.alias(column),
        (rate - Z * se).clip(lower_bound=0.0).alias(f"{column}_low"),
        (rate + Z * se).alias(f"{column}_high"),
    ]


def _ratio(name: str) -> list[pl.Expr]:
    """The ratio current / baseline of a rate, its interval, and z: on the log scale when
    both rates are above 0; on the difference of the rates when exactly one is 0 (a rate
    that fell to 0 is a change to find, and has no log), without an interval then."""
    b, c = pl.col(f"{name}_baseline"), pl.col(f"{name}_current")
    var_b, var_c = pl.col(f"{name}_var_baseline"), pl.col(f"{name}_var_current")
    both = (b > 0) & (c > 0)
    one = ((b == 0) & (c > 0)) | ((b > 0) & (c == 0))
    log_ratio = pl.when(both).then((c / b).log())
    se = pl.when(both).then((var_c / c**2 + var_b / b**2).sqrt())
    se = pl.when(se > 0).then(se)
    apart = pl.when(one).then((var_b + var_c).sqrt())
    apart = pl.when(apart > 0).then(apart)
    return [
        pl.when(b > 0).then(c / b).alias(f"{name}_ratio"),
        (log_ratio - Z * se).exp().alias(f"{name}_ratio_low"),
        (log_ratio + Z * se).exp().alias(f"{name}_ratio_high"),
        pl.when(both).then(log_ratio / se).otherwise((c - b) / apart).alias(f"{name}_z"),
    ]


def _p_values(z: pl.Series) -> pl.Series:
    """Two-sided normal p-values of z-scores (null stays null)."""
    # erfc keeps tiny p-values exact (1 - Φ would round them to 0); Polars has no erfc.
    values = [None if v is None else math.erfc(abs(v) / math.sqrt(2)) for v in z.to_list()]
    return pl.Series(values, dtype=pl.Float64)


def q_values(p: pl.Series) -> pl.Series:
    """Benjamini–Hochberg q-values of p-values (nulls are not tested and stay null)."""
    frame = pl.DataFrame({"p": p}).with_row_index("at")
    tested = frame.filter(pl.col("p").is_not_null()).sort("p", "at")
    m = tested.height
    rank = pl.int_range(1, m + 1, eager=False)
    # q_(i) = min over j >= i of p_(j) * m / j: a minimum from the largest p down.
    q = (pl.col("p") * m / rank).reverse().cum_min().reverse().clip(upper_bound=1.0)
    tested = tested.select("at", q=q)
    return frame.join(tested, on="at", how="left").sort("at")["q"]


def compared(stats: pl.DataFrame, keys: list[str], views: bool, fdr: float) -> pl.DataFrame:
    """Per row: both windows' counts, rates and intervals, and per rate the ratio, its
    interval, p, q (across every row of the table) and the verdict (`<rate>_change`)."""
    numbers = ["users", "click", "addToCart", *(["views"] if views else [])]
    compared_rates = rates(views)
    variances = [f"{r}_var" for r in compared_rates]
    halves = []
    for number, window in enumerate(WINDOWS):
        half = stats.filter(pl.col("window") == number).drop("window")
        halves.append(half.rename({c: f"{c}_{window}" for c in [*numbers, *variances]}))
    frame = halves[0].join(halves[1], on=keys, how="full", coalesce=True)
    counts = [f"{c}_{w}" for c in numbers for w in WINDOWS]
    frame = frame.with_columns(pl.col(counts).fill_null(0))
    frame = frame.with_columns([e for r in compared_rates for w in WINDOWS for e in _rate(r, w)])
    frame = frame.with_columns([e for r in compared_rates for e in _ratio(r)])
    low = (pl.col("click_baseline") < LOW_SAMPLE) | (pl.col("click_current") < LOW_SAMPLE)
    frame = frame.with_columns(low_sample=low)
    for rate in compared_rates:
        p = _p_values(frame[f"{rate}_z"])
        frame = frame.with_columns(p.alias(f"{rate}_p"), q_values(p).alias(f"{rate}_q"))
        frame = frame.with_columns(_verdict(rate, fdr))
    return frame.drop(
        [f"{r}_z" for r in compared_rates] + [f"{v}_{w}" for v in variances for w in WINDOWS]
    )


def _verdict(rate: str, fdr: float) -> pl.Expr:
    """up or down (q < fdr, enough clicks in both windows), unchanged, low_sample, or
    untestable (no p: a rate without a denominator, 0 in both windows, or no variance)."""
    return (
        pl.when(pl.col("low_sample"))
        .then(pl.lit("low_sample"))
        .when(pl.col(f"{rate}_p").is_null())
        .then(pl.lit("untestable"))
        .when(pl.col(f"{rate}_q") < fdr)
        .then(pl.when(pl.col(f"{rate}_z") > 0).then(pl.lit("up")).otherwise(pl.lit("down")))
        .otherwise(pl.lit("unchanged"))
        .alias(f"{rate}_change")
    )
