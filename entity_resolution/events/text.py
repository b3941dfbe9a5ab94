"""What two descriptions share: cosine similarity of their character bigrams, weighted by rarity.

Each department wraps what happened in its own boilerplate (来电人反映：…，要求给个说法 at the hotline,
…，网格员已上门核实 at the grid, 报警人…报警称 at the police). Weighting every bigram by its inverse
document frequency over all descriptions makes the boilerplate count for almost nothing and the
words about the incident (漏水, 车位, 油烟) for much, without a word list per department. Chinese
needs no word segmentation for this: bigrams of characters carry most of the meaning.

    >>> model = fit_text_model(["楼上卫生间漏水，网格员已上门核实", "来电人反映：楼上卫生间漏水",
    ...                         "来电人反映：车位被占", "车位被占，网格员已上门核实"])
    >>> vectors = text_vectors(["来电人反映：楼上卫生间漏水", "楼上卫生间漏水，网格员已上门核实",
    ...                         "车位被占，网格员已上门核实"], model)
    >>> [round(float(s), 2) for s in text_similarity(vectors, np.array([0, 0]), np.array([1, 2]))]
    [0.46, 0.0]

Texts are normalised as addresses are (`normalize_address_text`: NFKC, simplified characters,
no spaces or punctuation) and cut to their first `WIDTH` characters, where departments put the
substance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.sparse import csr_matrix

from normalize.address import normalize_address_text

__all__ = ["TextModel", "clean_texts", "clean_texts_of", "fit_text_model", "text_similarity", "text_vectors"]

WIDTH = 96
_SEPARATOR = "\ue000"  # a private-use character: no normaliser touches it
_BATCH = 20_000
_ROWS = 50_000


@dataclass(frozen=True, slots=True)
class TextModel:
    """The bigram vocabulary and each bigram's inverse document frequency."""

    bigrams: npt.NDArray[np.uint64]  # sorted
    idf: npt.NDArray[np.float32]
    documents: int

    @property
    def unseen_idf(self) -> float:
        """Return the idf of a bigram no fitted document held: the smoothed idf of a zero count."""
        return float(np.log(self.documents + 1.0) + 1.0)


def clean_texts(texts: Sequence[str]) -> list[str]:
    """Return the texts normalised, many at a time (the simplified-character converter is per call)."""
    out: list[str] = []
    for start in range(0, len(texts), _BATCH):
        chunk = [t.replace(_SEPARATOR, "") for t in texts[start : start + _BATCH]]
        cleaned = normalize_address_text(_SEPARATOR.join(chunk)).split(_SEPARATOR)
        out.extend(cleaned if len(cleaned) == len(chunk) else [normalize_address_text(t) for t in chunk])
    return out


def _bigrams(texts: Sequence[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]:
    """Return (row, bigram code) of every distinct bigram in each text's first WIDTH characters."""
    rows, codes = [np.zeros(0, np.int64)], [np.zeros(0, np.uint64)]
    for start in range(0, len(texts), _ROWS):
        chars = np.array(list(texts[start : start + _ROWS]), dtype=f"<U{WIDTH}")
        points = chars.view(np.uint32).reshape(len(chars), WIDTH).astype(np.uint64)
        code = (points[:, :-1] << np.uint64(21)) | points[:, 1:]
        valid = points[:, 1:] != 0
        row, _ = np.nonzero(valid)
        rows.append(row.astype(np.int64) + start)
        codes.append(code[valid])
    return np.concatenate(rows), np.concatenate(codes)


def _binary(rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64], shape: tuple[int, int]) -> csr_matrix:
    matrix = csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=shape)
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def fit_text_model(texts: Sequence[str], clean: bool = True) -> TextModel:
    """Return the vocabulary and inverse document frequencies of the texts' bigrams."""
    cleaned = clean_texts(texts) if clean else list(texts)
    rows, codes = _bigrams(cleaned)
    vocabulary, columns = np.unique(codes, return_inverse=True)
    matrix = _binary(rows, columns.astype(np.int64), (len(cleaned), len(vocabulary)))
    df = np.bincount(matrix.indices, minlength=len(vocabulary))
    idf = (np.log((len(cleaned) + 1) / (df + 1.0)) + 1.0).astype(np.float32)
    return TextModel(vocabulary.astype(np.uint64), idf, len(cleaned))


def text_vectors(texts: Sequence[str], model: TextModel, clean: bool = True) -> csr_matrix:
    """Return one unit-length row per text: its bigrams weighted by the model's idf.

    Bigrams the model never saw get the weight of a bigram seen in no document.
    """
    cleaned = clean_texts(texts) if clean else list(texts)
    rows, codes = _bigrams(cleaned)
    position = np.searchsorted(model.bigrams, codes)
    position = np.minimum(position, max(len(model.bigrams) - 1, 0))
    known = (model.bigrams[position] == codes) if len(model.bigrams) else np.zeros(len(codes), dtype=bool)
    unseen_codes, unseen_columns = np.unique(codes[~known], return_inverse=True)
    columns = np.where(known, position, 0).astype(np.int64)
    columns[~known] = len(model.bigrams) + unseen_columns
    width = len(model.bigrams) + len(unseen_codes)
    matrix = _binary(rows, columns, (len(cleaned), width))
    weights = np.r_[model.idf, np.full(len(unseen_codes), model.unseen_idf, dtype=np.float32)]
    matrix.data = matrix.data * weights[matrix.indices]
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    scaled: csr_matrix = csr_matrix(matrix.multiply(1.0 / norms[:, None]))
    return scaled


def text_similarity(
    vectors: csr_matrix, left: npt.NDArray[np.int64], right: npt.NDArray[np.int64], chunk: int = 50_000
) -> npt.NDArray[np.float32]:
    """Return the cosine similarity of each pair of rows (0 when either text is empty).

    Pairs go `chunk` at a time: both sides' rows of a chunk are copied (about 1 KB a text).
    """
    out = np.zeros(len(left), dtype=np.float32)
    for start in range(0, len(left), chunk):
        a = vectors[left[start : start + chunk]]
        b = vectors[right[start : start + chunk]]
        out[start : start + chunk] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    return out


def clean_texts_of(prepared: pd.DataFrame, wanted: npt.NDArray[np.bool_] | None = None) -> list[str]:
    """Return the rows' descriptions cleaned (`clean_text`, kept with prepared events; cleaned here
    where missing), "" for rows not `wanted`."""
    wanted = np.ones(len(prepared), dtype=bool) if wanted is None else wanted
    kept = prepared["clean_text"] if "clean_text" in prepared else pd.Series(None, index=prepared.index)
    texts = kept.where(wanted, "").to_numpy(dtype=object)
    missing = np.flatnonzero(pd.isna(texts))
    texts[missing] = clean_texts(prepared["description"].to_numpy(dtype=object)[missing].tolist())
    return list(texts)
