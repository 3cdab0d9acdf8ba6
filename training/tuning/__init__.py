"""Hyperparameter tuning of ``train.py``: one search space, a local executor and a managed one.

A workstation tool: it never ships into a training job (the launcher's upload leaves it out), and
``train.py`` imports nothing from it.
"""
