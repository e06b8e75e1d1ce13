"""Training-side code: needs the ``[train]`` extra (torch, scikit-learn, skl2onnx).

Nothing here is imported by inference.
"""
