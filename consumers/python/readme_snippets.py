"""Runs every Python example of the README against the installed wheel, and synthesizes it.

A complete program (it makes its own ``App``) runs as it is. Any other example runs as the body of
a fixture stack, like rosetta/default.ts-fixture for the TypeScript: ``self`` is the stack, and
each ``# name: Type`` line (rosetta's translation of ``declare const name: Type``) gets a real
construct or value of that type. The example gets nothing else, so it must bring its own imports.
Each app is then synthesized, and an example must add resources to what its fixture has.

    python readme_snippets.py README.md OUTDIR           # run them all; templates go to OUTDIR
    python readme_snippets.py --must-fail EXAMPLE.md     # negative control: every example fails
"""
import builtins
import json
import os
import re
import sys
import tempfile
import traceback
from pathlib import Path

# Files the examples read (Workers.from_file), in the folder they run in.
FILES = {
    "workers.csv": "email,username\nana@example.com,\nbo@example.com,bo\n",
    "more-workers.json": json.dumps([{"email": "cy@example.com"}, "di@example.com"]),
}
ARGS = [str(Path(a).resolve()) if a != "--must-fail" else a for a in sys.argv[1:]]
# Into that folder before aws_cdk is imported: the jsii kernel (node) starts then, in this folder.
WORK = Path(tempfile.mkdtemp(prefix="readme-python-"))
for _name, _text in FILES.items():
    (WORK / _name).write_text(_text)
os.chdir(WORK)

from aws_cdk import App, Stack  # noqa: E402
import aws_cdk.aws_certificatemanager as acm  # noqa: E402
import aws_cdk.aws_cognito as cognito  # noqa: E402
import aws_cdk.aws_ec2 as ec2  # noqa: E402
import aws_cdk.aws_route53 as route53  # noqa: E402
import aws_cdk.aws_sns as sns  # noqa: E402
import aws_cdk.aws_wafv2 as wafv2  # noqa: E402
from cdk_private_workforce import PrivateWorkforce  # noqa: E402

BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)
DECLARED = re.compile(r"^# (\w+): ([\w.]+)(?:[ \t]+#.*)?$", re.M)


def extra_rule():
    return wafv2.CfnWebACL.RuleProperty(
        name="BlockBadPath",
        priority=5,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
                field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
                positional_constraint="STARTS_WITH",
                search_string="/bad",
                text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")],
            ),
        ),
        visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name="BlockBadPath", sampled_requests_enabled=True,
        ),
    )


# What each `declare const` of the README stands for when its example runs: (name, type) -> value.
DECLARATIONS = {
    ("certificate", "acm.ICertificate"): lambda s: acm.Certificate.from_certificate_arn(
        s, "DeclaredCertificate", "arn:aws:acm:us-east-1:123456789012:certificate/0b9e3c59-0c7d-4d3e-9a4b-6f4b1c2d3e4f"),
    ("zone", "route53.IHostedZone"): lambda s: route53.HostedZone.from_hosted_zone_attributes(
        s, "DeclaredZone", hosted_zone_id="Z0123456789ABCDEFGHIJ", zone_name="labeling.example.com"),
    ("my_rule", "wafv2.CfnWebACL.RuleProperty"): lambda s: extra_rule(),
    ("workforce", "PrivateWorkforce"): lambda s: PrivateWorkforce(s, "DeclaredWorkforce"),
    ("ops_topic", "sns.ITopic"): lambda s: sns.Topic(s, "DeclaredOpsTopic"),
    ("pool", "cognito.IUserPool"): lambda s: cognito.UserPool(s, "DeclaredPool"),
    ("vpc", "ec2.IVpc"): lambda s: ec2.Vpc(s, "DeclaredVpc", ip_protocol=ec2.IpProtocol.DUAL_STACK, max_azs=2),
}

def examples(markdown):
    """(line, source) of every ```python block."""
    return [(markdown.count("\n", 0, m.start()) + 1, m.group(1)) for m in BLOCK.finditer(markdown)]


def resources(app):
    """Resource count of each stack the app synthesizes."""
    assembly = app.synth()
    return {s.stack_name: len(s.template.get("Resources", {})) for s in assembly.stacks}


def fixture(outdir, declared):
    """A fixture stack with the declared values; returns (app, stack, {name: value})."""
    app = App(outdir=outdir, context={"aws:cdk:disable-creation-stack-traces": True})
    stack = Stack(app, "Fixture")
    values = {}
    for name, type_name in declared:
        make = DECLARATIONS.get((name, type_name))
        if make is None:
            raise KeyError(f"no fixture value for `# {name}: {type_name}`; add one to DECLARATIONS")
        values[name] = make(stack)
    return app, stack, values


def run(source, outdir):
    """Runs one example in a fresh namespace; returns what it synthesized, or raises."""
    namespace = {"__builtins__": builtins, "__name__": "__readme__"}
    if re.search(r"^\w+ = App\(", source, re.M):
        os.environ["CDK_OUTDIR"] = outdir
        try:
            exec(compile(source, "<README>", "exec"), namespace)
        finally:
            del os.environ["CDK_OUTDIR"]
        apps = [v for v in namespace.values() if isinstance(v, App)]
        if len(apps) != 1:
            raise AssertionError(f"a complete program must make one App, made {len(apps)}")
        counts = resources(apps[0])
        if not counts or min(counts.values()) == 0:
            raise AssertionError(f"the program synthesized no resources: {counts}")
        return f"complete program, synthesized {counts}"
    declared = DECLARED.findall(source)
    base_app, _, _ = fixture(tempfile.mkdtemp(), declared)
    before = resources(base_app)["Fixture"]
    app, stack, values = fixture(outdir, declared)
    namespace.update(values, self=stack)
    exec(compile(source, "<README>", "exec"), namespace)
    after = resources(app)["Fixture"]
    if after <= before:
        raise AssertionError(f"the example added no resources to its fixture ({before} before, {after} after)")
    names = ", ".join(n for n, _ in declared) or "nothing"
    return f"fixture stack with {names} declared, synthesized {after} resources ({after - before} from the example)"


def main(argv):
    must_fail = argv[:1] == ["--must-fail"]
    readme = Path(argv[1] if must_fail else argv[0])
    outroot = Path(tempfile.mkdtemp() if must_fail else argv[1])
    found = examples(readme.read_text())
    if not found:
        print(f"{readme}: no Python examples", file=sys.stderr)
        return 1
    failed = 0
    for i, (line, source) in enumerate(found, 1):
        where = f"{readme.name}:{line}"
        try:
            result = run(source, str(outroot / f"example-{i}"))
            print(f"ran {where}: {result}")
        except Exception:  # every failure of an example is reported, then the run fails
            failed += 1
            detail = traceback.format_exc(limit=-2) if not must_fail else traceback.format_exc(limit=0)
            print(f"FAILED {where}:\n{detail}", file=sys.stderr if not must_fail else sys.stdout)
    if must_fail:
        if failed != len(found):
            print(f"negative control: {len(found) - failed} of {len(found)} planted bad examples ran", file=sys.stderr)
            return 1
        print(f"negative control: all {len(found)} planted bad examples of {readme.name} failed, as they must")
        return 0
    print(f"{len(found) - failed} passed, {failed} failed (README Python examples, run and synthesized)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(ARGS))
