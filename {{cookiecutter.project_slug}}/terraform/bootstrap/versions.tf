# Bootstrap: created once per account by a person with administrator credentials, before the
# pipeline can run. Its state stays local (terraform.tfstate here): see docs/runbook.md.
terraform {
  required_version = ">= 1.10" # S3-native locking once its state moves to the bucket (backend.hcl)

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "{{ cookiecutter._aws_provider_constraint }}"
    }
  }
}

provider "aws" {
  region              = var.aws_region
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = {
      Project     = var.project
      Environment = var.environment
      ManagedBy   = "terraform"
      Repository  = "${var.github_owner}/${var.github_repo}"
      Stack       = "bootstrap"
    }
  }
}
