"""Templates across a corpus: slot masking, MinHash, the template index, mining with its
HTML page, and the corpus evidence for ``automated`` (``evidence.add_corpus_evidence``)."""
