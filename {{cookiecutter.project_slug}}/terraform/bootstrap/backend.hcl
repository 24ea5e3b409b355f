# The bootstrap stack's own state, once `make bootstrap-state-to-s3` has moved it into the state bucket.
# Only administrators reach this key: the pipeline roles may read and write the service stack's state only.
bucket       = "{{ cookiecutter.tf_state_bucket }}"
key          = "{{ cookiecutter.project_slug }}/bootstrap/terraform.tfstate"
region       = "{{ cookiecutter.aws_region }}"
encrypt      = true
kms_key_id   = "alias/{{ cookiecutter.project_slug }}-tfstate"
use_lockfile = true
