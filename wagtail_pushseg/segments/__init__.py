"""Fuzzy segments: rule blocks, their plain-data form, set-based evaluation into memberships,
a reference evaluator for one subscriber, explanations, refresh and overlaps.

Nothing is imported here, so that ``models`` can use the blocks without loading the compiler.
"""
