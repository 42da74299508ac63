#!/bin/sh
# azd preprovision hook: on an environment's first provision, generate the secrets nobody needs to choose, so that
# provisioning (infra/main.bicep) stores them in the environment's Key Vault. infra/README.md, "Secrets", explains why
# they are made here rather than in the Bicep: a value the template made up on every deployment would rotate them.
#
# KEY_VAULT_NAME is an output of main.bicep, recorded by azd after a successful provision ('azd env refresh' brings it
# back on another machine). Once it is there the vault holds the secrets, and nothing is generated any more: later
# provisions pass no value and the vault keeps its own. A value set by hand (azd env set SCHEDULER_SECRETS_KEY ...) is
# always sent, which is how to rotate one.
set -eu

new_secret() {
  # 32 random bytes, base64: the form Scheduler:Secrets:Key takes.
  if command -v openssl >/dev/null 2>&1; then
    openssl rand -base64 32
  else
    head -c 32 /dev/urandom | base64 | tr -d '\n'
  fi
}

if [ -n "${KEY_VAULT_NAME:-}" ]; then
  if [ -n "${WEBHOOK_URL:-}" ] && [ -z "${WEBHOOK_SECRET:-}" ]; then
    echo "WEBHOOK_URL is set and WEBHOOK_SECRET is not: the vault's webhook-secret is used. If the webhook is new to this" \
      "environment, set one first (azd env set WEBHOOK_SECRET \"\$(openssl rand -base64 32)\"), or the app will not start."
  fi
  exit 0
fi

if [ -z "${SCHEDULER_SECRETS_KEY:-}" ]; then
  azd env set SCHEDULER_SECRETS_KEY "$(new_secret)"
  echo "Generated the intervention secrets key; provisioning stores it in Key Vault (secret scheduler-secrets-key)."
fi

if [ -n "${WEBHOOK_URL:-}" ] && [ -z "${WEBHOOK_SECRET:-}" ]; then
  azd env set WEBHOOK_SECRET "$(new_secret)"
  echo "Generated the webhook signing secret; provisioning stores it in Key Vault (secret webhook-secret), where the" \
    "receiver's owner reads it (infra/README.md, \"Secrets\")."
fi
