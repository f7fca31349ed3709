"""Schemathesis hooks for scripts/schemathesis.

Before every request (in every phase), a webhook URL in the body is replaced with a closed
port on 127.0.0.1: a created webhook gets real deliveries, and none may leave this machine.
"""

import schemathesis

LOCAL_URL = "http://127.0.0.1:9/schemathesis"


@schemathesis.hook
def before_call(ctx, case, kwargs):
    if "/webhooks" not in case.operation.path:
        return
    body = case.body
    data = body.get("data") if isinstance(body, dict) else None
    attributes = data.get("attributes") if isinstance(data, dict) else None
    if isinstance(attributes, dict) and isinstance(attributes.get("url"), str):
        attributes["url"] = LOCAL_URL
