"""The notebook role's trust and permissions, as pure functions of plain strings (tests compare them whole)."""

from __future__ import annotations

from infra.iam.documents import Document, document, sagemaker_trust_policy
from infra.storage.layout import DATA_PREFIX, MODELS_PREFIX, NOTEBOOKS_PREFIX, TRAINING_OUTPUT_PREFIX

__all__ = ["notebook_role_policy", "sagemaker_trust_policy"]


def notebook_role_policy(
    *,
    account_id: str,
    region: str,
    prefix: str,
    artifact_bucket_arn: str,
    kms_key_arn: str,
    endpoint_name: str,
    notebook_name: str,
    training_role_arn: str,
) -> Document:
    """A data scientist's notebook: read the data, models and notebooks; train, tune and register under
    this stack's names; invoke this stack's endpoint; stop itself when idle. Nothing else."""
    sagemaker = f"arn:aws:sagemaker:{region}:{account_id}"
    readable = [DATA_PREFIX, MODELS_PREFIX, NOTEBOOKS_PREFIX, TRAINING_OUTPUT_PREFIX]
    return document(
        {
            "Sid": "ReadDataModelsAndNotebooks",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": [f"{artifact_bucket_arn}/{p}*" for p in readable],
        },
        {
            "Sid": "ListDataModelsAndNotebooks",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": artifact_bucket_arn,
            "Condition": {"StringLike": {"s3:prefix": [f"{p}*" for p in readable]}},
        },
        {
            "Sid": "UseProjectKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
            "Resource": kms_key_arn,
        },
        {
            # Job names start with the stack's prefix, so the notebook cannot touch another stack's jobs.
            "Sid": "TrainAndTuneUnderThisStacksNames",
            "Effect": "Allow",
            "Action": [
                "sagemaker:CreateTrainingJob",
                "sagemaker:DescribeTrainingJob",
                "sagemaker:StopTrainingJob",
                "sagemaker:CreateHyperParameterTuningJob",
                "sagemaker:DescribeHyperParameterTuningJob",
                "sagemaker:StopHyperParameterTuningJob",
                "sagemaker:ListTrainingJobsForHyperParameterTuningJob",
                "sagemaker:AddTags",
            ],
            "Resource": [
                f"{sagemaker}:training-job/{prefix}-*",
                f"{sagemaker}:hyper-parameter-tuning-job/{prefix}-*",
            ],
        },
        {
            "Sid": "RegisterModelVersions",
            "Effect": "Allow",
            "Action": [
                "sagemaker:CreateModelPackage",
                "sagemaker:DescribeModelPackage",
                "sagemaker:UpdateModelPackage",
                "sagemaker:CreateModelPackageGroup",
                "sagemaker:DescribeModelPackageGroup",
            ],
            "Resource": [f"{sagemaker}:model-package/{prefix}*/*", f"{sagemaker}:model-package-group/{prefix}*"],
        },
        {
            # The List* actions support no resource-level permissions: "*" is the only valid resource.
            "Sid": "ListJobsAndModelVersions",
            "Effect": "Allow",
            "Action": ["sagemaker:ListTrainingJobs", "sagemaker:ListModelPackages", "sagemaker:ListModelPackageGroups"],
            "Resource": "*",
        },
        {
            # Training and tuning jobs run as the stack's training role, handed to SageMaker only.
            "Sid": "PassTrainingRoleToSageMaker",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": training_role_arn,
            "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        },
        {
            "Sid": "InvokeThisStacksEndpoint",
            "Effect": "Allow",
            "Action": "sagemaker:InvokeEndpoint",
            "Resource": f"{sagemaker}:endpoint/{endpoint_name.lower()}",
        },
        {
            # The lifecycle configuration's idle check stops the instance it runs on.
            "Sid": "StopItselfWhenIdle",
            "Effect": "Allow",
            "Action": ["sagemaker:DescribeNotebookInstance", "sagemaker:StopNotebookInstance"],
            "Resource": f"{sagemaker}:notebook-instance/{notebook_name.lower()}",
        },
        {
            "Sid": "WriteNotebookLogsReadJobLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:GetLogEvents", "logs:DescribeLogStreams"],
            "Resource": [
                f"arn:aws:logs:{region}:{account_id}:log-group:/aws/sagemaker/NotebookInstances:*",
                f"arn:aws:logs:{region}:{account_id}:log-group:/aws/sagemaker/TrainingJobs:*",
            ],
        },
    )
