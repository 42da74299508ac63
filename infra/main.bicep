// FunctionsScheduler on Azure: one resource group holding a Flex Consumption Function App, its storage
// account, Application Insights, the Key Vault holding its secrets and the user-assigned identity that reaches all
// of them.
//
// Subscription-scoped so one command (az deployment sub create, or azd provision) creates the resource group
// too; the resources themselves are in the app/*.bicep modules, each deployed into that group.
targetScope = 'subscription'

@minLength(1)
@maxLength(20)
@description('Environment name (dev, test, prod...): letters, digits and hyphens. Names the resource group and seeds every resource name.')
param environmentName string

@minLength(1)
@description('Region for the resource group and all resources; it must offer Flex Consumption.')
param location string

@description('Resource group name; empty means rg-<environmentName>.')
param resourceGroupName string = ''

@minLength(3)
@maxLength(45)
@description('Durable task hub (letters and digits, starting with a letter). Each app or slot sharing the account needs its own.')
param taskHubName string = 'FunctionsScheduler'

@maxLength(50)
@description('Prefix of the app\'s own table names, so several deployments can share one account.')
param tablePrefix string = ''

@description('Six-field NCRONTAB (with seconds) of the scanner timer.')
param scanSchedule string = '*/10 * * * * *'

@description('Six-field NCRONTAB of the maintenance sweeps (stale targets, held notifications, firing-lag summary).')
param sweepSchedule string = '0 * * * * *'

@description('How far ahead the scanner claims occurrences (TimeSpan). Must exceed the scan period so nothing falls between scans.')
param scanLookahead string = '00:01:00'

@description('Notification webhook URL; empty leaves the webhook channel off.')
param webhookUrl string = ''

@secure()
@description('''HMAC secret for the webhook signature, stored in Key Vault (secret webhook-secret). Give it the first
time webhookUrl is set; empty afterwards keeps the stored one. Giving it again rotates it.''')
param webhookSecret string = ''

@secure()
@description('''AES-256 key (32 random bytes, base64: openssl rand -base64 32) sealing secret intervention answers at
rest, stored in Key Vault (secret scheduler-secrets-key). Required on the first deployment (azd generates it); empty
afterwards keeps the stored one, so re-deploying never rotates it. Giving it again rotates it.''')
param secretsKey string = ''

@description('''Days a deleted secret or the deleted vault stays recoverable (7-90; purge protection is on, so they
cannot be purged sooner). Fixed when the vault is created.''')
@minValue(7)
@maxValue(90)
param keyVaultRetentionInDays int = 90

@description('''Entra ID authority whose access tokens the API accepts, e.g. https://login.microsoftonline.com/<tenant
id>/v2.0. Empty with entraAudience set: this subscription's directory.''')
param entraAuthority string = ''

@description('''Audience of the API's Entra ID access tokens: the client id of the API app registration (infra/README.md,
"Entra ID"). Empty: Entra ID is off and callers use API keys.''')
param entraAudience string = ''

@description('Sustained requests a minute per caller (key, user or app), per instance.')
@minValue(1)
param rateLimitPermitsPerMinute int = 1200

@description('Requests a caller may make at once above the sustained rate, per instance.')
@minValue(1)
param rateLimitBurst int = 200

@description('.NET version of the Flex dotnet-isolated runtime; must match the Functions project\'s target framework.')
param dotnetVersion string = '10.0'

@description('Flex Consumption always-ready instances, e.g. [ { name: \'durable\', instanceCount: 1 } ]. Empty scales to zero.')
param alwaysReady array = []

@description('Further app settings (Executors__Http__..., Executors__Command__..., Health__...).')
param additionalAppSettings object = {}

// Stable per subscription + environment + region, so re-deploying updates the same resources.
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'FunctionsScheduler'
}
// Container names allow lowercase letters, digits and hyphens only.
var deploymentContainerName = 'app-package-${resourceToken}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-func-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    softDeleteRetentionInDays: keyVaultRetentionInDays
    secretsKey: secretsKey
    webhookSecret: webhookSecret
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: keyVault.outputs.name
    principalId: identity.outputs.principalId
  }
}

module functions 'app/functions.bicep' = {
  name: 'functions'
  scope: rg
  // The host opens the task hub as soon as it starts, and the platform resolves the Key Vault references then: grant
  // the roles first, or the first start fails with 403s until the next restart. (Role assignments can still take a
  // few minutes to take effect.) The secrets are written before this too: keyVault's outputs wait for the whole module.
  dependsOn: [
    rbac
  ]
  params: {
    planName: 'plan-${resourceToken}'
    appName: 'func-${toLower(environmentName)}-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    dotnetVersion: dotnetVersion
    alwaysReady: alwaysReady
    taskHubName: taskHubName
    tablePrefix: tablePrefix
    scanSchedule: scanSchedule
    scanLookahead: scanLookahead
    sweepSchedule: sweepSchedule
    webhookUrl: webhookUrl
    webhookSecretUri: keyVault.outputs.webhookSecretUri
    secretsKeyUri: keyVault.outputs.secretsKeyUri
    entraAuthority: entraAuthority
    entraAudience: entraAudience
    rateLimitPermitsPerMinute: rateLimitPermitsPerMinute
    rateLimitBurst: rateLimitBurst
    additionalAppSettings: additionalAppSettings
  }
}

// azd stores these in the environment (.azure/<env>/.env); the az CLI prints them under properties.outputs.
output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output FUNCTION_APP_NAME string = functions.outputs.name
output FUNCTION_APP_HOST_NAME string = functions.outputs.defaultHostName
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_CLIENT_ID string = identity.outputs.clientId
output KEY_VAULT_NAME string = keyVault.outputs.name
output KEY_VAULT_URI string = keyVault.outputs.uri
