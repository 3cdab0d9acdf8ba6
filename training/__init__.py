"""Training package: turns a CSV dataset into the SageMaker model artifact the platform deploys.

Nothing is imported here on purpose: ``train.py`` also runs as a plain script inside the SageMaker
training container, and ``inference.py`` is imported alone by the serving container.
"""
