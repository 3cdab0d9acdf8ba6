"""The serving entry of the scikit-learn container, around our handlers (runs in the image's Python).

``sagemaker_sklearn_container.serving`` is not on PyPI, so this is our own few lines doing what that
module's ``main``/``serving_entrypoint`` do in ``sagemaker-scikit-learn:1.9-0``: ``server.start`` (which,
when ``SAGEMAKER_PROGRAM`` is set, installs the user module with ``pip install .`` *before* gunicorn
starts), then per gunicorn worker: import the module named by ``SAGEMAKER_PROGRAM`` (falling back to the
framework's download-and-install when the import fails), wrap its ``model_fn``/``input_fn``/
``predict_fn``/``output_fn`` in the framework's ``Transformer`` and serve it with the framework's
``Worker``. Everything else (request parsing, default Accept, error wrapping) is AWS's code.

Run as ``python serving_glue.py``: starts the framework's server with ``serving_glue:main`` as the app.
"""

from __future__ import annotations

import importlib
from typing import Any

from sagemaker_containers.beta.framework import env, modules, server, transformer, worker  # type: ignore[import-not-found]

_app: Any = None


def _user_module(serving_env: Any) -> Any:
    try:
        return importlib.import_module(serving_env.module_name)
    except ImportError:
        return modules.import_module(serving_env.module_dir, serving_env.module_name)


def main(environ: Any, start_response: Any) -> Any:
    global _app
    if _app is None:
        serving_env = env.ServingEnv()
        user_module = _user_module(serving_env)
        handlers = transformer.Transformer(
            model_fn=user_module.model_fn,
            input_fn=user_module.input_fn,
            predict_fn=user_module.predict_fn,
            output_fn=user_module.output_fn,
        )
        handlers.initialize()
        _app = worker.Worker(transform_fn=handlers.transform, module_name=serving_env.module_name)
    return _app(environ, start_response)


if __name__ == "__main__":
    server.start("serving_glue:main")
