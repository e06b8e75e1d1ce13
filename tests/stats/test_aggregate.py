from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cuecoder.errors import CuecoderError
from cuecoder.stats import aggregate, join_survey


@pytest.fixture()
def scored():
    return pd.DataFrame(
        {
            "account": ["a", "a", "a", "b", "b"],
            "openness_prob": [0.9, 0.2, 0.7, 0.1, np.nan],
            "responsiveness_prob": [0.8, 0.4, 0.6, 0.1, 0.3],
            "listening_prob": [0.6, 0.6, 0.2, 0.3, 0.9],
            "automated": [0, 0, 1, 1, 1],
        }
    )


def test_means_shares_counts(scored):
    t = aggregate(scored, by="account").set_index("account")
    assert t.loc["a", "n_replies"] == 3 and t.loc["b", "n_replies"] == 2
    assert t.loc["a", "openness"] == pytest.approx(0.6)
    assert t.loc["a", "openness_share"] == pytest.approx(2 / 3)
    assert t.loc["b", "openness"] == pytest.approx(0.1)  # NaN skipped
    assert t.loc["b", "automated"] == pytest.approx(1.0)  # 0/1 label column
    assert t.loc["a", "interactivity"] == pytest.approx((0.6 + 0.466666667) / 2)


def test_threshold_and_cue_selection(scored):
    t = aggregate(scored, by=["account"], cues=["openness"], threshold=0.8)
    assert list(t.columns) == ["account", "n_replies", "openness", "openness_share"]
    assert t.loc[0, "openness_share"] == pytest.approx(1 / 3)


def test_errors(scored):
    with pytest.raises(CuecoderError, match="Column 'brand' is not in the scored table"):
        aggregate(scored, by="brand")
    with pytest.raises(CuecoderError, match="No cue columns found"):
        aggregate(scored, cues=["humour"])


def test_join_survey(scored):
    cues = aggregate(scored)
    survey = pd.DataFrame(
        {"account": ["a", "b", "c"], "psi": [4.0, 3.0, 2.0], "openness": [1, 2, 3]}
    )
    joined = join_survey(cues, survey, on="account")
    assert len(joined) == 2
    assert "openness_cue" in joined.columns and joined["openness"].tolist() == [1, 2]
    assert joined.attrs["n_unmatched_survey"] == 1
    with pytest.raises(CuecoderError, match="not unique"):
        join_survey(cues, pd.concat([survey, survey]), on="account")
    with pytest.raises(CuecoderError, match="matched no rows"):
        join_survey(cues, survey.assign(account=["x", "y", "z"]), on="account")


def test_join_int_and_str_keys():
    cues = pd.DataFrame({"id": ["1", "2"], "openness": [0.1, 0.2]})
    survey = pd.DataFrame({"id": [1, 2], "psi": [3.0, 4.0]})
    assert len(join_survey(cues, survey, on="id")) == 2


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.floats(0, 1)), min_size=1, max_size=40))
def test_one_row_per_group_and_bounds(rows):
    df = pd.DataFrame(rows, columns=["account", "openness_prob"])
    t = aggregate(df)
    assert len(t) == df["account"].nunique()
    assert t["n_replies"].sum() == len(df)
    assert t["openness"].between(0, 1).all() and t["openness_share"].between(0, 1).all()


def test_shares_come_from_the_label_column_when_there_is_one():
    """The model's thresholds are not .5: a reply at .45 can be labelled, one at .6 not.
    Shares must follow the labels (hand counts), means the probabilities."""
    scored = pd.DataFrame(
        {
            "account": ["a", "a", "a", "b", "b"],
            "openness": [0.45, 0.60, 0.10, 0.90, 0.30],
            "openness_label": [True, False, False, True, True],
            "responsiveness": [0.8, 0.2, 0.4, 0.1, 0.7],
            "responsiveness_label": [True, False, True, False, False],
            "listening": [0.3, 0.9, 0.2, 0.6, 0.1],
            "listening_label": [False, True, False, False, False],
        }
    )
    table = aggregate(scored, by="account").set_index("account")
    assert table.loc["a", "openness_share"] == pytest.approx(1 / 3)
    assert table.loc["b", "openness_share"] == pytest.approx(1.0)
    assert table.loc["a", "openness"] == pytest.approx((0.45 + 0.60 + 0.10) / 3)
    # interactivity: a reply counts when either part's label is True
    assert table.loc["a", "interactivity_share"] == pytest.approx(1.0)
    assert table.loc["b", "interactivity_share"] == pytest.approx(0.0)
    assert table.loc["a", "interactivity"] == pytest.approx(
        ((0.8 + 0.3) + (0.2 + 0.9) + (0.4 + 0.2)) / 6
    )


def test_aggregate_edges_by_hand():
    """0/1 cue columns are labels, probabilities at the cut count, a missing part leaves
    the composite missing, a missing account is its own group, groups come sorted."""
    scored = pd.DataFrame(
        {
            "account": ["b", "b", None, "a"],
            "openness": [0.5, 0.49, 0.9, np.nan],  # probabilities
            "automated": [1, 0, 1, 1],  # a 0/1 column: a label, no probability
            "responsiveness": [0.8, np.nan, 0.2, 0.6],
            "listening": [0.4, 0.4, 0.2, 0.2],
        }
    )
    table = aggregate(scored, by="account")
    assert table["account"].iloc[:2].tolist() == ["a", "b"] and pd.isna(table["account"].iloc[2])
    b = table.iloc[1]
    assert b["n_replies"] == 2
    assert b["openness_share"] == pytest.approx(0.5)  # .5 reaches the .5 cut, .49 does not
    assert b["automated"] == pytest.approx(0.5) and b["automated_share"] == pytest.approx(0.5)
    # the reply with responsiveness missing has no composite: mean over the other one only
    assert b["interactivity"] == pytest.approx((0.8 + 0.4) / 2)
    a = table.iloc[0]
    assert np.isnan(a["openness"]) and np.isnan(a["openness_share"])
    assert table.iloc[2]["n_replies"] == 1
    for bad in (0.0, 1.0):
        with pytest.raises(CuecoderError, match="threshold"):
            aggregate(scored, by="account", threshold=bad)
    with pytest.raises(CuecoderError, match=r"\[E301\].*'openness'"):
        aggregate(scored.assign(openness=["0.5", "n/a", "0.1", "0.2"]), by="account")


def test_join_survey_left_keeps_every_survey_row():
    cues = pd.DataFrame({"account": ["a", "b", "d"], "openness": [0.1, 0.2, 0.4]})
    survey = pd.DataFrame({"account": ["c", "b", "a"], "psi": [1.0, 2.0, 3.0]})
    joined = join_survey(cues, survey, on="account", how="left")
    assert joined["account"].tolist() == ["c", "b", "a"]  # survey order, survey rows
    assert joined.index.tolist() == [0, 1, 2] and "index" not in joined.columns
    assert np.isnan(joined["openness"].iloc[0])
    assert joined["openness"].tolist()[1:] == [0.2, 0.1]
    # c has no cue row; d has no survey row
    assert joined.attrs == {"n_unmatched_survey": 1, "n_unmatched_cues": 1}
    inner = join_survey(cues, survey, on="account")
    assert inner["account"].tolist() == ["b", "a"]
    assert inner.attrs == {"n_unmatched_survey": 1, "n_unmatched_cues": 1}


def test_join_survey_keys_stored_as_objects_match_their_text():
    # ids read as Python ints in an object column on one side, text on the other
    cues = pd.DataFrame({"id": pd.Series([1, 2], dtype=object), "openness": [0.1, 0.2]})
    survey = pd.DataFrame({"id": ["2", "1"], "psi": [3.0, 4.0]})
    joined = join_survey(cues, survey, on="id")
    assert joined["openness"].tolist() == [0.2, 0.1]


def test_join_survey_refuses_an_unknown_how():
    cues = pd.DataFrame({"account": ["a"], "openness": [0.1]})
    with pytest.raises(CuecoderError, match="E104"):
        join_survey(cues, cues[["account"]], on="account", how="outer")


def test_join_survey_on_numbers_keeps_them_numbers():
    cues = pd.DataFrame({"id": [2, 1], "openness": [0.1, 0.2]})
    survey = pd.DataFrame({"id": [1, 2], "psi": [3.0, 4.0]})
    joined = join_survey(cues, survey, on="id")
    assert joined["id"].tolist() == [1, 2] and joined["id"].dtype.kind == "i"
    assert joined["openness"].tolist() == [0.2, 0.1]


def test_a_table_without_any_cue_names_what_was_looked_for():
    with pytest.raises(CuecoderError, match="E312") as err:
        aggregate(pd.DataFrame({"account": ["a"], "score": [0.5]}))
    assert "openness_prob" in str(err.value) and "score" in str(err.value)
