"""Pure image-matching building blocks (no Django): PDQ hashes and keypoint geometry.

``cases.imagematch`` puts them together into the verdict a reviewer sees; the staydown bank
uses the PDQ hashes on their own.
"""
