data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  # Production keeps the project's own name, so a project rendered before it had other environments keeps
  # every resource; any other environment's names add the environment: orders-api-staging.
  name = var.environment == "production" ? var.project : "${var.project}-${var.environment}"
  # A load balancer's name stops at 32 characters, the project name's own limit: another environment's
  # shortens the project part so that its suffix always fits (the bootstrap's permissions compute the same).
  load_balancer_name = var.environment == "production" ? var.project : "${trimsuffix(substr(var.project, 0, 31 - length(var.environment)), "-")}-${var.environment}"
  account_id         = data.aws_caller_identity.current.account_id
  partition          = data.aws_partition.current.partition

  tags = {
    Project     = var.project
    Environment = var.environment
    ManagedBy   = "terraform"
    Repository  = var.repository
  }

  # Subnet layout: the VPC is cut into four tiers, each tier into eight slots. An AZ's slot is its
  # letter (a = 0, b = 1, ...), so adding or removing an AZ never renumbers the others' subnets.
  az_letters = ["a", "b", "c", "d", "e", "f", "g", "h"]
  az_slot    = { for az in var.availability_zones : az => index(local.az_letters, substr(az, -1, 1)) }
  tier_cidr = {
    public   = cidrsubnet(var.vpc_cidr, 2, 0)
    private  = cidrsubnet(var.vpc_cidr, 2, 1)
    database = cidrsubnet(var.vpc_cidr, 2, 2)
  }
  subnet_cidr = {
    for tier, cidr in local.tier_cidr : tier => { for az, slot in local.az_slot : az => cidrsubnet(cidr, 3, slot) }
  }

  # NAT gateways: one per AZ, or one in the first AZ listed. Each private route table uses its own AZ's.
  nat_azs = var.nat_mode == "per-az" ? toset(var.availability_zones) : toset([var.availability_zones[0]])
  nat_for_az = {
    for az in var.availability_zones : az => var.nat_mode == "per-az" ? az : var.availability_zones[0]
  }

  # Timings derived from the longest request, so that no deploy or scale-in cuts one off:
  # the ALB drops idle connections first, drains a target for longer than that, the app keeps
  # connections open for longer than the ALB (else 502s), and ECS waits longer than the app's
  # own graceful shutdown before SIGKILL.
  alb_idle_timeout     = var.request_timeout_seconds
  deregistration_delay = var.request_timeout_seconds + 5
  keep_alive_timeout   = var.request_timeout_seconds + 5
  app_shutdown_timeout = var.request_timeout_seconds
  stop_timeout         = var.request_timeout_seconds + 10

  # Chosen when the project was rendered (cookiecutter's deployment_strategy): a canary service's load
  # balancer attachment belongs to ECS after creation (ecs.tf), so switching means rendering again.
  deployment_strategy = "{{ cookiecutter.deployment_strategy }}"
  canary              = local.deployment_strategy == "canary"

  # The container's plain settings; secrets (var.secrets) never go here.
  plain_environment = {
    APP_ENVIRONMENT         = var.environment
    APP_IMAGE_TAG           = var.image_tag
    APP_PORT                = tostring(var.container_port)
    APP_WORKERS             = tostring(max(1, floor(var.task_cpu / 1024)))
    APP_KEEP_ALIVE_TIMEOUT  = tostring(local.keep_alive_timeout)
    APP_SHUTDOWN_TIMEOUT    = tostring(local.app_shutdown_timeout)
    APP_FORWARDED_ALLOW_IPS = var.vpc_cidr
    APP_DOCS_ENABLED        = "false"
  }
  secret_arns = { for name, parameter in var.secrets : name => "arn:${local.partition}:ssm:${var.aws_region}:${local.account_id}:parameter${parameter}" }

  # The image repository is the bootstrap stack's (terraform/bootstrap/ecr.tf), named after the project: one
  # for every environment, each running the image digest the one before it ran. It is in this account, or in
  # image_account_id's when production has an account of its own.
  image_account        = coalesce(var.image_account_id, local.account_id)
  image_repository_url = "${local.image_account}.dkr.ecr.${var.aws_region}.${data.aws_partition.current.dns_suffix}/${var.project}"
  image_repository_arn = "arn:${local.partition}:ecr:${var.aws_region}:${local.image_account}:repository/${var.project}"

  container_name = "app"
  image          = "${local.image_repository_url}:${var.image_tag}"
  log_group_name = "/ecs/${local.name}"
{%- if cookiecutter.database == 'postgres' %}

  # The release's one-off migration task (postgres.tf).
  migration_container_name = "migrate"
{%- endif %}
}
