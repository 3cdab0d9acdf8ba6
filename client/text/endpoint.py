"""Create, describe and delete the Comprehend endpoint that serves a custom recognizer in real time.

No IaC resource exists for a Comprehend endpoint (pulumi-aws has EntityRecognizer and
DocumentClassifier only), so the endpoint is a command, run when real-time custom entities are needed
and deleted afterwards: an endpoint bills for every second it exists, used or not.

    python -m client.text.endpoint create --name NAME --model-arn ARN [--inference-units N] --yes
    python -m client.text.endpoint describe --endpoint-arn ARN
    python -m client.text.endpoint delete --endpoint-arn ARN

Exit codes: 0 done; 1 Comprehend refused the request (its error code and message on one line);
2 usage error (missing flag, `create` without --yes).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from client.text.retry import RetryPolicy, call_with_retries, comprehend_client, error_code, error_message

# Amazon Comprehend pricing, custom models, synchronous inference: USD 0.0005 per inference unit per
# second, billed from creation until deletion (one unit = 100 characters per second of throughput).
PRICE_PER_IU_SECOND_USD = 0.0005
HOURS_PER_MONTH = 730
MAX_INFERENCE_UNITS = 10  # per endpoint (Guidelines and quotas, custom entity recognition, real time)


def cost_line(inference_units: int) -> str:
    hourly = PRICE_PER_IU_SECOND_USD * 3600 * inference_units
    return (
        f"cost: {inference_units} inference unit(s) x USD {PRICE_PER_IU_SECOND_USD}/s = USD {hourly:.2f}/hour, "
        f"USD {hourly * HOURS_PER_MONTH:,.0f}/month while the endpoint exists; delete it when done"
    )


def create_endpoint(client: Any, name: str, model_arn: str, inference_units: int, retry: RetryPolicy) -> str:
    if not 1 <= inference_units <= MAX_INFERENCE_UNITS:
        raise ValueError(f"--inference-units must be 1-{MAX_INFERENCE_UNITS} (got {inference_units})")
    response = call_with_retries(
        retry,
        lambda: client.create_endpoint(EndpointName=name, ModelArn=model_arn, DesiredInferenceUnits=inference_units),
    )
    return str(response["EndpointArn"])


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m client.text.endpoint", description=__doc__.split("\n\n")[0])
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--endpoint-url", default=None, help="a local emulator, e.g. http://127.0.0.1:4566")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create an endpoint for a trained recognizer (billed per second)")
    create.add_argument("--name", required=True)
    create.add_argument("--model-arn", required=True, help="the entity recognizer (version) ARN")
    create.add_argument("--inference-units", type=int, default=1)
    create.add_argument("--yes", action="store_true", help="confirm the cost printed by the command")
    for command in ("describe", "delete"):
        sub = commands.add_parser(command)
        sub.add_argument("--endpoint-arn", required=True)
    return parser


def main(argv: Sequence[str] | None = None, client: Any = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    client = client or comprehend_client(args.region, args.endpoint_url)
    retry = RetryPolicy()
    try:
        if args.command == "create":
            if not 1 <= args.inference_units <= MAX_INFERENCE_UNITS:
                parser.error(f"--inference-units must be 1-{MAX_INFERENCE_UNITS} (got {args.inference_units})")
            print(cost_line(args.inference_units))
            if not args.yes:
                parser.error("creating an endpoint starts billing; add --yes to confirm")
            arn = create_endpoint(client, args.name, args.model_arn, args.inference_units, retry)
            print(f"created {arn} (status CREATING until it is IN_SERVICE; `describe` shows it)")
        elif args.command == "describe":
            properties = call_with_retries(retry, lambda: client.describe_endpoint(EndpointArn=args.endpoint_arn))[
                "EndpointProperties"
            ]
            print(
                f"{properties['EndpointArn']}: {properties['Status']}, "
                f"{properties.get('CurrentInferenceUnits', properties.get('DesiredInferenceUnits'))} inference unit(s)"
            )
        else:
            call_with_retries(retry, lambda: client.delete_endpoint(EndpointArn=args.endpoint_arn))
            print(f"deleting {args.endpoint_arn} (billing stops when it is gone)")
    except ClientError as error:
        print(f"error: {error_code(error)}: {error_message(error)}", file=sys.stderr)
        return 1
    except BotoCoreError as error:
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
