# azd postprovision hook on Windows: the same as postprovision.sh (read it for why).
$ErrorActionPreference = 'Stop'

foreach ($name in 'SCHEDULER_SECRETS_KEY', 'WEBHOOK_SECRET') {
    if ([Environment]::GetEnvironmentVariable($name)) {
        azd env set $name ''
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
        Write-Host "$name is stored in Key Vault ($env:KEY_VAULT_NAME); removed from the azd environment."
    }
}
