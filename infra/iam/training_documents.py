"""IAM documents for managed training and tuning, as pure functions of plain strings (like documents.py).

Two identities take part in a training job. The *training role* is what SageMaker assumes while the job
runs: it reads the stack's ``data/`` prefix and the source the SDK staged, writes under
``training-output/``, uses the stack key only through S3, logs to the training log group and pulls the
training image. The *launcher* is whoever starts jobs (a person, CI): the exported ``launcherPolicy``
lets it create, watch and stop jobs named with the stack's prefix, pass the training role and no other,
stage source and read results under ``training-output/``, and publish a finished model and its baseline
under ``models/`` (``training.launch`` does that after the job).
"""

from __future__ import annotations

from infra.iam.documents import Document, document
from infra.storage.layout import DATA_PREFIX, MODELS_PREFIX, TRAINING_OUTPUT_PREFIX

# SageMaker writes every training job's logs here, also those a tuning job starts (one stream per job).
TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs"
# SageMaker publishes the metric definitions' values of training jobs under this namespace.
TRAINING_METRIC_NAMESPACE = "/aws/sagemaker/TrainingJobs"


def training_role_policy(
    *,
    account_id: str,
    region: str,
    artifact_bucket_arn: str,
    kms_key_arn: str,
    image_repository_arn: str,
    role_arn: str,
) -> Document:
    """Least privilege for a training (or tuning trial) job running as the training role."""
    log_group = f"arn:aws:logs:{region}:{account_id}:log-group:{TRAINING_LOG_GROUP}"
    return document(
        {
            # The channels: the data, and the source and SDK drivers the launcher staged as input/.
            "Sid": "ReadTrainingInput",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": [
                f"{artifact_bucket_arn}/{DATA_PREFIX}*",
                f"{artifact_bucket_arn}/{TRAINING_OUTPUT_PREFIX}*/input/*",
            ],
        },
        {
            # S3Prefix channels are listed before they are downloaded.
            "Sid": "ListTrainingInput",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": artifact_bucket_arn,
            "Condition": {"StringLike": {"s3:prefix": [f"{DATA_PREFIX}*", f"{TRAINING_OUTPUT_PREFIX}*"]}},
        },
        {
            "Sid": "WriteTrainingOutput",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
            "Resource": f"{artifact_bucket_arn}/{TRAINING_OUTPUT_PREFIX}*",
        },
        {
            # The bucket is encrypted with the stack key: S3 decrypts inputs and encrypts outputs with it,
            # on this role's behalf only (no direct use of the key).
            "Sid": "UseStackKeyThroughS3",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": kms_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
        },
        {
            "Sid": "WriteTrainingLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            "Resource": [log_group, f"{log_group}:log-stream:*"],
        },
        {
            # PutMetricData has no resource-level permissions; the namespace condition scopes it.
            "Sid": "PublishTrainingMetrics",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": TRAINING_METRIC_NAMESPACE}},
        },
        {
            # GetAuthorizationToken has no resource-level permissions: "*" is the only valid resource.
            "Sid": "EcrLogin",
            "Effect": "Allow",
            "Action": "ecr:GetAuthorizationToken",
            "Resource": "*",
        },
        {
            # The scikit-learn training and serving images share one repository (different tags).
            "Sid": "PullTrainingImage",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": image_repository_arn,
        },
        {
            # A job may start SageMaker work as itself (never as another role).
            "Sid": "PassOnlyItselfToSageMaker",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": role_arn,
            "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        },
    )


def launcher_policy(
    *,
    account_id: str,
    region: str,
    job_name_prefix: str,
    artifact_bucket_arn: str,
    kms_key_arn: str,
    training_role_arn: str,
) -> Document:
    """What the identity that runs ``training.launch`` / ``training.tuning managed`` needs for this stack.

    SageMaker ARNs carry the job name in lower case; job names start with the stack's prefix.
    """
    arn = f"arn:aws:sagemaker:{region}:{account_id}"
    jobs = [
        f"{arn}:training-job/{job_name_prefix}*",
        f"{arn}:hyper-parameter-tuning-job/{job_name_prefix}*",
    ]
    return document(
        {
            # AddTags: CreateTrainingJob with tags needs it on the new job too.
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
            "Resource": jobs,
        },
        {
            "Sid": "PassTrainingRoleToSageMaker",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": training_role_arn,
            "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        },
        {
            # The SDK stages source under training-output/ and the launcher reads the job's output there.
            "Sid": "StageSourceAndReadOutput",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetObject"],
            "Resource": f"{artifact_bucket_arn}/{TRAINING_OUTPUT_PREFIX}*",
        },
        {
            # After a job: the model, its manifest and baseline under models/<sha256>/ (content-addressed).
            "Sid": "PublishTrainedModels",
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": f"{artifact_bucket_arn}/{MODELS_PREFIX}*",
        },
        {
            # The SDK checks the staging bucket exists before staging: HeadBucket (authorised as s3:ListBucket
            # with no prefix) or ListObjectsV2 with Prefix "training-output" (no slash); so no prefix condition.
            # Its ListBuckets probe tolerates AccessDenied, so s3:ListAllMyBuckets is not granted.
            "Sid": "FindStagingBucket",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": artifact_bucket_arn,
        },
        {
            "Sid": "UseStackKeyThroughS3",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": kms_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
        },
    )
