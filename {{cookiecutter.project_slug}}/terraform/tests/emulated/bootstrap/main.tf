# Test helper of tests/emulated: what the service stack reads from the bootstrap stack (its image
# repository), created in the emulated account before the stack is applied.
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
