"""Benchmarks that run takedown as a platform deploys it and print what they measure.

Run them with ``make bench-load`` (see the README's "Benchmarks" section). They time
requests from the outside; nothing here asserts on a duration.
"""
