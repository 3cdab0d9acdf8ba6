"""The notebook's on-start script: copy the repository's notebooks from S3 and stop the instance when idle.

The notebook has no direct internet access and the network has no NAT, so it cannot clone a Git
repository (``default_code_repository`` would need a route to the Git host); the stack uploads the
notebooks to the artifact bucket instead and the script copies them through the S3 gateway endpoint.

The idle check runs every five minutes from a systemd timer (Amazon Linux 2023, this platform, ships no
cron). It asks the local Jupyter server for its kernels and stops the instance through the SageMaker
API when no kernel is busy and the newest activity is older than the configured idle time. SageMaker
runs the script as root and gives it five minutes: it only writes files and starts the timer.
"""

from __future__ import annotations

import base64

IDLE_CHECK = r"""import datetime, json, ssl, subprocess, sys, urllib.request

IDLE_SECONDS = int(sys.argv[1])
context = ssl._create_unverified_context()  # the local Jupyter server's certificate is self-signed
with urllib.request.urlopen("https://127.0.0.1:8443/api/kernels", context=context, timeout=10) as answer:
    kernels = json.load(answer)
now = datetime.datetime.now(datetime.timezone.utc)
with open("/proc/uptime") as uptime:
    latest = now - datetime.timedelta(seconds=float(uptime.read().split()[0]))
for kernel in kernels:
    if kernel.get("execution_state") == "busy":
        sys.exit(0)
    seen = datetime.datetime.fromisoformat(kernel["last_activity"].replace("Z", "+00:00"))
    latest = max(latest, seen)
if (now - latest).total_seconds() < IDLE_SECONDS:
    sys.exit(0)
with open("/opt/ml/metadata/resource-metadata.json") as metadata:
    name = json.load(metadata)["ResourceName"]
subprocess.run(["aws", "sagemaker", "stop-notebook-instance", "--notebook-instance-name", name], check=True)
"""


def on_start_script(*, bucket: str, notebooks_prefix: str, idle_minutes: int) -> str:
    return f"""#!/bin/bash
set -euo pipefail
# The repository's notebooks, from the artifact bucket (through the S3 gateway endpoint).
sudo -u ec2-user -i aws s3 sync --only-show-errors \\
    "s3://{bucket}/{notebooks_prefix}" /home/ec2-user/SageMaker/notebooks/
# Stop after {idle_minutes} minutes without kernel activity.
install -d -m 0755 /usr/local/lib/mlops
cat > /usr/local/lib/mlops/idle_check.py <<'PY'
{IDLE_CHECK}PY
cat > /etc/systemd/system/mlops-idle-check.service <<'UNIT'
[Unit]
Description=Stop this notebook instance when its kernels have been idle
[Service]
Type=oneshot
ExecStart=/usr/bin/python3 /usr/local/lib/mlops/idle_check.py {idle_minutes * 60}
UNIT
cat > /etc/systemd/system/mlops-idle-check.timer <<'UNIT'
[Unit]
Description=Check every five minutes whether this notebook instance is idle
[Timer]
OnBootSec=10min
OnUnitActiveSec=5min
[Install]
WantedBy=timers.target
UNIT
systemctl daemon-reload
systemctl enable --now mlops-idle-check.timer
"""


def encoded(script: str) -> str:
    """SageMaker takes lifecycle scripts base64-encoded (at most 16384 characters)."""
    return base64.b64encode(script.encode()).decode()
