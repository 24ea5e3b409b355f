# Projects rendered before they had more than one environment created these without a count; their state
# names them so. Each environment's bootstrap but one finds them instead of creating them, hence the count.
moved {
  from = aws_ecr_lifecycle_policy.app
  to   = aws_ecr_lifecycle_policy.app[0]
}

moved {
  from = aws_ecr_repository.app
  to   = aws_ecr_repository.app[0]
}

moved {
  from = aws_kms_alias.state
  to   = aws_kms_alias.state[0]
}

moved {
  from = aws_kms_key.state
  to   = aws_kms_key.state[0]
}

moved {
  from = aws_s3_bucket.state
  to   = aws_s3_bucket.state[0]
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.state
  to   = aws_s3_bucket_lifecycle_configuration.state[0]
}

moved {
  from = aws_s3_bucket_ownership_controls.state
  to   = aws_s3_bucket_ownership_controls.state[0]
}

moved {
  from = aws_s3_bucket_policy.state
  to   = aws_s3_bucket_policy.state[0]
}

moved {
  from = aws_s3_bucket_public_access_block.state
  to   = aws_s3_bucket_public_access_block.state[0]
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.state
  to   = aws_s3_bucket_server_side_encryption_configuration.state[0]
}

moved {
  from = aws_s3_bucket_versioning.state
  to   = aws_s3_bucket_versioning.state[0]
}
