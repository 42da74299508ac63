// Flex Consumption plan + the Function App. Every storage connection (host, timer leases, Durable task hub,
// deployment package, the app's own tables) goes through the one user-assigned identity; there is no key or
// connection string with a key anywhere in the settings, and the app's secrets are Key Vault references.

param planName string
param appName string
param location string
param tags object = {}

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity: selects it wherever more than one identity could be used.')
param identityClientId string

param storageAccountName string

@description('Primary blob endpoint of the storage account, with its trailing slash.')
param storageBlobEndpoint string

param deploymentContainerName string

@description('Application Insights component the app sends telemetry to (local auth off: the identity signs it).')
param applicationInsightsName string

@description('''.NET version of the dotnet-isolated runtime. 10.0 is listed for Flex Consumption (FC1); if a
region rejects it, list what it offers with `az functionapp list-flexconsumption-runtimes --location <region>
--runtime dotnet-isolated` and set this (the project must then target that framework too).''')
param dotnetVersion string = '10.0'

@description('Memory per instance. 2048 MB is the Flex default; 512 is too small for the Durable host plus the worker under load.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound on scale-out. Also bounds how many instances compete for the task hub\'s queues.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('''Instances kept warm, e.g. [ { name: 'durable', instanceCount: 1 } ] so timers and work items are
picked up without a cold start, or { name: 'function:ScanDueSchedules', ... } for the scanner. Billed while idle.''')
param alwaysReady array = []

@minLength(3)
@maxLength(45)
param taskHubName string

param tablePrefix string = ''
param scanSchedule string
param scanLookahead string
param sweepSchedule string

@description('Webhook for notifications; empty leaves the channel off.')
param webhookUrl string = ''

@description('Versionless Key Vault URI of the webhook signing secret (keyvault.bicep); used when webhookUrl is set.')
param webhookSecretUri string

@description('Versionless Key Vault URI of the AES-256 key sealing secret intervention answers (keyvault.bicep).')
#disable-next-line secure-secrets-in-params // the address of the secret, not the secret: it may show in the deployment
param secretsKeyUri string

@description('''Entra ID authority whose access tokens the API accepts. Empty while entraAudience is set: this
subscription's directory on the v2.0 endpoint (https://login.microsoftonline.com/<tenant id>/v2.0).''')
param entraAuthority string = ''

@description('''Audience the API's Entra ID access tokens must carry: the API app registration's client id (v2.0
tokens). Empty: Entra ID is off and only API keys are accepted.''')
param entraAudience string = ''

@description('Sustained requests a minute per caller (an API key, an Entra ID user or app), per instance.')
@minValue(1)
param rateLimitPermitsPerMinute int = 1200

@description('Requests a caller may make at once above the sustained rate, per instance.')
@minValue(1)
param rateLimitBurst int = 200

@description('''Further app settings, e.g. Executors__Http__Endpoints__<name>__BaseUrl or
Executors__Command__Workflows__<name>__Executable. Secrets among them are Key Vault references to secrets added to
the vault (see infra/README.md).''')
param additionalAppSettings object = {}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    // Linux: Flex Consumption runs only on Linux.
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  // azd finds the app to deploy `functions` (azure.yaml) into by this tag.
  tags: union(tags, { 'azd-service-name': 'functions' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references in app settings (the secrets key, the webhook secret, executor headers) resolve with this
    // identity too; rbac.bicep grants it Key Vault Secrets User on the vault. Without it the platform would look for
    // a system-assigned identity, which this app does not have.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        alwaysReady: alwaysReady
      }
      // Flex takes the worker runtime and version here; FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION
      // are rejected as app settings on this plan, so they are not set below.
      runtime: {
        name: 'dotnet-isolated'
        version: dotnetVersion
      }
    }
  }
}

// Secrets are Key Vault references, never values: the platform resolves them with the identity above when the app
// starts (again every 24 hours, and at once when a setting changes). A reference it cannot resolve reaches the app as
// the reference text itself, which the app refuses at start, naming the setting.
var secretsKeyReference = '@Microsoft.KeyVault(SecretUri=${secretsKeyUri})'
var webhookSecretReference = '@Microsoft.KeyVault(SecretUri=${webhookSecretUri})'

// The webhook channel validates at start-up that a URL comes with a secret, so both are set or neither.
var webhookSettings = empty(webhookUrl)
  ? {}
  : {
      Notifications__Webhook__Url: webhookUrl
      Notifications__Webhook__Secret: webhookSecretReference
    }

// Entra ID access tokens (src/FunctionsScheduler.Api/Access), on only with an audience: validated against the
// authority's signing keys, issuer, audience and lifetime; the app roles Scheduler.Reader/Operator/Admin in 'roles'
// give the role and 'tid' the tenant (docs/ACCESS.md).
var entraSettings = empty(entraAudience)
  ? {}
  : {
      Scheduler__Auth__Entra__Authority: !empty(entraAuthority)
        ? entraAuthority
        : '${environment().authentication.loginEndpoint}${subscription().tenantId}/v2.0'
      Scheduler__Auth__Entra__Audience: entraAudience
    }

// Every HTTP function is anonymous to the Functions host: the app judges each call itself (API keys, Entra ID tokens,
// roles, per-caller rate limits, the audit trail). The limiter lives in memory, so the limits hold per instance.
var accessSettings = {
  Scheduler__Auth__RateLimit__PermitsPerMinute: string(rateLimitPermitsPerMinute)
  Scheduler__Auth__RateLimit__Burst: string(rateLimitBurst)
}

var identitySettings = {
  // AzureWebJobsStorage as an identity-based connection: the host, the timer trigger's schedule monitor and
  // the Durable extension's Azure Storage provider all read this prefix. __clientId picks the user-assigned
  // identity (without it the platform would look for a system-assigned one, which this app does not have).
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId

  // The app's own tables (Program.cs): with no STORAGE_CONNECTION_STRING it builds a TableServiceClient for
  // https://{STORAGE_ACCOUNT_NAME}.table.core.windows.net with ManagedIdentityCredential(AZURE_CLIENT_ID).
  STORAGE_ACCOUNT_NAME: storageAccountName
  AZURE_CLIENT_ID: identityClientId

  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

var schedulerSettings = {
  TASK_HUB_NAME: taskHubName
  TABLE_PREFIX: tablePrefix
  SCAN_SCHEDULE: scanSchedule
  SCAN_LOOKAHEAD: scanLookahead
  SWEEP_SCHEDULE: sweepSchedule
  Scheduler__Secrets__Key: secretsKeyReference
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'appsettings'
  // Later objects win: additionalAppSettings cannot override the identity wiring or the secrets' references by accident.
  properties: union(additionalAppSettings, accessSettings, entraSettings, webhookSettings, schedulerSettings, identitySettings)
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
