# Test helper of tests/emulated: what the service stack reads from the bootstrap stack (its image
# repository, the service's roles and the logs key{% if cookiecutter.database == "postgres" %} and database key{% endif %}) and from the account (the hosted zone of domain_name, when there is one), created in the
# emulated account before the stack is applied.
terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

variable "project" {
  type = string
}

variable "aws_region" {
  type = string
}

provider "aws" {
  region = var.aws_region
}

resource "aws_ecr_repository" "app" {
  #checkov:skip=CKV_AWS_51:A stand-in for the bootstrap's repository inside the emulated test; the real one is immutable.
  #checkov:skip=CKV_AWS_136:Same: the bootstrap's repository is KMS-encrypted.
  #checkov:skip=CKV_AWS_163:Same: the bootstrap's repository scans on push.
  name         = var.project
  force_delete = true
}

# Stand-ins for the bootstrap's service roles (terraform/bootstrap/service_roles.tf), which the stack reads
# and writes the execution role's policy into.
resource "aws_iam_role" "service" {
  for_each = toset(["execution", "task", "flow-logs", "ecs-load-balancing"])

  name = "${var.project}-${each.key}"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ecs-tasks.amazonaws.com" } }]
  })
}

# A stand-in for the bootstrap's logs key (terraform/bootstrap/logs_key.tf), under the alias the stack reads:
# CloudWatch Logs may use it for the stack's two log groups, as the bootstrap's key policy says.
data "aws_caller_identity" "current" {}

resource "aws_kms_key" "logs" {
  description             = "Stand-in for the bootstrap's logs key"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersTheKey", Effect = "Allow", Action = "kms:*", Resource = "*"
        Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
      },
      {
        Sid       = "CloudWatchLogsEncryptsTheseLogGroups", Effect = "Allow", Resource = "*"
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Principal = { Service = "logs.${var.aws_region}.amazonaws.com" }
        Condition = { ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = [
          "arn:aws:logs:${var.aws_region}:${data.aws_caller_identity.current.account_id}:log-group:/ecs/${var.project}",
          "arn:aws:logs:${var.aws_region}:${data.aws_caller_identity.current.account_id}:log-group:/vpc/${var.project}/flow-logs",{% if cookiecutter.database == "postgres" %}
          "arn:aws:logs:${var.aws_region}:${data.aws_caller_identity.current.account_id}:log-group:/aws/rds/instance/${var.project}/postgresql",{% endif %}
        ] } }
      },
    ]
  })
}

resource "aws_kms_alias" "logs" {
  name          = "alias/${var.project}-logs"
  target_key_id = aws_kms_key.logs.key_id
}
{%- if cookiecutter.database == "postgres" %}

# A stand-in for the bootstrap's database key (terraform/bootstrap/database_key.tf): the account administers it
# and its principals use it through IAM, as there.
resource "aws_kms_key" "database" {
  description             = "Stand-in for the bootstrap's database key"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdministersTheKey", Effect = "Allow", Action = "kms:*", Resource = "*"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
    }]
  })
}

resource "aws_kms_alias" "database" {
  name          = "alias/${var.project}-database"
  target_key_id = aws_kms_key.database.key_id
}
{%- endif %}

variable "hosted_zone" {
  type    = string
  default = null
}

# The zone the owner already has; the stack only adds records to it.
resource "aws_route53_zone" "existing" {
  #checkov:skip=CKV2_AWS_38:A stand-in for the owner's zone inside the emulated test; DNSSEC is the owner's choice.
  #checkov:skip=CKV2_AWS_39:Same: query logging is the owner's choice for their zone.
  count = var.hosted_zone == null ? 0 : 1

  name          = var.hosted_zone
  force_destroy = true
}
