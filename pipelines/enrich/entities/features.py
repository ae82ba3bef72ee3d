"""The embedding layer of the shipped English model: spaCy's ``MultiHashEmbed`` plus each word's Brown cluster.

spaCy's feature extractor reads lexical attributes through ``Doc.to_array``, which does not offer ``CLUSTER``;
this layer adds the cluster as one more hashed column (the vocabulary fills ``token.cluster`` from its
``lexeme_cluster`` lookups table, which the model carries in ``vocab/lookups.bin``). Registered with spaCy under
``presspipe.MultiHashEmbedWithClusters.v1`` when this module is imported, which ``spacy_backend`` does before it
loads any model; ``training/english_ner.py`` explains why clusters are used.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import HashEmbed, Maxout, Model, chain, concatenate, list2ragged, ragged2list, with_array
from thinc.types import Floats2d, Ints2d

ARCHITECTURE = "presspipe.MultiHashEmbedWithClusters.v1"


def _extract(model: Model, docs: list[Doc], is_train: bool) -> tuple[list[Ints2d], Callable]:
    columns = model.attrs["columns"]
    features = []
    for doc in docs:
        attributes = doc.to_array(columns).reshape((len(doc), len(columns))).astype("uint64")
        clusters = numpy.fromiter((token.cluster for token in doc), dtype="uint64", count=len(doc)).reshape((-1, 1))
        features.append(model.ops.asarray2i(numpy.hstack([attributes, clusters]), dtype="uint64"))
    return features, lambda d_features: []


@registry.architectures(ARCHITECTURE)
def multi_hash_embed_with_clusters(width: int, attrs: list[str], rows: list[int],
                                   cluster_rows: int) -> Model[list[Doc], list[Floats2d]]:
    """``MultiHashEmbed`` (no static vectors) over ``attrs`` and the Brown cluster, ``cluster_rows`` rows for it."""
    if len(rows) != len(attrs):
        raise ValueError(f"Mismatched lengths: {len(rows)} vs {len(attrs)}")
    all_rows = [*rows, cluster_rows]
    embeddings = [HashEmbed(width, all_rows[index], column=index, seed=8 + index, dropout=0.0)
                  for index in range(len(all_rows))]
    extractor: Model = Model("extract_features_with_cluster", _extract, attrs={"columns": list(attrs)})
    return chain(
        extractor,
        list2ragged(),
        with_array(concatenate(*embeddings)),
        with_array(Maxout(width, width * len(embeddings), nP=3, dropout=0.0, normalize=True)),
        ragged2list(),
    )
