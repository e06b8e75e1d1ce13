from __future__ import annotations

import subprocess
import sys
import textwrap


def test_scoring_works_with_torch_and_friends_unimportable():
    """Inference runs on onnxruntime + tokenizers + numpy. In a fresh interpreter where
    torch, sentence-transformers, transformers and scikit-learn cannot be imported at
    all, loading the model, scoring and the spaCy component still work.

    (spaCy's thinc imports torch on its own whenever torch is installed; blocking it
    shows that nothing of cuecoder's needs it.)
    """
    code = textwrap.dedent(
        """
        import sys
        BLOCKED = ("torch", "sentence_transformers", "transformers", "sklearn", "skl2onnx")
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ImportError(f"blocked: {name}")
        sys.meta_path.insert(0, Block())
        import cuecoder, spacy
        table = cuecoder.load().score(["Sorry about that! Which store?"], ["late order"])
        nlp = spacy.blank("en"); nlp.add_pipe("cuecoder"); doc = nlp("Thanks, noted!")
        loaded = [m for m in BLOCKED if m in sys.modules]
        print("LOADED:", loaded, len(table), doc._.cues is not None)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "LOADED: [] 1 True" in out.stdout, out.stdout + out.stderr
