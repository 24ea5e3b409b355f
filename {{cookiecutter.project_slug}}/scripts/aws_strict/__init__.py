"""What AWS checks before it acts, done in front of moto: each request against the service's published model,
and the documents it carries (policies, dashboard bodies, lifecycle policies, container definitions, metric
math, Logs Insights queries) against what the services document. moto accepts almost anything; AWS does not.
"""
