"""The training role's policy and the launcher policy, every statement written out.

A whole-document comparison, so a widened grant fails here first. What this cannot prove: that IAM
evaluates the documents as intended (the rehearsal stores them in the emulator and reads them back; only
AWS evaluates them).
"""

from __future__ import annotations

from infra.iam import training_documents

BUCKET = "arn:aws:s3:::acme-prod-artifacts-1a2b3c4"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/0b1c"
ROLE = "arn:aws:iam::123456789012:role/acme-prod-training-role-5d6e7f8"
REPOSITORY = "arn:aws:ecr:eu-west-1:141502667606:repository/sagemaker-scikit-learn"
VIA_S3 = {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}
TO_SAGEMAKER = {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}


def test_training_role_policy_exactly() -> None:
    log_group = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/sagemaker/TrainingJobs"
    assert training_documents.training_role_policy(
        account_id="123456789012",
        region="eu-west-1",
        artifact_bucket_arn=BUCKET,
        kms_key_arn=KEY,
        image_repository_arn=REPOSITORY,
        role_arn=ROLE,
    ) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadTrainingInput",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": [f"{BUCKET}/data/*", f"{BUCKET}/training-output/*/input/*"],
            },
            {
                "Sid": "ListTrainingInput",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": BUCKET,
                "Condition": {"StringLike": {"s3:prefix": ["data/*", "training-output/*"]}},
            },
            {
                "Sid": "WriteTrainingOutput",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
                "Resource": f"{BUCKET}/training-output/*",
            },
            {
                "Sid": "UseStackKeyThroughS3",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": KEY,
                "Condition": VIA_S3,
            },
            {
                "Sid": "WriteTrainingLogs",
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:DescribeLogStreams",
                ],
                "Resource": [log_group, f"{log_group}:log-stream:*"],
            },
            {
                "Sid": "PublishTrainingMetrics",
                "Effect": "Allow",
                "Action": "cloudwatch:PutMetricData",
                "Resource": "*",
                "Condition": {"StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/TrainingJobs"}},
            },
            {"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {
                "Sid": "PullTrainingImage",
                "Effect": "Allow",
                "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                "Resource": REPOSITORY,
            },
            {
                "Sid": "PassOnlyItselfToSageMaker",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": ROLE,
                "Condition": TO_SAGEMAKER,
            },
        ],
    }


def test_launcher_policy_exactly() -> None:
    assert training_documents.launcher_policy(
        account_id="123456789012",
        region="eu-west-1",
        job_name_prefix="acme-prod",
        artifact_bucket_arn=BUCKET,
        kms_key_arn=KEY,
        training_role_arn=ROLE,
    ) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RunStackTrainingJobs",
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
                    "arn:aws:sagemaker:eu-west-1:123456789012:training-job/acme-prod*",
                    "arn:aws:sagemaker:eu-west-1:123456789012:hyper-parameter-tuning-job/acme-prod*",
                ],
            },
            {
                "Sid": "PassTrainingRoleToSageMaker",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": ROLE,
                "Condition": TO_SAGEMAKER,
            },
            {
                "Sid": "StageSourceAndReadOutput",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:GetObject"],
                "Resource": f"{BUCKET}/training-output/*",
            },
            {
                "Sid": "PublishTrainedModels",
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": f"{BUCKET}/models/*",
            },
            {"Sid": "FindStagingBucket", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET},
            {
                "Sid": "UseStackKeyThroughS3",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": KEY,
                "Condition": VIA_S3,
            },
        ],
    }
