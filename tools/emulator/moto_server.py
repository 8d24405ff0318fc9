"""moto's server (`moto_server`) with one correction to S3 bucket-policy evaluation.

Usage (what tools/emulator/moto.ts runs):  .venv/bin/python tools/emulator/moto_server.py -H 127.0.0.1 -p PORT

moto 5.2.5 evaluates a bucket policy on every object request without any
request context (no aws:SecureTransport, no s3:TlsVersion), and treats a
condition whose key has no value as satisfied. The state bucket's policy
(`DenyInsecureTransport`, `DenyOutdatedTls`: Deny s3:* when
aws:SecureTransport is false / s3:TlsVersion < 1.2) therefore denies every
object request, and the S3 backend cannot read, write or lock state.

In AWS a condition on a key that has no value in the request does not match
(except the `...IfExists` operators and `Null`), so the statement does not
apply. This launcher applies exactly that rule to S3 bucket policies: a
statement with such a condition is left out of moto's evaluation. Everything
else, including the policy's storage and `GetBucketPolicy`, is moto's own.
"""

import json
import sys

from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.s3 import models as s3_models
from moto.server import main


def _condition_can_match_without_context(statement: dict) -> bool:
    """True when the statement has no Condition, or only operators that match an absent key."""
    condition = statement.get("Condition")
    if not condition:
        return True
    return all(op.endswith("IfExists") or op == "Null" for op in condition)


def _get_permission(self, action: str, resource: str):  # type: ignore[no-untyped-def]
    if self.policy is None:
        return PermissionResult.NEUTRAL
    policy = json.loads(self.policy.decode())
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    applicable = [s for s in statements if _condition_can_match_without_context(s)]
    if not applicable:
        return PermissionResult.NEUTRAL
    return IAMPolicy(json.dumps({**policy, "Statement": applicable})).is_action_permitted(action, resource)


s3_models.FakeBucket.get_permission = _get_permission

if __name__ == "__main__":
    sys.exit(main())
