"""IAM for the template's tests: what each recorded AWS call needs authorized, a real policy evaluator to
judge it, and IAM's size quotas."""
