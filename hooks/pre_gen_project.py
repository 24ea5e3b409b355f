"""Validate every template input before cookiecutter renders a single file.

All problems are reported together, one line each, and the hook exits non-zero so that cookiecutter deletes
the half-made output directory. Every check is a plain function the template's tests call directly.
"""
from __future__ import annotations

import ipaddress
import json
import re
import sys
from collections.abc import Callable, Mapping

# Cookiecutter renders this hook before running it; the raw string then holds the chosen inputs as JSON.
RENDERED_CONTEXT = r"""{{ cookiecutter | jsonify }}"""

SLUG_MAX_LENGTH = 32  # an ALB name is at most 32 characters and the ALB is named after the slug

AWS_REGIONS = (
    "af-south-1",
    "ap-east-1", "ap-east-2",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-south-1", "ap-south-2",
    "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
    "ap-southeast-6", "ap-southeast-7",
    "ca-central-1", "ca-west-1",
    "eu-central-1", "eu-central-2",
    "eu-north-1",
    "eu-south-1", "eu-south-2",
    "eu-west-1", "eu-west-2", "eu-west-3",
    "il-central-1",
    "me-central-1", "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1", "us-east-2", "us-west-1", "us-west-2",
)

# The Terraform stack gives each AZ a fixed subnet slot from its letter, so adding an AZ never moves another.
AZ_LETTERS = "abcdefgh"
MIN_AZS = 2  # an Application Load Balancer needs subnets in at least two AZs

# Fargate task sizes: CPU units -> allowed memory (MiB), from the ECS task definition documentation.
FARGATE_MEMORY_BY_CPU = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}

LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)

CHOICES = {
    "python_version": ("3.12", "3.13"),
    # In release order; production is always last (the template renders each environment's files).
    "environments": ("staging,production", "production"),
    "nat_mode": ("per-az", "single"),
    "enable_database_subnets": ("no", "yes"),
    "database": ("none", "postgres"),
    "enable_https": ("no", "yes"),
    "cpu_architecture": ("X86_64", "ARM64"),
    "create_oidc_provider": ("auto", "yes", "no"),
    "state_locking": ("dynamodb", "s3-native"),
    "deployment_strategy": ("rolling", "canary"),
    "container_insights": ("enhanced", "enabled", "disabled"),
}

MIN_PORT = 1024  # the container runs as a non-root user, which cannot bind ports below 1024
MAX_PORT = 65535
MAX_TASKS = 1000
VPC_PREFIX_RANGE = (16, 22)  # four tiers of eight AZ slots each must leave subnets of at least /27

ROLE_ARN = re.compile(r"arn:aws:iam::(?P<account>\d{12}):role/(?P<name>[\w+=,.@-]{1,64})")
ACM_ARN = re.compile(r"arn:aws:acm:(?P<region>[a-z0-9-]+):\d{12}:certificate/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}")
SLUG = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
GITHUB_OWNER = re.compile(r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}")
GITHUB_REPO = re.compile(r"[A-Za-z0-9._-]{1,100}")
BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
BUCKET_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
BUCKET_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
DYNAMODB_TABLE = re.compile(r"[A-Za-z0-9_.-]{3,255}")
# A Backstage entity reference to a group or user, [kind:][namespace/]name, with the name and namespace
# formats the catalog accepts (an object name and a DNS label, at most 63 characters each).
# One address, no display name; the domain has at least two labels (SNS's email protocol delivers to it).
EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")
CATALOG_OWNER = re.compile(r"(?:(?:[Gg]roup|[Uu]ser):)?"
                           r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?/)?"
                           r"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?")

Check = Callable[[str, Mapping[str, str]], "str | None"]


def problem(name: str, value: str, reason: str) -> str:
    """One report line: the input, the value it had, and what is wrong or allowed."""
    return f"{name}={value!r}: {reason}"


def as_int(value: str) -> int | None:
    """The value as a non-negative integer, or None when it is not written as one."""
    return int(value) if re.fullmatch(r"[0-9]+", value.strip()) else None


def split_azs(value: str) -> list[str]:
    """The comma-separated AZ list as names, blanks dropped."""
    return [az.strip() for az in value.split(",") if az.strip()]


def check_text(value: str, context: Mapping[str, str], max_length: int = 200) -> str | None:
    if not value.strip():
        return "must not be empty"
    if len(value) > max_length:
        return f"is {len(value)} characters long; at most {max_length} are allowed"
    if any(not char.isprintable() for char in value):
        return "must be one line of printable characters"
    return None


def check_slug(value: str, context: Mapping[str, str]) -> str | None:
    if not SLUG.fullmatch(value):
        return ("use lowercase letters, digits and single hyphens, starting with a letter "
                "and not ending with a hyphen (e.g. 'orders-api')")
    if not 3 <= len(value) <= SLUG_MAX_LENGTH:
        return (f"is {len(value)} characters long; use 3 to {SLUG_MAX_LENGTH} "
                "(AWS load balancer names built from it are limited to 32)")
    if value.startswith("internal-"):
        return "must not start with 'internal-' (AWS load balancer names cannot)"
    return None


def check_catalog_owner(value: str, context: Mapping[str, str]) -> str | None:
    if not CATALOG_OWNER.fullmatch(value):
        return ("use a Backstage group or user reference, 'group:NAME' or 'user:NAME' (optionally "
                "'group:NAMESPACE/NAME'); names are 1 to 63 letters, digits, '-', '_' or '.', "
                "starting and ending with a letter or digit")
    return None


def check_region(value: str, context: Mapping[str, str]) -> str | None:
    if value not in AWS_REGIONS:
        return f"is not an AWS region; use one of: {', '.join(AWS_REGIONS)}"
    return None


def check_availability_zones(value: str, context: Mapping[str, str]) -> str | None:
    region = context.get("aws_region", "")
    azs = split_azs(value)
    pattern = re.compile(re.escape(region) + f"[{AZ_LETTERS}]")
    foreign = [az for az in azs if not pattern.fullmatch(az)]
    if foreign:
        return (f"{', '.join(foreign)} not in region {region!r}; "
                f"use '{region}' followed by one letter a-h, e.g. '{region}a,{region}b'")
    duplicates = sorted({az for az in azs if azs.count(az) > 1})
    if duplicates:
        return f"lists {', '.join(duplicates)} more than once; list each AZ once"
    if len(azs) < MIN_AZS:
        return f"names {len(azs)} AZ(s); an Application Load Balancer needs at least {MIN_AZS}"
    return None


def check_vpc_cidr(value: str, context: Mapping[str, str]) -> str | None:
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        return "is not an IPv4 network in CIDR form with its host bits zero, e.g. '10.0.0.0/16'"
    low, high = VPC_PREFIX_RANGE
    if not low <= network.prefixlen <= high:
        return f"has prefix /{network.prefixlen}; use /{low} to /{high}"
    if not network.is_private:
        return "is not a private (RFC 1918) range; use e.g. '10.0.0.0/16'"
    return None


def check_choice(name: str) -> Check:
    def check(value: str, context: Mapping[str, str]) -> str | None:
        if value not in CHOICES[name]:
            return f"use one of: {', '.join(CHOICES[name])}"
        return None
    return check


def check_certificate(value: str, context: Mapping[str, str]) -> str | None:
    https = context.get("enable_https") == "yes"
    if not https:
        return "must be empty when enable_https is 'no'" if value else None
    if context.get("domain_name"):
        return ("must be empty when a domain_name is given: the stack requests and validates that domain's "
                "certificate itself") if value else None
    match = ACM_ARN.fullmatch(value)
    if not match:
        return ("enable_https is 'yes', so give an ACM certificate ARN "
                "'arn:aws:acm:<region>:<12 digits>:certificate/<uuid>'")
    if match["region"] != context.get("aws_region"):
        return f"the certificate must be in the load balancer's region {context.get('aws_region')!r}"
    return None


# A public DNS name: lower-case labels of letters, digits and inner hyphens, the last one not numeric.
DNS_NAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]")


def check_domain_name(value: str, context: Mapping[str, str]) -> str | None:
    if not value:
        return None
    if len(value) > 253 or not DNS_NAME.fullmatch(value):
        return ("use a lower-case DNS name of at least two labels, such as orders.example.com "
                "(no wildcard, no final dot)")
    if context.get("enable_https") != "yes":
        return "a domain is served over HTTPS: set enable_https to 'yes' (the stack requests the certificate)"
    return None


def check_hosted_zone(value: str, context: Mapping[str, str]) -> str | None:
    domain = context.get("domain_name", "")
    if not value:
        return "give the hosted zone that holds domain_name (such as example.com)" if domain else None
    if not domain:
        return "must be empty when domain_name is empty"
    if len(value) > 253 or not DNS_NAME.fullmatch(value):
        return "use a lower-case DNS name such as example.com (no final dot)"
    if domain != value and not domain.endswith(f".{value}"):
        return f"cannot hold domain_name {domain!r}: use that name's zone, such as {domain.split('.', 1)[-1]!r}"
    return None


def check_task_cpu(value: str, context: Mapping[str, str]) -> str | None:
    if as_int(value) not in FARGATE_MEMORY_BY_CPU:
        return f"is not a Fargate CPU size; use one of: {', '.join(map(str, FARGATE_MEMORY_BY_CPU))}"
    return None


def describe_sizes(sizes: tuple[int, ...]) -> str:
    """A list of memory sizes in words: a short list in full, a long one as a stepped range."""
    if len(sizes) <= 3:
        return f"one of: {', '.join(map(str, sizes))}"
    return f"{sizes[0]} to {sizes[-1]} in steps of {sizes[1] - sizes[0]}"


def check_task_memory(value: str, context: Mapping[str, str]) -> str | None:
    allowed = FARGATE_MEMORY_BY_CPU.get(as_int(context.get("task_cpu", "")) or 0)
    if allowed is None:
        return None  # task_cpu is reported on its own
    if as_int(value) not in allowed:
        return f"Fargate does not accept it with task_cpu={context['task_cpu']}; use {describe_sizes(allowed)}"
    return None


def check_int_range(low: int, high: int, why: str = "") -> Check:
    def check(value: str, context: Mapping[str, str]) -> str | None:
        number = as_int(value)
        if number is None or not low <= number <= high:
            return f"use a whole number from {low} to {high}{why}"
        return None
    return check


def check_max_capacity(value: str, context: Mapping[str, str]) -> str | None:
    number, minimum = as_int(value), as_int(context.get("min_capacity", ""))
    if number is None or not 1 <= number <= MAX_TASKS:
        return f"use a whole number from 1 to {MAX_TASKS}"
    if minimum is not None and number < minimum:
        return f"is below min_capacity={minimum}; use a value of at least {minimum}"
    return None


def check_log_retention(value: str, context: Mapping[str, str]) -> str | None:
    if as_int(value) not in LOG_RETENTION_DAYS:
        return f"CloudWatch accepts only: {', '.join(map(str, LOG_RETENTION_DAYS))}"
    return None


def check_alarm_email(value: str, context: Mapping[str, str]) -> str | None:
    if value and (len(value) > 254 or not EMAIL.fullmatch(value)):
        return "use one email address such as team@example.com, or leave it empty for no subscription"
    return None


# Set by the task definition itself (terraform/locals.tf, plain_environment): a secret may not shadow one.
PLAIN_ENVIRONMENT = ("APP_ENVIRONMENT", "APP_IMAGE_TAG", "APP_PORT", "APP_WORKERS", "APP_KEEP_ALIVE_TIMEOUT",
                     "APP_SHUTDOWN_TIMEOUT", "APP_FORWARDED_ALLOW_IPS", "APP_DOCS_ENABLED")
SECRET_NAME = re.compile(r"APP_[A-Z][A-Z0-9_]*")


def check_secret_names(value: str, context: Mapping[str, str]) -> str | None:
    names = [name for name in value.replace(" ", "").split(",") if name]
    bad = [name for name in names if not SECRET_NAME.fullmatch(name) or name in PLAIN_ENVIRONMENT]
    if bad:
        return (f"{', '.join(bad)} cannot be a secret's name: use APP_ then capitals, digits or '_' (the app reads "
                f"APP_*), not one the task definition sets ({', '.join(PLAIN_ENVIRONMENT)}); or leave it empty")
    if len(set(names)) != len(names):
        return "names a secret twice; list each once"
    taken = [name for name in names if name.startswith("APP_DATABASE_")]
    if taken and wants_database(context):
        return (f"{', '.join(taken)}: with database=postgres the task definition sets the APP_DATABASE_* settings "
                "itself (the password from the database's own secret); name the secret otherwise")
    return None


def check_github_owner(value: str, context: Mapping[str, str]) -> str | None:
    if not GITHUB_OWNER.fullmatch(value):
        return ("GitHub names are 1 to 39 letters, digits or single hyphens, "
                "not starting or ending with a hyphen")
    return None


def check_github_repo(value: str, context: Mapping[str, str]) -> str | None:
    if not GITHUB_REPO.fullmatch(value) or value in (".", "..") or value.lower().endswith(".git"):
        return "GitHub repository names are 1 to 100 letters, digits, '.', '_' or '-', not '.', '..' or '*.git'"
    return None


def check_role_arn(value: str, context: Mapping[str, str]) -> str | None:
    match = ROLE_ARN.fullmatch(value)
    if not match:
        return ("use 'arn:aws:iam::<12-digit account id>:role/<name>', "
                "the name 1 to 64 of letters, digits and +=,.@_- (no path)")
    if "github" in match["name"].lower():
        return ("role names containing 'github' fail AssumeRoleWithWebIdentity from GitHub Actions "
                "(aws-actions/configure-aws-credentials issues 953 and 1093); choose another name")
    return None


def check_plan_role_arn(value: str, context: Mapping[str, str]) -> str | None:
    invalid = check_role_arn(value, context)
    if invalid:
        return invalid
    deploy = ROLE_ARN.fullmatch(context.get("aws_oidc_role_arn", ""))
    plan = ROLE_ARN.fullmatch(value)
    if deploy and plan:
        if deploy["account"] != plan["account"]:
            return f"must be in the deploy role's account {deploy['account']}"
        if deploy["name"] == plan["name"]:
            return "must differ from aws_oidc_role_arn: pull requests get a separate read-only role"
    return None


def check_staging_account_id(value: str, context: Mapping[str, str]) -> str | None:
    if not re.fullmatch(r"\d{12}", value):
        return "use the 12-digit ID of an AWS account"
    deploy = ROLE_ARN.fullmatch(context.get("aws_oidc_role_arn", ""))
    production = deploy["account"] if deploy else None
    if "staging" not in context.get("environments", "").split(",") and value != production:
        return (f"this render has no staging environment; leave it at production's account {production} "
                "(the account of aws_oidc_role_arn)")
    return None


def check_bucket(value: str, context: Mapping[str, str]) -> str | None:
    if not BUCKET.fullmatch(value) or ".." in value:
        return ("S3 bucket names are 3 to 63 lowercase letters, digits, '.' or '-', "
                "starting and ending with a letter or digit, without '..'")
    if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", value):
        return "S3 bucket names must not look like an IP address"
    if value.startswith(BUCKET_RESERVED_PREFIXES) or value.endswith(BUCKET_RESERVED_SUFFIXES):
        return "S3 reserves this prefix or suffix; choose another name"
    return None


def check_lock_table(value: str, context: Mapping[str, str]) -> str | None:
    if not DYNAMODB_TABLE.fullmatch(value):
        return "DynamoDB table names are 3 to 255 letters, digits, '_', '.' or '-'"
    return None


# RDS for PostgreSQL: the majors the template supports (RDS applies minor upgrades itself; from 15 on, PUBLIC
# may not create in the public schema, which the application login's "no DDL" relies on), the instance
# families RDS offers for PostgreSQL, and gp3's storage range.
POSTGRES_MAJORS = ("15", "16", "17", "18")
DATABASE_INSTANCE_CLASS = re.compile(r"db\.(?P<family>[a-z0-9]+)\.(?P<size>micro|small|medium|large|\d*xlarge)")
DATABASE_FAMILIES = ("t3", "t4g", "m5", "m6g", "m6gd", "m6i", "m6id", "m7g", "m7i", "m8g",
                     "r5", "r6g", "r6gd", "r6i", "r6id", "r7g", "r7i", "r8g")
BURSTABLE_SIZES = ("micro", "small", "medium", "large", "xlarge", "2xlarge")
DATABASE_STORAGE_GIB = (20, 65536)


def wants_database(context: Mapping[str, str]) -> bool:
    return context.get("database") == "postgres"


def check_database_instance_class(value: str, context: Mapping[str, str]) -> str | None:
    if not wants_database(context):
        return None
    match = DATABASE_INSTANCE_CLASS.fullmatch(value)
    if not match or match["family"] not in DATABASE_FAMILIES:
        return (f"expected an RDS for PostgreSQL instance class db.FAMILY.SIZE, FAMILY one of "
                f"{', '.join(DATABASE_FAMILIES)} (e.g. db.t4g.micro, db.m7g.large)")
    burstable, size = match["family"].startswith("t"), match["size"]
    if (size not in BURSTABLE_SIZES) if burstable else (size in ("micro", "small", "medium")):
        return (f"db.{match['family']} has no size {size!r}; the burstable (t) classes run micro to 2xlarge, "
                "the others large and up")
    return None


def check_database_storage(value: str, context: Mapping[str, str]) -> str | None:
    if not wants_database(context):
        return None
    return check_int_range(*DATABASE_STORAGE_GIB, " GiB (gp3 storage for PostgreSQL)")(value, context)


def check_database_engine_version(value: str, context: Mapping[str, str]) -> str | None:
    if not wants_database(context) or value in POSTGRES_MAJORS:
        return None
    return (f"expected a PostgreSQL major version, one of {', '.join(POSTGRES_MAJORS)} "
            "(RDS applies the minor versions; no minor version here)")


# Why a bake has a floor: a deployment alarm needs 3 one-minute datapoints, which CloudWatch receives a
# minute or two late; and a ceiling: the release job waits for the whole rollout.
BAKE_REASON = " (the deployment alarms need 3 one-minute datapoints, which arrive late; the release job waits)"

CHECKS: dict[str, Check] = {
    "project_name": lambda value, context: check_text(value, context, max_length=100),
    "project_slug": check_slug,
    "description": check_text,
    "author_name": lambda value, context: check_text(value, context, max_length=100),
    "catalog_owner": check_catalog_owner,
    "python_version": check_choice("python_version"),
    "environments": check_choice("environments"),
    "aws_region": check_region,
    "availability_zones": check_availability_zones,
    "vpc_cidr": check_vpc_cidr,
    "nat_mode": check_choice("nat_mode"),
    "enable_database_subnets": check_choice("enable_database_subnets"),
    "database": check_choice("database"),
    "database_instance_class": check_database_instance_class,
    "database_allocated_storage": check_database_storage,
    "database_engine_version": check_database_engine_version,
    "enable_https": check_choice("enable_https"),
    "acm_certificate_arn": check_certificate,
    "domain_name": check_domain_name,
    "hosted_zone": check_hosted_zone,
    "cpu_architecture": check_choice("cpu_architecture"),
    "task_cpu": check_task_cpu,
    "task_memory": check_task_memory,
    "container_port": check_int_range(MIN_PORT, MAX_PORT, " (the container runs as a non-root user)"),
    "cpu_target_percent": check_int_range(1, 100),
    "min_capacity": check_int_range(1, MAX_TASKS),
    "max_capacity": check_max_capacity,
    "log_retention_days": check_log_retention,
    "deployment_strategy": check_choice("deployment_strategy"),
    "canary_percent": check_int_range(1, 50, " (a canary is a minority of the traffic)"),
    "canary_bake_minutes": check_int_range(5, 60, BAKE_REASON),
    "deployment_bake_minutes": check_int_range(5, 60, BAKE_REASON),
    "alarm_email": check_alarm_email,
    "container_insights": check_choice("container_insights"),
    "secret_names": check_secret_names,
    "github_owner": check_github_owner,
    "github_repo": check_github_repo,
    "aws_oidc_role_arn": check_role_arn,
    "aws_plan_role_arn": check_plan_role_arn,
    "staging_account_id": check_staging_account_id,
    "create_oidc_provider": check_choice("create_oidc_provider"),
    "state_locking": check_choice("state_locking"),
    "tf_state_bucket": check_bucket,
    "tf_lock_table": check_lock_table,
}


def validate(context: Mapping[str, str]) -> list[str]:
    """Every problem with the inputs, one line each, in the order the inputs are asked."""
    problems = []
    for name, check in CHECKS.items():
        value = str(context.get(name, ""))
        reason = check(value, context)
        if reason:
            problems.append(problem(name, value, reason))
    return problems


def main() -> int:
    context = json.loads(RENDERED_CONTEXT)
    problems = validate({key: value for key, value in context.items() if isinstance(value, str)})
    if not problems:
        return 0
    print(f"ERROR: {len(problems)} input(s) cannot be used:", file=sys.stderr)
    for line in problems:
        print(f"  - {line}", file=sys.stderr)
    print("Nothing was generated. Run cookiecutter again with corrected values "
          "(docs/inputs.md lists every input and what it accepts).", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
