# Installs the AWS Lambda Runtime Interface Emulator (Apache-2.0, Go module)
# as /opt/logstream/bin/aws-lambda-rie for `scripts/services start lambda-rie`.
# Sourced by scripts/setup; idempotent.
go_install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie \
  v0.0.0-20261030222936-bef5c4ba774d

# cfn-lint (PyPI) for the test of the deployment template in deploy/.
lambda_cfn_lint_setup() {
  local venv=/opt/logstream/venv-cfnlint version=1.51.0
  if [[ -x "$venv/bin/cfn-lint" ]] && "$venv/bin/pip" show cfn-lint 2>/dev/null | grep -qx "Version: $version"; then
    return 0
  fi
  venv_pip_install "$venv" "cfn-lint==$version"
}
lambda_cfn_lint_setup
