# The service's own domain (domain_name in hosted_zone): a certificate ACM issues once the validation
# records below exist, the HTTPS listener serving it (alb.tf), and an alias record to the load balancer.

locals {
  has_domain = var.domain_name != null
  # The HTTPS listener's certificate: the domain's, once issued, or the one given.
  certificate_arn = local.has_domain ? aws_acm_certificate_validation.this[0].certificate_arn : var.acm_certificate_arn
  validation      = { for option in flatten(aws_acm_certificate.this[*].domain_validation_options) : option.domain_name => option }
}

data "aws_route53_zone" "this" {
  count = local.has_domain ? 1 : 0

  name         = var.hosted_zone
  private_zone = false
}

resource "aws_acm_certificate" "this" {
  count = local.has_domain ? 1 : 0

  domain_name       = var.domain_name
  validation_method = "DNS"

  lifecycle {
    # A new certificate is issued and attached before the old one is deleted (the listener uses it).
    create_before_destroy = true
  }
}

# One record per name on the certificate (keyed by that name, known before ACM answers): the CNAME ACM
# asked for in its domain validation options.
resource "aws_route53_record" "certificate_validation" {
  for_each = local.has_domain ? toset([var.domain_name]) : toset([])

  zone_id = data.aws_route53_zone.this[0].zone_id
  name    = local.validation[each.key].resource_record_name
  type    = local.validation[each.key].resource_record_type
  ttl     = 60
  records = [local.validation[each.key].resource_record_value]
  # ACM asks every certificate of a domain for the same record: one made for an earlier certificate
  # (say, one requested by hand before this stack) is taken over, not refused as existing.
  allow_overwrite = true
}

# Waits until ACM has seen the records and issued the certificate: usually minutes. At most 20, well
# inside the release job's time and session, so that a zone that is not delegated (or a CAA record that
# forbids Amazon) fails the apply cleanly instead of the job being cut off mid-apply.
resource "aws_acm_certificate_validation" "this" {
  count = local.has_domain ? 1 : 0

  certificate_arn         = aws_acm_certificate.this[0].arn
  validation_record_fqdns = [for record in aws_route53_record.certificate_validation : record.fqdn]

  timeouts {
    create = "20m"
  }
}

resource "aws_route53_record" "service" {
  count = local.has_domain ? 1 : 0

  zone_id = data.aws_route53_zone.this[0].zone_id
  name    = var.domain_name
  type    = "A"

  alias {
    name                   = aws_lb.this.dns_name
    zone_id                = aws_lb.this.zone_id
    evaluate_target_health = true
  }
}
