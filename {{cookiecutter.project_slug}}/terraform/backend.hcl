# Remote state, created once by the bootstrap stack (terraform/bootstrap).
bucket  = "{{ cookiecutter.tf_state_bucket }}"
key     = "{{ cookiecutter.project_slug }}/{{ cookiecutter._environment }}/terraform.tfstate"
region  = "{{ cookiecutter.aws_region }}"
encrypt = true
# With the bootstrap's state key; without kms_key_id, `encrypt` would ask S3 for its own key (SSE-S3).
kms_key_id = "alias/{{ cookiecutter.project_slug }}-tfstate"

{% if cookiecutter.state_locking == "dynamodb" -%}
# State locking through the DynamoDB table the bootstrap stack created.
dynamodb_table = "{{ cookiecutter.tf_lock_table }}"
{% else -%}
# S3-native state locking: a .tflock object next to the state (Terraform >= 1.10).
use_lockfile = true
{% endif -%}
