# azd preprovision hook on Windows: the same as preprovision.sh (read it for why).
$ErrorActionPreference = 'Stop'

function New-Secret {
    # 32 random bytes, base64: the form Scheduler:Secrets:Key takes.
    [Convert]::ToBase64String([System.Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
}

if ($env:KEY_VAULT_NAME) {
    if ($env:WEBHOOK_URL -and -not $env:WEBHOOK_SECRET) {
        Write-Host "WEBHOOK_URL is set and WEBHOOK_SECRET is not: the vault's webhook-secret is used. If the webhook is new to this environment, set one first (azd env set WEBHOOK_SECRET <32 random bytes, base64>), or the app will not start."
    }
    exit 0
}

if (-not $env:SCHEDULER_SECRETS_KEY) {
    azd env set SCHEDULER_SECRETS_KEY (New-Secret)
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    Write-Host 'Generated the intervention secrets key; provisioning stores it in Key Vault (secret scheduler-secrets-key).'
}

if ($env:WEBHOOK_URL -and -not $env:WEBHOOK_SECRET) {
    azd env set WEBHOOK_SECRET (New-Secret)
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    Write-Host 'Generated the webhook signing secret; provisioning stores it in Key Vault (secret webhook-secret), where the receiver''s owner reads it (infra/README.md, "Secrets").'
}
