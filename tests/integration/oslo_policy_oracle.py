"""The reference side of test_policy_oslo_differential.py: evaluates policy cases with the real
oslo.policy (Debian's python3-oslo.policy, so run it with /usr/bin/python3). Reads JSON lines
{"rules": {name: expression}, "check": name, "target": {...}, "creds": {...}} on stdin and
prints one word a line: allow, deny, or error (oslo raised; Nova would answer 500)."""

import json
import logging
import sys

from oslo_config import cfg
from oslo_policy import policy


def main():
    logging.disable(logging.CRITICAL)  # oslo logs every rule it cannot parse
    conf = cfg.ConfigOpts()
    conf([], default_config_files=[], default_config_dirs=[])
    enforcer = policy.Enforcer(conf, use_conf=False)
    out = []
    for line in sys.stdin:
        case = json.loads(line)
        # As Nova's enforcer holds them: parsed from text, with oslo's "default" fallback.
        enforcer.set_rules(policy.Rules.from_dict(case["rules"]), overwrite=True)
        try:
            allowed = enforcer.enforce(case["check"], case["target"], dict(case["creds"]))
            out.append("allow" if allowed else "deny")
        except Exception:  # noqa: BLE001 - any exception is Nova's 500
            out.append("error")
    sys.stdout.write("\n".join(out) + ("\n" if out else ""))


if __name__ == "__main__":
    main()
