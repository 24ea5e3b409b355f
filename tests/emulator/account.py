"""An emulated AWS account the suite starts and stops itself, and signing in to it as the pipeline does.

`EmulatedAccount` runs tests/emulator/server.py in its own process on a free port of 127.0.0.1, gives
each tool (Terraform, the AWS CLI, boto3) the environment that points it there with a given identity,
and signs in to the pipeline roles with `AssumeRoleWithWebIdentity` and a token carrying the claims a
GitHub Actions job presents.
"""
from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config

from tests.emulator import ecs_actions
from tests.emulator.recording import last_sequence, read_calls
from tests.emulator.server import rendered_emulator

ACCOUNT_ID = "123456789012"  # moto's account; the template's default role ARNs name it too
TEMPLATE_DIR = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60  # seconds for the emulator to import moto and listen


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str
    session_token: str = ""
    principal_arn: str = f"arn:aws:iam::{ACCOUNT_ID}:root"


# moto accepts any key pair; the recording tells callers apart by their access key.
ADMINISTRATOR = Credentials("AKIAEMULATEDADMIN000", "emulated-administrator-secret",
                            principal_arn=f"arn:aws:iam::{ACCOUNT_ID}:user/administrator")


def web_identity_token(claims: dict) -> str:
    """A JWT with GitHub's claims. The emulator does not verify signatures, so it carries none; the trust
    policy decision is made by the IAM evaluator from the claims."""
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.unsigned"


class EmulatedAccount:
    """moto in server mode on loopback, recording every call into `record`."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.record = directory / "calls.jsonl"
        self.port_file = directory / "port"
        self.log = directory / "emulator.log"
        self.process: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> "EmulatedAccount":
        self.record.unlink(missing_ok=True)
        self.port_file.unlink(missing_ok=True)
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.emulator.server", "--record", str(self.record),
                 "--port-file", str(self.port_file)],
                cwd=TEMPLATE_DIR, stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONPATH": str(TEMPLATE_DIR),
                     "AWS_EMULATOR_FAILING_IMAGES": f"@{ecs_actions.pushed_digest(ecs_actions.FAILING_MIGRATION_TAG)}"})
        deadline = time.monotonic() + START_TIMEOUT
        while not self.port_file.exists() or not self.port_file.read_text().strip():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the AWS emulator did not start; its log:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)
        self.port = int(self.port_file.read_text())
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self.process = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        """Empty the account: every resource of every service goes."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=30).close()

    def validation(self) -> dict:
        """What the strict layer checked since the emulator started: counts, and what it left unvalidated."""
        with urllib.request.urlopen(f"{self.endpoint}/emulator-api/validation", timeout=30) as answer:
            return json.load(answer)

    def env(self, credentials: Credentials, region: str) -> dict[str, str]:
        """The environment that points every AWS SDK, the AWS CLI and Terraform here, as this identity."""
        return rendered_emulator().client_environment(self.endpoint, credentials.access_key, credentials.secret_key,
                                                      credentials.session_token, region)

    @staticmethod
    def environ() -> dict[str, str]:
        """This process's environment without what would point a tool at another AWS account."""
        return rendered_emulator().without_profile(os.environ)

    def client(self, service: str, credentials: Credentials, region: str):
        return boto3.client(service, endpoint_url=self.endpoint, region_name=region,
                            aws_access_key_id=credentials.access_key, aws_secret_access_key=credentials.secret_key,
                            aws_session_token=credentials.session_token or None,
                            config=Config(retries={"max_attempts": 2, "mode": "standard"}))

    def administrator_of(self, account_id: str, region: str) -> Credentials:
        """An administrator of `account_id`: ADMINISTRATOR for moto's own account; for another, a session of the
        role AWS Organizations creates in each member account, assumed by ADMINISTRATOR (moto then serves
        every call signed with that session's key from that account)."""
        if account_id == ACCOUNT_ID:
            return ADMINISTRATOR
        role = f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole"
        keys = self.client("sts", ADMINISTRATOR, region).assume_role(
            RoleArn=role, RoleSessionName="administrator", DurationSeconds=3600)["Credentials"]
        return Credentials(keys["AccessKeyId"], keys["SecretAccessKey"], keys["SessionToken"],
                           principal_arn=f"arn:aws:sts::{account_id}:assumed-role/OrganizationAccountAccessRole/"
                                         "administrator")

    def sign_in_with_github(self, role_arn: str, claims: dict, region: str, session_name: str) -> Credentials:
        """AssumeRoleWithWebIdentity as configure-aws-credentials calls it: role, session name, one hour."""
        sts = self.client("sts", Credentials("unsigned", "unsigned"), region)
        answer = sts.assume_role_with_web_identity(RoleArn=role_arn, RoleSessionName=session_name,
                                                   WebIdentityToken=web_identity_token(claims), DurationSeconds=3600)
        keys = answer["Credentials"]
        return Credentials(keys["AccessKeyId"], keys["SecretAccessKey"], keys["SessionToken"],
                           principal_arn=answer["AssumedRoleUser"]["Arn"])

    def inventory(self, region: str, administrator: Credentials = ADMINISTRATOR) -> dict[str, list[str]]:
        """What the account of `administrator` (moto's own by default) holds in `region`, besides what every
        account has (default VPC, service-linked roles): each kind of resource the stacks create, by name or ID."""
        client = lambda service: self.client(service, administrator, region)  # noqa: E731
        ec2, ecs = client("ec2"), client("ecs")
        default_vpcs = {vpc["VpcId"] for vpc in ec2.describe_vpcs()["Vpcs"] if vpc.get("IsDefault")}
        outside_default = lambda items: [item for item in items if item.get("VpcId") not in default_vpcs]  # noqa: E731
        kms = client("kms")
        keys = [kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"] for key in kms.list_keys()["Keys"]]
        # Keys behind the reserved aliases (aws/ecr, ...) are AWS managed keys, created by services on first use.
        aws_managed = {alias.get("TargetKeyId") for alias in kms.list_aliases()["Aliases"]
                       if alias["AliasName"].startswith("alias/aws/")}
        clusters = [cluster["clusterName"] for cluster in ecs.describe_clusters(
            clusters=ecs.list_clusters()["clusterArns"])["clusters"] if cluster["status"] == "ACTIVE"]
        return {
            "vpcs": [vpc["VpcId"] for vpc in outside_default(ec2.describe_vpcs()["Vpcs"])],
            "subnets": [subnet["SubnetId"] for subnet in outside_default(ec2.describe_subnets()["Subnets"])],
            "nat gateways": [nat["NatGatewayId"] for nat in ec2.describe_nat_gateways()["NatGateways"]
                             if nat["State"] not in ("deleted", "deleting")],
            "elastic IPs": [address["AllocationId"] for address in ec2.describe_addresses()["Addresses"]],
            "security groups": [group["GroupId"] for group in outside_default(ec2.describe_security_groups()[
                "SecurityGroups"])],
            "flow logs": [log["FlowLogId"] for log in ec2.describe_flow_logs()["FlowLogs"]],
            "load balancers": [lb["LoadBalancerName"] for lb in client("elbv2").describe_load_balancers()[
                "LoadBalancers"]],
            "target groups": [group["TargetGroupName"] for group in client("elbv2").describe_target_groups()[
                "TargetGroups"]],
            "ecs clusters": clusters,
            "active task definitions": ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"],
            "ecr repositories": [repo["repositoryName"] for repo in client("ecr").describe_repositories()[
                "repositories"]],
            "log groups": [group["logGroupName"] for group in client("logs").describe_log_groups()["logGroups"]],
            "kms keys in use": [f"{key['KeyId']} ({key.get('Description', '')})" for key in keys
                                if key["KeyState"] == "Enabled" and key["KeyId"] not in aws_managed],
            "iam roles": [role["RoleName"] for role in client("iam").list_roles()["Roles"]
                          if not role["Path"].startswith("/aws-service-role/")],
            "iam policies": [policy["PolicyName"] for policy in client("iam").list_policies(Scope="Local")[
                "Policies"]],
            "oidc providers": [provider["Arn"] for provider in client("iam").list_open_id_connect_providers()[
                "OpenIDConnectProviderList"]],
            "scalable targets": [target["ResourceId"] for target in client(
                "application-autoscaling").describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]],
            "db subnet groups": [group["DBSubnetGroupName"] for group in client("rds").describe_db_subnet_groups()[
                "DBSubnetGroups"]],
            "s3 buckets": [bucket["Name"] for bucket in client("s3").list_buckets()["Buckets"]],
            "dynamodb tables": client("dynamodb").list_tables()["TableNames"],
            "alarms": [alarm["AlarmName"] for alarm in client("cloudwatch").describe_alarms()["MetricAlarms"]],
            "dashboards": [board["DashboardName"] for board in client("cloudwatch").list_dashboards()[
                "DashboardEntries"]],
            "sns topics": [topic["TopicArn"] for topic in client("sns").list_topics()["Topics"]],
            "saved log queries": [query["name"] for query in client("logs").describe_query_definitions()[
                "queryDefinitions"]],
            "db instances": [db["DBInstanceIdentifier"] for db in client("rds").describe_db_instances()["DBInstances"]],
            "db parameter groups": [group["DBParameterGroupName"] for group in client(
                "rds").describe_db_parameter_groups()["DBParameterGroups"]
                if not group["DBParameterGroupName"].startswith("default.")],
            "db snapshots": [snapshot["DBSnapshotIdentifier"] for snapshot in client("rds").describe_db_snapshots(
                SnapshotType="manual")["DBSnapshots"]],
            "secrets": [secret["Name"] for secret in client("secretsmanager").list_secrets()["SecretList"]],
        }

    def mark(self) -> int:
        """The recording's position now; calls after it belong to what comes next."""
        return last_sequence(self.record)

    def calls(self, since: int = 0):
        return read_calls(self.record, since)
