# Installs the S3-compatible server for `scripts/services start s3`:
# versitygw (Apache-2.0, Go module; its go.mod needs Go 1.25) into
# /opt/logstream/bin. Sourced by scripts/setup; idempotent.
go_install github.com/versity/versitygw/cmd/versitygw v1.8.0
