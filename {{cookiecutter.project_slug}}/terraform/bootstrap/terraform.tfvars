project     = "{{ cookiecutter.project_slug }}"
environment = "{{ cookiecutter._environment }}"
aws_region  = "{{ cookiecutter.aws_region }}"
# Production's account: Terraform refuses credentials of any other.
aws_account_id = "{{ cookiecutter.aws_oidc_role_arn.split(':')[4] }}"

github_owner     = "{{ cookiecutter.github_owner }}"
github_repo      = "{{ cookiecutter.github_repo }}"
deploy_role_name = "{{ cookiecutter.aws_oidc_role_arn.split('/')[-1] }}"
plan_role_name   = "{{ cookiecutter.aws_plan_role_arn.split('/')[-1] }}"

state_bucket = "{{ cookiecutter.tf_state_bucket }}"
state_key    = "{{ cookiecutter.project_slug }}/{{ cookiecutter._environment }}/terraform.tfstate"
{%- if cookiecutter.state_locking == "dynamodb" %}
lock_table   = "{{ cookiecutter.tf_lock_table }}"
{%- endif %}

domain_name = {{ '"%s"' % cookiecutter.domain_name if cookiecutter.domain_name else "null" }}
hosted_zone = {{ '"%s"' % cookiecutter.hosted_zone if cookiecutter.hosted_zone else "null" }}
{%- set environments = cookiecutter.environments.split(",") %}
{%- if environments | length > 1 %}

# The project's environments, in release order; each has a bootstrap of its own (make bootstrap), with
# production's settings here and another's in <environment>.tfvars. Production creates what they share and
# deploys the image digest the environment before it pushed.
environments = [{% for environment in environments %}"{{ environment }}"{% if not loop.last %}, {% endif %}{% endfor %}]
push_images  = false
{%- endif %}
{%- if cookiecutter.staging_account_id != cookiecutter.aws_oidc_role_arn.split(':')[4] %}

# Production has an account of its own: the image repository is staging's, in account
# {{ cookiecutter.staging_account_id }}, which lets production's deploy and execution roles read it (staging.tfvars).
image_account_id = "{{ cookiecutter.staging_account_id }}"
{%- endif %}
