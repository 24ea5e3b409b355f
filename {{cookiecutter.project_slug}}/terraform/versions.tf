terraform {
  # 1.9 lets a variable validation compare variables{% if cookiecutter.state_locking == "s3-native" %}; 1.10 adds S3-native state locking{% endif %}.
  required_version = ">= {% if cookiecutter.state_locking == "s3-native" %}1.10{% else %}1.9{% endif %}"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "{{ cookiecutter._aws_provider_constraint }}"
    }
  }

  # Partial configuration: `terraform init -backend-config=backend.hcl` supplies the rest.
  backend "s3" {}
}
