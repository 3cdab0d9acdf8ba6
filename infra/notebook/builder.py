"""How the program builds the notebook of a stack (dev by default; elsewhere only when enabled)."""

from __future__ import annotations

import pulumi

from infra.config import PROJECT_ROOT
from infra.context import StackContext
from infra.network.vpc import Network
from infra.notebook.instance import NotebookArgs, NotebookWorkspace
from infra.storage.artifact_store import ArtifactStore

NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"


def build(
    ctx: StackContext, store: ArtifactStore, network: Network | None, training_role_arn: pulumi.Input[str]
) -> NotebookWorkspace | None:
    settings = ctx.config.notebook
    if not settings.enabled or network is None:
        # The config refuses an enabled notebook without a network.
        return None
    return NotebookWorkspace(
        f"{ctx.prefix}-notebook",
        NotebookArgs(
            notebook_name=f"{ctx.prefix}-notebook",
            account_id=ctx.account_id,
            region=ctx.region,
            prefix=ctx.prefix,
            instance_type=settings.instance_type,
            volume_size_gb=settings.volume_size_gb,
            idle_minutes=settings.idle_minutes,
            subnet_id=network.subnet_ids[0],
            security_group_ids=network.security_group_ids,
            kms_key_arn=store.key_arn,
            artifact_bucket=store.artifact_bucket_name,
            artifact_bucket_arn=store.artifact_bucket.arn,
            endpoint_name=ctx.endpoint_name,
            training_role_arn=training_role_arn,
            notebooks=sorted(NOTEBOOKS_DIR.glob("*.ipynb")),
            tags=ctx.tags,
        ),
    )
