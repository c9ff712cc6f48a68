"""The deployment template(s) in deploy/ pass cfn-lint (installed by
scripts/setup.d/lambda-rie.sh into /opt/logstream/venv-cfnlint)."""
import glob
import os
import shutil
import subprocess

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
cfn_lint = "/opt/logstream/venv-cfnlint/bin/cfn-lint"
if not os.access(cfn_lint, os.X_OK):
    cfn_lint = shutil.which("cfn-lint")
    if not cfn_lint:
        raise SystemExit("cfn-lint is missing: run scripts/setup (as root)")
templates = sorted(glob.glob(os.path.join(root, "deploy", "*.yaml")))
assert templates, "no template in deploy/"
p = subprocess.run([cfn_lint, *templates], capture_output=True, text=True)
if p.returncode != 0:
    raise SystemExit(f"cfn-lint failed ({p.returncode}):\n{p.stdout}{p.stderr}")
print(f"lambda template: cfn-lint clean on {len(templates)} template(s)")
