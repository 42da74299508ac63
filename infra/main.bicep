// FunctionsScheduler on Azure: one resource group holding a Flex Consumption Function App, its storage
// account, Application Insights and the user-assigned identity that reaches all of them.
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
@description('HMAC secret for the webhook signature; required when webhookUrl is set. In production prefer a Key Vault reference (see README).')
param webhookSecret string = ''

@secure()
@description('AES-256 key (32 random bytes, base64: openssl rand -base64 32) that seals secret intervention answers at rest. Required; in production prefer a Key Vault reference.')
param secretsKey string

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

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    principalId: identity.outputs.principalId
  }
}

module functions 'app/functions.bicep' = {
  name: 'functions'
  scope: rg
  // The host opens the task hub as soon as it starts: grant its roles first, or the first start fails with
  // 403s until the next restart. (Role assignments can still take a few minutes to take effect.)
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
    webhookSecret: webhookSecret
    secretsKey: secretsKey
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
