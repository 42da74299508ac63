// The vault that holds the app's secrets: the intervention secrets key and the webhook signing secret. The app settings
// only refer to them (@Microsoft.KeyVault(SecretUri=...)), resolved by the platform with the app's user-assigned
// identity, so no secret value is readable from the app's configuration, the deployment history or the repo.
//
// Azure RBAC decides who reads what (no access policies): the app identity gets Key Vault Secrets User (rbac.bicep).
// Soft delete and purge protection keep a deleted secret, or the whole vault, recoverable for the retention period:
// losing the secrets key would make every secret answer waiting in InterventionSecrets unreadable.

@description('Key Vault name: 3-24 letters, digits and hyphens, starting with a letter; globally unique.')
@minLength(3)
@maxLength(24)
param name string

param location string
param tags object = {}

@description('Days a deleted secret or vault stays recoverable (7-90). Fixed once the vault exists.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@secure()
@description('''AES-256 key (32 random bytes, base64) sealing secret intervention answers. Written as the secret's new
version when given; empty leaves the vault's current value untouched, so a deployment without it never rotates it.''')
param secretsKey string = ''

@secure()
@description('HMAC secret of the webhook signature. Written when given; empty leaves the current value untouched.')
param webhookSecret string = ''

// Secret names: letters, digits and hyphens. The app settings refer to them by these names, without a version, so a
// new version is picked up by the app (within 24 hours, or at once when its settings change or it restarts).
var secretsKeyName = 'scheduler-secrets-key'
var webhookSecretName = 'webhook-secret'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    // Once on it cannot be turned off: not even a subscription owner can purge a deleted secret or vault early.
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    // No VNet integration in this template: the platform resolves the references over the vault's public endpoint.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource secretsKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(secretsKey)) {
  parent: vault
  name: secretsKeyName
  properties: {
    value: secretsKey
    contentType: 'AES-256 key, base64 (Scheduler:Secrets:Key)'
  }
}

resource webhookSecretSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(webhookSecret)) {
  parent: vault
  name: webhookSecretName
  properties: {
    value: webhookSecret
    contentType: 'HMAC-SHA256 secret (Notifications:Webhook:Secret)'
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri

// Versionless secret URIs, built from the vault rather than from the secrets: a deployment that writes no secret still
// refers to the ones already there. (vaultUri ends with a slash.)
output secretsKeyUri string = '${vault.properties.vaultUri}secrets/${secretsKeyName}/'
output webhookSecretUri string = '${vault.properties.vaultUri}secrets/${webhookSecretName}/'
