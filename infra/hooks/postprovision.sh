#!/bin/sh
# azd postprovision hook: the secrets a provision sent are in Key Vault now; take them out of the azd environment
# (.azure/<env>/.env), so the vault is the only place that holds them. The next provision sends nothing for them and
# the vault keeps its values (see preprovision.sh).
set -eu

for name in SCHEDULER_SECRETS_KEY WEBHOOK_SECRET; do
  eval "value=\${$name:-}"
  if [ -n "$value" ]; then
    azd env set "$name" ""
    echo "$name is stored in Key Vault (${KEY_VAULT_NAME:-the environment's vault}); removed from the azd environment."
  fi
done
