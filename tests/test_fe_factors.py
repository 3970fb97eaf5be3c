"""Absorbed factors: encoding, singletons, cells, nesting and fixest's dof rules.

References are independent of linreg: pyfixest's singleton detection and the rows its
``feols`` keeps, its nesting test and its ``get_ssc``; pandas ``groupby`` for cells;
brute-force Python definitions for nesting and singletons.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg.fixed_effects import factors as F

pyfixest = pytest.importorskip("pyfixest")
from pyfixest.core.detect_singletons import detect_singletons  # noqa: E402
from pyfixest.core.nested_fixed_effects import count_fixef_fully_nested_all  # noqa: E402
from pyfixest.utils.utils import get_ssc  # noqa: E402


def _panel(seed, n, sizes, p_single=0.2):
    """Random unbalanced panel: factor codes with long tails of rare levels."""
    rng = np.random.default_rng(seed)
    cols = {}
    for q, g in enumerate(sizes):
        common = rng.integers(0, g, n)
        rare = rng.integers(g, 4 * g + 10, n)  # mostly levels seen once or twice
        cols[f"f{q}"] = np.where(rng.random(n) < p_single, rare, common)
    return pd.DataFrame(cols)


def _chain(length, offset=0):
    """Rows whose singletons come one at a time: (i, i) and (i, i+1) for each i.

    Level 0 of the second factor is a singleton; dropping its row leaves level 0 of the
    first factor single, and so on along the whole chain.
    """
    i = np.arange(length) + offset
    return pd.DataFrame({"f0": np.repeat(i, 2), "f1": np.column_stack([i, i + 1]).ravel()})


def _brute_singletons(codes):
    keep = np.ones(len(codes), dtype=bool)
    while True:
        changed = False
        for q in range(codes.shape[1]):
            values, counts = np.unique(codes[keep, q], return_counts=True)
            once = set(values[counts == 1].tolist())
            drop = keep & np.isin(codes[:, q], list(once))
            if drop.any():
                keep &= ~drop
                changed = True
        if not changed:
            return keep


# --------------------------------------------------------------------------- encoding


def test_encode_levels_sorted_and_codes_index_labels():
    df = pd.DataFrame({"firm": ["b", "a", "c", "a"], "year": [2001, 1999, 2001, 2000]})
    fac = F.encode_factors(df)
    assert fac.names == ["firm", "year"]
    assert list(fac.levels[0]) == ["a", "b", "c"] and list(fac.levels[1]) == [1999, 2000, 2001]
    assert fac.codes.dtype == np.int32 and fac.codes.shape == (4, 2)
    for q, col in enumerate(df.columns):
        assert list(fac.levels[q][fac.codes[:, q]]) == list(df[col])
    assert fac.n_levels.tolist() == [3, 3]


def test_encode_array_and_list_inputs_agree():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 5, 50)
    b = rng.integers(0, 7, 50)
    from_array = F.encode_factors(np.column_stack([a, b]))
    from_list = F.encode_factors([pd.Series(a, name="a"), b])
    assert from_array.names == ["fe0", "fe1"] and from_list.names == ["a", "fe1"]
    np.testing.assert_array_equal(from_array.codes, from_list.codes)
    named = F.encode_factors([a, b], names=["x", "y"])
    assert named.names == ["x", "y"]


def test_encode_unorderable_labels_fall_back_to_first_appearance():
    fac = F.encode_factors([np.array(["x", 1, "x", 2.5], dtype=object)])
    assert list(fac.levels[0][fac.codes[:, 0]]) == ["x", 1, "x", 2.5]


@pytest.mark.parametrize("missing", [np.nan, None, pd.NaT])
def test_encode_missing_label_names_factor_and_row(missing):
    df = pd.DataFrame({"firm": [1, 2, 3], "year": [1, missing, 3]}, index=[10, 11, 12])
    with pytest.raises(ValueError, match=r"'year'.*row 1 \(index 11\)"):
        F.encode_factors(df)


def test_encode_rejects_bad_shapes():
    with pytest.raises(ValueError, match="different lengths"):
        F.encode_factors([np.arange(3), np.arange(4)])
    with pytest.raises(ValueError, match="names"):
        F.encode_factors([np.arange(3)], names=["a", "b"])
    with pytest.raises(ValueError, match="DataFrame"):
        F.encode_factors("firm")


def test_recode_equals_encoding_the_subset():
    df = _panel(3, 400, [30, 8])
    fac = F.encode_factors(df)
    keep = np.random.default_rng(3).random(400) < 0.3
    sub = F.recode(fac, keep)
    ref = F.encode_factors(df[keep].reset_index(drop=True))
    np.testing.assert_array_equal(sub.codes, ref.codes)
    for a, b in zip(sub.levels, ref.levels, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(sub.n_levels, ref.n_levels)
    np.testing.assert_array_equal(F.recode(fac, np.flatnonzero(keep)).codes, ref.codes)


# --------------------------------------------------------------------------- singletons


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("sizes", [[40], [60, 15], [50, 20, 6]])
def test_singletons_equal_pyfixest(seed, sizes):
    df = pd.concat([_panel(seed, 500, sizes), _chain(25, offset=1000)[["f0", "f1"]]
                    .reindex(columns=[f"f{q}" for q in range(len(sizes))], fill_value=0)],
                   ignore_index=True)
    codes = F.encode_factors(df).codes
    keep = F.singleton_mask(codes)
    np.testing.assert_array_equal(keep, ~detect_singletons(codes))
    np.testing.assert_array_equal(keep, _brute_singletons(codes))


def test_long_chains_in_three_factors_equal_pyfixest():
    rng = np.random.default_rng(11)
    chain = _chain(300, offset=50)
    df = pd.concat([_panel(11, 3000, [200, 30]), chain], ignore_index=True)
    df["f2"] = rng.integers(0, 4, len(df))
    codes = F.encode_factors(df.sample(frac=1.0, random_state=1)).codes
    keep = F.singleton_mask(codes)
    np.testing.assert_array_equal(keep, ~detect_singletons(codes))
    cells, row_to_cell = F.cells_of(codes)
    np.testing.assert_array_equal(F.cell_singleton_mask(cells)[row_to_cell], keep)


def test_singleton_chain_is_removed_entirely():
    df = pd.concat([_chain(40), pd.DataFrame({"f0": [500, 500, 501, 501],
                                              "f1": [600, 601, 600, 601]})])
    keep = F.singleton_mask(F.encode_factors(df).codes)
    assert keep.tolist() == [False] * 80 + [True] * 4
    np.testing.assert_array_equal(keep, ~detect_singletons(F.encode_factors(df).codes))


@pytest.mark.parametrize("seed", range(3))
def test_singletons_equal_rows_kept_by_feols(seed):
    df = pd.concat([_panel(seed, 400, [70, 12]), _chain(15, offset=900)], ignore_index=True)
    rng = np.random.default_rng(seed)
    df["x"] = rng.normal(size=len(df))
    df["y"] = df["x"] + rng.normal(size=len(df))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pyfixest.feols("y ~ x | f0 + f1", data=df)
    keep = F.singleton_mask(F.encode_factors(df[["f0", "f1"]]).codes)
    assert fit._N == keep.sum()
    assert set(np.flatnonzero(~keep).tolist()) == set(fit._na_index)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 4), st.integers(0, 3)),
                min_size=1, max_size=40))
def test_singletons_property(rows):
    codes = np.array(rows, dtype=np.int64)
    keep = F.singleton_mask(codes)
    np.testing.assert_array_equal(keep, _brute_singletons(codes))
    cells, row_to_cell = F.cells_of(codes)
    np.testing.assert_array_equal(F.cell_singleton_mask(cells)[row_to_cell], keep)
    # the frontier that finishes long chains, entered at once or after one sweep
    for sweeps in (0, 1):
        np.testing.assert_array_equal(F._iterative_singletons(codes, None, sweeps), keep)
        cell_keep = F._iterative_singletons(cells.codes, cells.count, sweeps)
        np.testing.assert_array_equal(cell_keep[row_to_cell], keep)


def test_sparse_codes_are_not_expanded():
    rng = np.random.default_rng(8)
    small = rng.integers(0, 6, (80, 2))
    sparse = small * np.array([10**15, 1]) + np.array([3 * 10**14, 0])
    np.testing.assert_array_equal(F.singleton_mask(sparse), F.singleton_mask(small))
    assert F.nested_in(sparse[:, 0], small[:, 0]) and F.nested_in(small[:, 0], sparse[:, 0])


def test_singleton_mask_validates_codes():
    with pytest.raises(ValueError, match="integer"):
        F.singleton_mask(np.array([[0.5], [1.0]]))
    with pytest.raises(ValueError, match="negative code in factor 1 at row 2"):
        F.singleton_mask(np.array([[0, 0], [1, 0], [1, -1]]))
    assert F.singleton_mask(np.empty((0, 2), dtype=np.int64)).shape == (0,)


# --------------------------------------------------------------------------- cells


def _groupby_cells(codes, weight):
    frame = pd.DataFrame(codes, columns=[f"c{q}" for q in range(codes.shape[1])])
    frame["w"] = weight
    g = frame.groupby(list(frame.columns[:-1]), sort=True)["w"].agg(["size", "sum"])
    return np.array(g.index.tolist()).reshape(len(g), -1), g["size"].to_numpy(), g["sum"].to_numpy()


@pytest.mark.parametrize("sizes", [[9], [12, 5], [7, 4, 3]])
def test_cells_equal_groupby(sizes):
    rng = np.random.default_rng(len(sizes))
    codes = np.column_stack([rng.integers(0, g, 300) for g in sizes])
    weight = rng.random(300)
    cells, row_to_cell = F.cells_of(codes, weight)
    ref_codes, ref_count, ref_weight = _groupby_cells(codes, weight)
    np.testing.assert_array_equal(cells.codes, ref_codes)
    np.testing.assert_array_equal(cells.count, ref_count)
    np.testing.assert_allclose(cells.weight, ref_weight, rtol=1e-14)
    np.testing.assert_array_equal(cells.codes[row_to_cell], codes)
    unweighted, _ = F.cells_of(codes)
    np.testing.assert_array_equal(unweighted.weight, ref_count.astype(float))


def test_cells_of_wide_codes_use_ranked_keys():
    # Radices whose product overflows int64 and a key space far larger than the rows.
    rng = np.random.default_rng(5)
    base = rng.integers(0, 3, (200, 3))
    codes = base * np.array([2**40, 2**35, 1]) + rng.integers(0, 2, (200, 3))
    cells, row_to_cell = F.cells_of(codes)
    ref_codes, ref_count, _ = _groupby_cells(codes, np.ones(200))
    np.testing.assert_array_equal(cells.codes, ref_codes)
    np.testing.assert_array_equal(cells.count, ref_count)
    np.testing.assert_array_equal(cells.codes[row_to_cell], codes)


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_merge_cells_any_batch_split_equals_groupby(data):
    n = data.draw(st.integers(1, 60))
    q = data.draw(st.integers(1, 3))
    codes = np.array(data.draw(st.lists(st.lists(st.integers(0, 5), min_size=q, max_size=q),
                                        min_size=n, max_size=n)), dtype=np.int64)
    weight = np.array(data.draw(st.lists(st.floats(0, 10), min_size=n, max_size=n)))
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=4)))
    parts = np.split(np.arange(n), cuts)
    order = data.draw(st.permutations(range(len(parts))))
    merged = None
    for k in order:
        part, _ = F.cells_of(codes[parts[k]], weight[parts[k]])
        merged = part if merged is None else F.merge_cells(merged, part)
    ref_codes, ref_count, ref_weight = _groupby_cells(codes, weight)
    np.testing.assert_array_equal(merged.codes, ref_codes)
    np.testing.assert_array_equal(merged.count, ref_count)
    np.testing.assert_allclose(merged.weight, ref_weight, rtol=1e-12, atol=1e-12)


def test_cells_validate_weights_and_factor_counts():
    codes = np.array([[0, 1], [1, 0]])
    with pytest.raises(ValueError, match="row 1"):
        F.cells_of(codes, [1.0, -2.0])
    with pytest.raises(ValueError, match="row 0"):
        F.cells_of(codes, [np.nan, 1.0])
    with pytest.raises(ValueError, match="2 rows"):
        F.cells_of(codes, [1.0])
    a, _ = F.cells_of(codes)
    b, _ = F.cells_of(codes[:, :1])
    with pytest.raises(ValueError, match="2 and 1 factors"):
        F.merge_cells(a, b)


# --------------------------------------------------------------------------- streaming labels


def test_level_dictionary_codes_are_stable_across_batches():
    rng = np.random.default_rng(2)
    labels = rng.choice(np.array(["u", "v", "w", "x", "y", "z"]), 200)
    book = F.LevelDictionary("firm")
    codes = np.concatenate([book.codes(labels[i:i + 37]) for i in range(0, 200, 37)])
    np.testing.assert_array_equal(book.levels[codes], labels)
    first_seen = list(dict.fromkeys(labels.tolist()))
    assert book.levels.tolist() == first_seen and book.n_levels == len(first_seen)
    np.testing.assert_array_equal(book.codes(labels[:10]), codes[:10])
    with pytest.raises(ValueError, match=r"'firm'.*row 211"):
        book.codes(pd.Series(["u", None]))


# --------------------------------------------------------------------------- nesting and dof


def _brute_nested(fe, cl):
    return all(len(set(cl[fe == g].tolist())) == 1 for g in np.unique(fe))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3)), min_size=1, max_size=30))
def test_nested_in_equals_brute_force(rows):
    fe, cl = np.array(rows).T
    assert F.nested_in(fe, cl) == _brute_nested(fe, cl)


def test_nested_in_labels_and_pyfixest_flags():
    rng = np.random.default_rng(9)
    firm = rng.integers(0, 40, 500)
    region = firm // 8  # firm nested in region
    year = rng.integers(0, 6, 500)
    assert F.nested_in(firm, region) and not F.nested_in(year, region)
    assert F.nested_in(np.array(["a", "b", "a"]), np.array(["p", "q", "p"]))
    fe = np.column_stack([firm, year])
    for names, cl in [(["region"], region[:, None]), (["year"], year[:, None]),
                      (["state", "month"], np.column_stack([firm // 4, rng.integers(0, 3, 500)]))]:
        flags = F.nesting_flags(["firm", "year"], fe, names, cl)
        ref, n_ref = count_fixef_fully_nested_all(
            all_fixef_array=np.array(["firm", "year"], dtype=str),
            cluster_colnames=np.array(names, dtype=str),
            cluster_data=cl.astype(np.uintp), fe_data=fe.astype(np.uintp))
        np.testing.assert_array_equal(flags, ref)
        assert flags.sum() == n_ref


_GRID_SSC = [dict(k_adj=ka, k_fixef=kf, G_adj=ga, G_df=gd)
             for ka in (True, False) for kf in ("none", "nonnested", "full")
             for ga in (True, False) for gd in ("min", "conventional")]


@pytest.mark.parametrize("ssc", _GRID_SSC)
@pytest.mark.parametrize("levels,flags", [
    ([], []), ([50], [False]), ([50], [True]), ([50, 7], [True, False]),
    ([50, 7, 3], [True, True, False]), ([50, 7], [False, False])])
def test_fixest_dof_equals_get_ssc(ssc, levels, flags):
    n, k = 400, 3
    info = F.absorbed_dof(levels, flags) if levels else {}
    ref_common = dict(ssc_dict=ssc, N=n, k=k, k_fe=info.get("k_fe", 0), n_fe=len(levels))
    for vcov, g in [("iid", 1), ("hetero", n)]:
        adj, df_k, df_t = get_ssc(**ref_common, k_fe_nested=0, n_fe_fully_nested=0, G=g,
                                  vcov_sign=1, vcov_type=vcov)
        got = F.fixest_dof(n, k, info, vcov, ssc=ssc)
        assert (got["df_k"], got["df_t"]) == (df_k, df_t)
        assert got["adj"] == pytest.approx(adj[0], rel=1e-15)
    nested = ssc["k_fixef"] == "nonnested"  # pyfixest looks at nesting only then
    k_nested = info.get("k_fe_nested", 0) if nested else 0
    n_nested = info.get("n_fe_fully_nested", 0) if nested else 0
    for g in (30, [30, 7, 120]):
        gs = [g] if np.ndim(g) == 0 else list(g)
        g_used = [min(gs)] * len(gs) if ssc["G_df"] == "min" else gs
        refs = [get_ssc(**ref_common, k_fe_nested=k_nested, n_fe_fully_nested=n_nested, G=gi,
                        vcov_sign=1, vcov_type="CRV") for gi in g_used]
        got = F.fixest_dof(n, k, info, "CRV", n_clusters=g, ssc=ssc)
        assert got["df_k"] == refs[0][1]
        assert got["df_t"] == min(r[2] for r in refs)
        np.testing.assert_allclose(np.atleast_1d(got["adj"]), [r[0][0] for r in refs], rtol=1e-15)


def test_fixest_dof_matches_feols_with_nested_cluster():
    rng = np.random.default_rng(4)
    df = pd.concat([_panel(4, 600, [90, 10]), _chain(5, offset=700)], ignore_index=True)
    df["region"] = df["f0"] // 4
    df["x"] = rng.normal(size=len(df))
    df["y"] = df["x"] + rng.normal(size=len(df))
    fac = F.encode_factors(df[["f0", "f1"]])
    keep = F.singleton_mask(fac.codes)
    sub = F.recode(fac, keep)
    for vcov, cl_names in [({"CRV1": "region"}, ["region"]), ({"CRV1": "f0"}, ["f0"]),
                           ({"CRV1": "f1"}, ["f1"]), ({"CRV1": "region+f1"}, ["region", "f1"])]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = pyfixest.feols("y ~ x | f0 + f1", data=df, vcov=vcov)
        cl = df.loc[keep, cl_names].to_numpy()
        flags = F.nesting_flags(sub.names, sub.codes, cl_names, cl)
        g = [len(np.unique(cl[:, j])) for j in range(cl.shape[1])]
        if len(g) == 2:
            g.append(len(pd.unique(pd.Series(list(map(tuple, cl))))))
        got = F.fixest_dof(int(keep.sum()), 1, F.absorbed_dof(sub.n_levels, flags), "CRV",
                           n_clusters=g if len(g) > 1 else g[0])
        assert (got["df_k"], got["df_t"]) == (fit._df_k, fit._df_t)
        # pyfixest folds the sign of the two-way term (+, +, -) into its factors
        np.testing.assert_allclose(np.atleast_1d(got["adj"]), np.abs(np.ravel(fit._ssc)),
                                   rtol=1e-14)


def test_fixest_dof_undefined_and_bad_input():
    info = F.absorbed_dof([10], [False])
    got = F.fixest_dof(10, 1, info, "iid")
    assert np.isnan(got["adj"]) and "df_k" in got["reason"]
    got = F.fixest_dof(100, 1, info, "CRV", n_clusters=1)
    assert np.isnan(got["adj"]) and "single cluster" in got["reason"]
    with pytest.raises(ValueError, match="n_clusters"):
        F.fixest_dof(100, 1, info, "CRV")
    with pytest.raises(ValueError, match="vcov_type"):
        F.fixest_dof(100, 1, info, "HAC")
    with pytest.raises(ValueError, match="k_fixef"):
        F.fixest_dof(100, 1, info, "iid", ssc={"k_fixef": "some"})
    with pytest.raises(ValueError, match="nesting flags"):
        F.absorbed_dof([3, 4], [True])
