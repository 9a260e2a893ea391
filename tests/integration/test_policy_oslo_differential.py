"""keypaird's policy rule language against the real oslo.policy: thousands of generated rule
expressions (and/or/not in any case, parentheses glued or spaced, odd whitespace, quoting on
both sides of ':', %(...)s substitution, literals, unknown check kinds, http checks, malformed
ones) and credentials, each decided by oslo.policy (tests/integration/oslo_policy_oracle.py
under Debian's /usr/bin/python3) and by keypaird's own parser and evaluator (the policy_eval
test tool). Every answer - allow, deny or error (oslo raises) - must be the same. One run uses a
fixed seed and one a fresh seed; both are printed, and a failure prints each differing case."""

import json
import os
import random
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE_PYTHON = "/usr/bin/python3"  # the interpreter that has Debian's python3-oslo.policy
FIXED_SEED = 20240611
CASES_PER_SEED = 2500


def policy_eval_from_argv(argv):
    if "--policy-eval" in argv:
        i = argv.index("--policy-eval")
        path = argv[i + 1]
        del argv[i:i + 2]
        return path
    return os.environ.get("KEYPAIRD_POLICY_EVAL", "build/policy_eval")


POLICY_EVAL = policy_eval_from_argv(sys.argv)

USERS = ["alice", "bob", "admin", "it's", "Alice"]
PROJECTS = ["p1", "p2"]
ROLES = ["admin", "Admin", "ADMIN", "member", "MEMBER", "reader", "Reader", "'admin'"]
RULE_NAMES = ["context_is_admin", "owner", "admin_api", "r1"]

LEFT_SIDES = [
    # credentials keypaird has, and ones it has not (a KeyError: false)
    "user_id", "user_id", "project_id", "is_admin", "roles", "domain_id", "system_scope",
    "tenant", "user", "_", "match",
    # Python literals (ast.literal_eval), compared with the right side as str()
    "'alice'", '"alice"', "'bob'", "True", "False", "None", "1", "-1", "+1", "0", "00", "-0",
    "u'alice'", "r'al\\ice'", "'al\\x69ce'", "'al''ice'", "'\\141lice'", "'it\\'s'",
    '"it\'s"', "'p1'", "'member'", "'True'",
    # expressions that are not literals: a path into the credentials
    "user_id.name", "roles.name", "is_admin.x", "project.id", "True.x", "None.real", "--1",
    # not Python at all: oslo raises
    "", "'alice", "01", "1a", "if", "x.if", "x.True", "a$b", "user_id.", ".user_id", "@x",
]
RIGHT_SIDES = [
    "%(user_id)s", "%(user_id)s", "%(project_id)s", "%(missing)s", "alice", "bob", "p1",
    "True", "False", "None", "1", "0", "-1", "member", "admin", "'alice'", '"alice"',
    "'%(user_id)s'", '"%(user_id)s"', "%(user_id)r", "%(user_id)-7s", "%(user_id)7s",
    "%(user_id).3s", "%(user_id)d", "%(user_id)z", "%(user_id", "100%", "%%(user_id)s",
    "%(user_id)s%(project_id)s", "x%(user_id)s", "%s", "%(roles)s", "%(is_admin)s", "%(roles)r",
    "%(missing)z", "%(user_id)z%(missing)s", "''", "it's", "%(user_id)ls", "",
]
ROLE_MATCHES = [
    "admin", "Admin", "ADMIN", "member", "reader", "nobody", "'admin'", '"admin"', "%(user_id)s",
    "%(missing)s", "%(user_id)z", "", "adm%%in", "%(role)s",
]
MALFORMED = ["admin", "'quoted'", '"role:admin"', ")", "(", "()", "and", "or", "not", "role",
             "rule", ":", "::", "!!", "@@", "'role:admin'"]
HTTP = ["http://127.0.0.1:9/check", "https://127.0.0.1:9/check",
        "http://127.0.0.1:9/%(user_id)s", "http://127.0.0.1:9/%(missing)s",
        "https://127.0.0.1:9/%(missing)s", "http://127.0.0.1:9/%(user_id)z"]
SPACES = [" ", " ", " ", "  ", "\t", "\n", " \r\n ", "\u00a0", "\u3000", "\x0b", "\x1f"]


def cased(rng, word):
    return rng.choice([word, word.upper(), word.capitalize(), word[:1] + word[1:].upper()])


class Generator:
    def __init__(self, rng):
        self.rng = rng

    def check_word(self):
        r = self.rng.random()
        if r < 0.08:
            return self.rng.choice(["@", "!"])
        if r < 0.28:
            return "role:" + self.rng.choice(ROLE_MATCHES)
        if r < 0.40:
            return "rule:" + self.rng.choice(RULE_NAMES + ["default", "missing", "'r1'"])
        if r < 0.88:
            return self.rng.choice(LEFT_SIDES) + ":" + self.rng.choice(RIGHT_SIDES)
        if r < 0.93:
            return self.rng.choice(HTTP)
        if r < 0.96:
            return self.rng.choice(["foo:bar", "Role:admin", "RULE:r1", "ROLE:admin",
                                    "system_scope:all", "domain_id:None"])
        return self.rng.choice(MALFORMED)

    # An expression as a list of tokens; parentheses are separate tokens, glued later.
    def expression(self, depth):
        r = self.rng.random()
        if depth <= 0 or r < 0.3:
            return [self.check_word()]
        if r < 0.45:
            return [cased(self.rng, "not")] + self.expression(depth - 1)
        if r < 0.6:
            return ["("] + self.expression(depth - 1) + [")"]
        op = cased(self.rng, self.rng.choice(["and", "or"]))
        terms = [self.expression(depth - 1) for _ in range(self.rng.choice([2, 2, 3]))]
        out = terms[0]
        for term in terms[1:]:
            out = out + [op if self.rng.random() < 0.7 else
                         cased(self.rng, self.rng.choice(["and", "or"]))] + term
        return out

    def text(self, tokens):
        tokens = list(tokens)
        if self.rng.random() < 0.08:  # malformed: drop, add or swap a token
            what = self.rng.choice(["drop", "add", "swap"])
            i = self.rng.randrange(len(tokens))
            if what == "drop":
                del tokens[i]
            elif what == "add":
                tokens.insert(i, self.rng.choice(["(", ")", "and", "or", "not",
                                                  self.check_word()]))
            elif len(tokens) > 1:
                j = self.rng.randrange(len(tokens))
                tokens[i], tokens[j] = tokens[j], tokens[i]
        out = ""
        for k, token in enumerate(tokens):
            if k == 0:
                out += self.rng.choice(["", "", "", " ", "\t"])
            elif (token == ")" or out.endswith("(")) and self.rng.random() < 0.7:
                pass  # glued: "(role:admin" and "user_id:x)"
            else:
                out += self.rng.choice(SPACES)
            out += token
        if self.rng.random() < 0.1:
            out += self.rng.choice(SPACES)
        return out

    def rule(self):
        r = self.rng.random()
        if r < 0.03:
            return ""
        if r < 0.05:
            return self.rng.choice(SPACES)
        return self.text(self.expression(self.rng.choice([0, 1, 2, 3, 4])))

    def case(self):
        rng = self.rng
        rules = {"under_test": self.rule()}
        for name in rng.sample(RULE_NAMES, rng.randrange(len(RULE_NAMES) + 1)):
            rules[name] = self.rule() if rng.random() < 0.5 else rng.choice(
                ["role:admin", "is_admin:True", "user_id:%(user_id)s", "@", "!"])
        if rng.random() < 0.2:
            rules["default"] = rng.choice(["@", "!", "role:member", self.rule()])
        user = rng.choice(USERS)
        creds = {"user_id": user, "project_id": rng.choice(PROJECTS),
                 "roles": rng.sample(ROLES, rng.randrange(4)), "is_admin": rng.random() < 0.3}
        shape = rng.random()
        if shape < 0.45:
            target = {"user_id": rng.choice([user] + USERS)}
        elif shape < 0.7:
            target = {"user_id": rng.choice(USERS), "project_id": rng.choice(PROJECTS)}
        elif shape < 0.9:
            target = dict(creds)  # what Nova's check_is_admin passes
        else:
            target = {}
        return {"rules": rules, "check": "under_test", "target": target, "creds": creds}


def run(command, cases):
    stdin = "".join(json.dumps(c) + "\n" for c in cases)
    out = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise AssertionError(f"{command} failed:\n{out.stderr}")
    return out.stdout.split("\n")[:len(cases)]


class PolicyOsloDifferentialTest(unittest.TestCase):
    def compare(self, seed):
        print(f"policy differential: seed {seed}, {CASES_PER_SEED} cases", flush=True)
        generator = Generator(random.Random(seed))
        cases = [generator.case() for _ in range(CASES_PER_SEED)]
        started = time.time()
        oslo = run([ORACLE_PYTHON, os.path.join(HERE, "oslo_policy_oracle.py")], cases)
        ours = run([POLICY_EVAL], cases)
        self.assertEqual(len(oslo), len(cases))
        self.assertEqual(len(ours), len(cases))
        counts = {}
        for answer in oslo:
            counts[answer] = counts.get(answer, 0) + 1
        print(f"  oslo answered {counts} in {time.time() - started:.1f} s", flush=True)
        # The generator must reach every outcome, or the comparison proves little.
        self.assertEqual(set(counts), {"allow", "deny", "error"})
        differences = [(c, o, k) for c, o, k in zip(cases, oslo, ours) if o != k]
        for case, o, k in differences[:25]:
            print(f"  DIFFERENT (seed {seed}): rule {case['rules']['under_test']!r}\n"
                  f"    all rules {case['rules']!r}\n    target {case['target']!r}\n"
                  f"    creds {case['creds']!r}\n    oslo.policy: {o}, keypaird: {k}")
        self.assertEqual(len(differences), 0,
                         f"{len(differences)} of {len(cases)} cases differ (seed {seed})")

    def test_fixed_seed(self):
        self.compare(FIXED_SEED)

    def test_fresh_seed(self):
        self.compare(int(os.environ.get("POLICY_DIFFERENTIAL_SEED", time.time_ns() % 10**9)))


if __name__ == "__main__":
    if not os.path.exists(ORACLE_PYTHON):
        sys.exit(f"{ORACLE_PYTHON} (with python3-oslo.policy) is needed")
    unittest.main(verbosity=2)
